using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// The layout as JSON:
/// <c>{"arch":..,"nodes":[{"nid","start_pfn","end_pfn","zones":[{"name","start_pfn","spanned","present","managed"}]}],
/// "movable_zone_start_pfn":{"0":N},"memory_blocks":[{"index","node","valid_zones"}],
/// "cma_areas":[{"name","node","zone","base_pfn","count"}]}</c> plus extra fields.
/// </summary>
public static class LayoutJsonWriter
{
    /// <summary>Serializes the layout (indented when <paramref name="indented"/>).</summary>
    public static string Write(BootLayout layout, bool indented = false) => ZoneLabJson.Layout(LayoutJson.From(layout), indented);
}
