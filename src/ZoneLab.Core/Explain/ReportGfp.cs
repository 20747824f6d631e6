using ZoneLab.Allocator;

namespace ZoneLab.Explain;

/// <summary>
/// The gfp mask of an allocation-failure report as the allocator sees it. From v4.5 the kernel prints the flag names
/// after the hex mask (<c>%pGg</c>, include/trace/events/mmflags.h); their meaning is stable across versions except for
/// the composites whose definition changed, which are expanded here for the report's kernel. Before v4.5 only the hex
/// mask is printed, decoded with the bit layout of v4.4-v4.9 (include/linux/gfp.h after the v4.4 __GFP_WAIT split).
/// The result uses <see cref="GfpFlags"/> as a set of meanings, not as the bit values of the reporting kernel.
/// </summary>
public static class ReportGfp
{
    /// <summary>Decodes the report's mask for kernel <paramref name="version"/> (major*100+minor); unknown names are returned.</summary>
    public static GfpFlags Decode(uint mode, string? names, int version, out List<string> unknown)
    {
        unknown = [];
        if (names is null || names.Length == 0)
        {
            // The bit layout of v4.4 ... v4.9 (the only kernels in range that print the mask without names).
            return GfpTable.FromBitsV4_4(mode);
        }
        GfpFlags result = GfpFlags.None;
        foreach (string raw in names.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.StartsWith("0x", StringComparison.Ordinal))
            {
                continue; // bits %pGg could not name; they never select zones or reserves
            }
            if (Name(raw, version) is GfpFlags f)
            {
                result |= f;
            }
            else
            {
                unknown.Add(raw);
            }
        }
        return result;
    }

    /// <summary>One printed name for kernel <paramref name="version"/>, or null when unknown (<see cref="GfpTable.TryLookup"/>).</summary>
    public static GfpFlags? Name(string name, int version) => GfpTable.TryLookup(name, version, out GfpFlags f) ? f : null;
}
