using System.Globalization;
using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

/// <summary>
/// The kernel's page allocations of one step of a <c>--page-state</c> recording (<c>stepN.allocs.txt</c>, zlpagestate.h):
/// runs <c>ORDER MIGRATETYPE PAGEBLOCK_PFN COUNT GFP</c> (pfn in hex) of consecutive kmem:mm_page_alloc events with the
/// same order, migratetype, pageblock and gfp flags, in trace order, then <c>overrun N</c> (events the trace lost).
/// </summary>
public sealed class GuestAllocTrace
{
    /// <summary>At most 2^26 allocations per step (a 16 MiB trace buffer holds about 400 000): bounds the reader.</summary>
    public const long MaxAllocs = 1L << 26;

    private GuestAllocTrace(List<(LandedAlloc Alloc, long Count)> runs, long overrun)
    {
        Runs = runs;
        Overrun = overrun;
    }

    /// <summary>The runs: (order, migratetype, pageblock's first pfn) and how many allocations in a row.</summary>
    public IReadOnlyList<(LandedAlloc Alloc, long Count)> Runs { get; }

    /// <summary>Events the trace instance lost (the sequence is incomplete when not 0).</summary>
    public long Overrun { get; }

    /// <summary>Allocations in all.</summary>
    public long Count => Runs.Sum(r => r.Count);

    /// <summary>Reads a step's file; <paramref name="types"/> maps the kernel's migratetype numbers (pagetypeinfo's columns).</summary>
    public static GuestAllocTrace Read(string path, IReadOnlyList<MigrateType> types) => Parse(InputFiles.ReadLines(path), path, types);

    /// <summary>Parses a step's lines.</summary>
    public static GuestAllocTrace Parse(IReadOnlyList<string> lines, string source, IReadOnlyList<MigrateType> types)
    {
        var runs = new List<(LandedAlloc, long)>();
        long total = 0, overrun = -1;
        for (int i = 0; i < lines.Count; i++)
        {
            string[] t = lines[i].Split(' ');
            if (lines[i].Length == 0 && i == lines.Count - 1)
            {
                break;
            }

            if (overrun >= 0)
            {
                throw new ZoneLabInputException(source, i + 1, "text after the 'overrun N' line");
            }

            if (t.Length == 2 && t[0] == "overrun")
            {
                overrun = long.TryParse(t[1], NumberStyles.None, CultureInfo.InvariantCulture, out long o) ? o
                    : throw new ZoneLabInputException(source, i + 1, $"overrun '{Clip(t[1])}' is not a count");
                continue;
            }

            if (t.Length != 5)
            {
                throw new ZoneLabInputException(source, i + 1, $"expected 'ORDER MIGRATETYPE PAGEBLOCK_PFN COUNT GFP' or 'overrun N', not '{Clip(lines[i])}'");
            }

            int order = int.TryParse(t[0], NumberStyles.None, CultureInfo.InvariantCulture, out int x) && x <= Pageblock.MaxOrder ? x
                : throw new ZoneLabInputException(source, i + 1, $"order '{Clip(t[0])}': expected 0-{Pageblock.MaxOrder}");
            int mt = int.TryParse(t[1], NumberStyles.None, CultureInfo.InvariantCulture, out int y) && y < types.Count ? y
                : throw new ZoneLabInputException(source, i + 1, $"migratetype '{Clip(t[1])}': expected 0-{types.Count - 1} (the kernel's pagetypeinfo columns)");
            ulong pfn = t[2].Length is > 0 and <= 16 && ulong.TryParse(t[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong p) && p < GuestPageState.MaxPfns && (p & (Pageblock.NrPages - 1)) == 0 ? p
                : throw new ZoneLabInputException(source, i + 1, $"pageblock pfn '{Clip(t[2])}': expected a hex pfn below 0x{GuestPageState.MaxPfns:x}, a multiple of 0x{Pageblock.NrPages:x}");
            long n = long.TryParse(t[3], NumberStyles.None, CultureInfo.InvariantCulture, out long c) && c > 0 && c <= MaxAllocs - total ? c
                : throw new ZoneLabInputException(source, i + 1, $"count '{Clip(t[3])}': expected 1 to {MaxAllocs - total} (at most {MaxAllocs} per step)");
            total += n;
            runs.Add((new LandedAlloc(order, types[mt], pfn), n));
        }

        if (overrun < 0)
        {
            throw new ZoneLabInputException(source, Math.Max(1, lines.Count), "no 'overrun N' line: the step's trace summary is cut short");
        }

        return new GuestAllocTrace(runs, overrun);
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
