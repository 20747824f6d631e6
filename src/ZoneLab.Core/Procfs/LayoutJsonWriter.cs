using System.Text;
using System.Text.Json;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// The layout as JSON:
/// <c>{"arch":..,"nodes":[{"nid","start_pfn","end_pfn","zones":[{"name","start_pfn","spanned","present","managed"}]}],
/// "movable_zone_start_pfn":{"0":N},"memory_blocks":[{"index","node","valid_zones"}]}</c> plus extra fields.
/// </summary>
public static class LayoutJsonWriter
{
    /// <summary>Serializes the layout (indented when <paramref name="indented"/>).</summary>
    public static string Write(BootLayout layout, bool indented = false)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteString("arch", layout.Arch);
            w.WriteString("cmdline", layout.CommandLine.Text);
            w.WriteNumber("total_pages", layout.TotalPages);
            w.WriteString("movable_zone", ZoneTypes.Name(layout.MovableZone));
            w.WriteStartArray("nodes");
            foreach (NodeLayout n in layout.Nodes)
            {
                w.WriteStartObject();
                w.WriteNumber("nid", n.Nid);
                w.WriteNumber("start_pfn", n.StartPfn);
                w.WriteNumber("end_pfn", n.EndPfn);
                w.WriteNumber("present", n.PresentPages);
                w.WriteStartArray("zones");
                foreach (ZoneLayout z in n.Zones)
                {
                    w.WriteStartObject();
                    w.WriteString("name", z.Name);
                    w.WriteNumber("start_pfn", z.StartPfn);
                    w.WriteNumber("spanned", z.Spanned);
                    w.WriteNumber("present", z.Present);
                    w.WriteNumber("managed", z.Managed);
                    w.WriteBoolean("managed_is_real", z.ManagedIsReal);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("memory_ranges");
                foreach (PfnRange r in n.MemoryRanges)
                {
                    w.WriteStartObject();
                    w.WriteNumber("start_pfn", r.Start);
                    w.WriteNumber("end_pfn", r.End);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("movable_zone_start_pfn");
            foreach (KeyValuePair<int, ulong> kv in layout.ZoneMovablePfn.OrderBy(k => k.Key))
            {
                if (kv.Value != 0)
                {
                    w.WriteNumber(kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), kv.Value);
                }
            }
            w.WriteEndObject();
            w.WriteNumber("memory_block_size", layout.MemoryBlockSize);
            w.WriteStartArray("memory_blocks");
            foreach (MemoryBlock b in layout.MemoryBlocks)
            {
                w.WriteStartObject();
                w.WriteNumber("index", b.Index);
                w.WriteNumber("node", b.Node);
                w.WriteString("valid_zones", b.ValidZones);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("warnings");
            foreach (string s in layout.Warnings)
            {
                w.WriteStringValue(s);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
