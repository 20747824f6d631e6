using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// <c>--zoneinfo</c> for the layout builder: the layout takes plain managed counts (<see cref="RealManagedCounts"/>)
/// and does not read /proc files itself, so the reading lives here, beside the zoneinfo reader.
/// </summary>
public static class ZoneinfoLayoutExtensions
{
    /// <summary>Takes managed counts from a real /proc/zoneinfo (read when the layout is built).</summary>
    public static LayoutBuilder WithZoneinfo(this LayoutBuilder builder, string path, string? source = null) =>
        builder.WithManagedCounts(() => ZoneinfoReader.ManagedCounts(path, source));
}
