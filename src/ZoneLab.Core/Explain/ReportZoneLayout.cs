using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Explain;

/// <summary>
/// The zone indexes of a dumped kernel. <c>show_free_areas()</c> prints only populated zones, but
/// <c>lowmem_reserve[]</c> has one entry per configured zone (MAX_NR_ZONES): the configured set is the printed zones plus
/// ZONE_NORMAL and ZONE_MOVABLE (always built), plus unprinted ones in the order the architecture configures them, chosen
/// so that every printed zone's <c>lowmem_reserve[j]</c> is 0 for all j up to its own index
/// (<c>setup_per_zone_lowmem_reserve()</c> only fills entries of higher zones).
/// </summary>
public sealed class ReportZoneLayout
{
    private static readonly string[] s_canonical = ["DMA", "DMA32", "Normal", "HighMem", "Movable", "Device"];

    private ReportZoneLayout(string[] names, bool consistent)
    {
        Names = names;
        Consistent = consistent;
    }

    /// <summary>Configured zone names by index (length MAX_NR_ZONES).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>False when no configured set matched every printed lowmem_reserve (the closest guess is used).</summary>
    public bool Consistent { get; }

    /// <summary>Index of a configured zone, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (Names[i] == name)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// The zones a report cut before its zone lines most likely had: the architecture's usual configuration (x86_64 and
    /// arm64 distribution kernels: DMA, DMA32, Normal, Movable, Device; 32-bit arm, mips and ppc: DMA, Normal, HighMem,
    /// Movable). Marked inconsistent, since no <c>lowmem_reserve[]</c> line confirms it.
    /// </summary>
    public static ReportZoneLayout Assumed(string? arch) => arch switch
    {
        "arm" or "mips" or "ppc" => new ReportZoneLayout(["DMA", "Normal", "HighMem", "Movable"], false),
        _ => new ReportZoneLayout(["DMA", "DMA32", "Normal", "Movable", "Device"], false),
    };

    /// <summary>Infers the layout of <paramref name="report"/> on <paramref name="arch"/> (x86_64, arm64, arm, mips or null).</summary>
    public static ReportZoneLayout Infer(AllocFailureReport report, string? arch)
    {
        int width = report.Zones[0].LowmemReserve.Length;
        var printed = new HashSet<string>(report.Zones.Select(z => z.Name), StringComparer.Ordinal);
        var required = new HashSet<string>(printed, StringComparer.Ordinal) { "Normal", "Movable" };
        // Unprinted zones the architecture may configure, most likely first.
        string[] optional = arch switch
        {
            "x86_64" => ["DMA", "DMA32", "Device"],
            "arm64" => ["DMA", "DMA32", "Device"],
            "arm" or "mips" or "ppc" => ["HighMem", "DMA"],
            _ => printed.Contains("HighMem") ? ["DMA", "Device"] : ["DMA", "DMA32", "Device", "HighMem"],
        };
        optional = optional.Where(o => !required.Contains(o)).ToArray();
        int missing = width - required.Count;
        string[]? fallback = null;
        if (missing >= 0 && missing <= optional.Length)
        {
            foreach (string[] extra in Combinations(optional, missing))
            {
                string[] names = Ordered(required.Concat(extra));
                fallback ??= names;
                if (Fits(report, names))
                {
                    return new ReportZoneLayout(names, true);
                }
            }
        }
        // No set of the expected size fits: keep the printed order and pad with unnamed slots.
        fallback ??= Ordered(required).Take(width).ToArray();
        if (fallback.Length < width)
        {
            fallback = fallback.Concat(Enumerable.Range(fallback.Length, width - fallback.Length).Select(i => $"zone{i}")).ToArray();
        }
        return new ReportZoneLayout(fallback, false);
    }

    private static string[] Ordered(IEnumerable<string> names) =>
        s_canonical.Where(c => names.Contains(c)).ToArray();

    private static bool Fits(AllocFailureReport report, string[] names)
    {
        foreach (DumpedZone z in report.Zones)
        {
            int idx = Array.IndexOf(names, z.Name);
            if (idx < 0)
            {
                return false;
            }
            for (int j = 0; j <= idx && j < z.LowmemReserve.Length; j++)
            {
                if (z.LowmemReserve[j] != 0)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static IEnumerable<string[]> Combinations(string[] items, int k)
    {
        if (k == 0)
        {
            yield return [];
            yield break;
        }
        for (int i = 0; i <= items.Length - k; i++)
        {
            foreach (string[] rest in Combinations(items[(i + 1)..], k - 1))
            {
                yield return [items[i], .. rest];
            }
        }
    }
}
