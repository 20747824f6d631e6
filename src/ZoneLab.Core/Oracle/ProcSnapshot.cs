using System.Globalization;

namespace ZoneLab.Oracle;

/// <summary>
/// The allocator state at one point of a workload, read from the kernel's text (or the engine's, written by the same
/// Procfs writers): free blocks per order per zone (/proc/buddyinfo), pageblocks per migratetype per zone (the
/// "Number of blocks type" table of /proc/pagetypeinfo), /proc/vmstat, and the step's trace event counts.
/// </summary>
public sealed class ProcSnapshot
{
    /// <summary>Free blocks per order, by "node N zone".</summary>
    public Dictionary<string, long[]> Buddy { get; } = new(StringComparer.Ordinal);

    /// <summary>Pageblocks per migratetype, by "node N zone" then type name (Unmovable, Movable, ...).</summary>
    public Dictionary<string, Dictionary<string, long>> Blocks { get; } = new(StringComparer.Ordinal);

    /// <summary>/proc/vmstat counters.</summary>
    public Dictionary<string, long> Vmstat { get; } = new(StringComparer.Ordinal);

    /// <summary>Trace event counts since the previous snapshot (key as zlguest prints it).</summary>
    public Dictionary<string, long> Trace { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Reads the snapshot texts; <paramref name="source"/> is the files' common stem (a recording's <c>DIR/stepN</c>),
    /// so an error names the file to open, <c>DIR/stepN.buddyinfo.txt:LINE</c>. Every count is a whole number the
    /// kernel prints unsigned (buddyinfo's and pagetypeinfo's counts, /proc/vmstat's values: 6.1's vmstat_start clamps
    /// the page states at 0 and prints them with %lu), each zone, counter and trace key comes once, and the pageblock
    /// census covers exactly the zones of buddyinfo (both files print every populated zone): a cut or edited file is
    /// bad input, not a table with rows missing.
    /// </summary>
    public static ProcSnapshot Parse(string buddyinfo, string pagetypeinfo, string vmstat, string? trace, string source)
    {
        var s = new ProcSnapshot();
        // the four files' names, built once rather than for every number read
        string buddySource = source + ".buddyinfo.txt", typesSource = source + ".pagetypeinfo.txt";
        string vmstatSource = source + ".vmstat.txt", traceSource = source + ".trace.txt";
        int ln = 0;
        foreach (string line in buddyinfo.Split('\n'))
        {
            ln++;
            // "Node 0, zone    DMA32   5398   4613 ..."
            string[] t = line.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            if (t.Length == 0)
            {
                continue;
            }
            if (t.Length < 5 || t[0] != "Node" || t[2] != "zone")
            {
                throw new ZoneLabInputException(buddySource, ln, "expected 'Node N, zone NAME counts...'");
            }
            if (!s.Buddy.TryAdd($"node{t[1]} {t[3]}", [.. t.Skip(4).Select(x => Long(x, buddySource, ln))]))
            {
                throw new ZoneLabInputException(buddySource, ln, $"expected each zone once, not node {t[1]} zone {t[3]} again");
            }
        }
        ln = 0;
        string[]? types = null;
        foreach (string line in pagetypeinfo.Split('\n'))
        {
            ln++;
            if (line.StartsWith("Number of blocks type", StringComparison.Ordinal))
            {
                types = line["Number of blocks type".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                continue;
            }
            if (types != null && line.StartsWith("Node ", StringComparison.Ordinal) && !line.Contains("type", StringComparison.Ordinal))
            {
                string[] t = line.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
                if (t.Length != 4 + types.Length)
                {
                    throw new ZoneLabInputException(typesSource, ln, $"expected 'Node N, zone NAME' and {types.Length} block counts");
                }
                var d = new Dictionary<string, long>(StringComparer.Ordinal);
                for (int i = 0; i < types.Length; i++)
                {
                    d[types[i]] = Long(t[4 + i], typesSource, ln);
                }
                string zone = $"node{t[1]} {t[3]}";
                if (!s.Buddy.ContainsKey(zone) || !s.Blocks.TryAdd(zone, d))
                {
                    throw new ZoneLabInputException(typesSource, ln, $"expected each zone of buddyinfo once in the block census, not node {t[1]} zone {t[3]}{(s.Blocks.ContainsKey(zone) ? " again" : string.Empty)}");
                }
            }
        }
        if (types == null)
        {
            throw new ZoneLabInputException(typesSource, ln, "expected the 'Number of blocks type' census table");
        }
        if (s.Blocks.Count != s.Buddy.Count)
        {
            string missing = s.Buddy.Keys.First(z => !s.Blocks.ContainsKey(z));
            throw new ZoneLabInputException(typesSource, ln, $"expected a block census line for {missing} (it is in buddyinfo)");
        }
        ln = 0;
        foreach (string line in vmstat.Split('\n'))
        {
            ln++;
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length == 2)
            {
                if (!s.Vmstat.TryAdd(t[0], Long(t[1], vmstatSource, ln)))
                {
                    throw new ZoneLabInputException(vmstatSource, ln, $"expected each counter once, not '{t[0]}' again");
                }
            }
            else if (t.Length != 0)
            {
                throw new ZoneLabInputException(vmstatSource, ln, "expected 'name value'");
            }
        }
        ln = 0;
        foreach (string line in (trace ?? string.Empty).Split('\n'))
        {
            ln++;
            if (line.Length == 0)
            {
                continue;
            }
            int sp = line.LastIndexOf(' ');
            if (sp <= 0 || !s.Trace.TryAdd(line[..sp], Long(line[(sp + 1)..], traceSource, ln)))
            {
                throw new ZoneLabInputException(traceSource, ln, sp <= 0 ? "expected 'EVENT COUNT'" : $"expected each event once, not '{line[..sp]}' again");
            }
        }
        return s;
    }

    private static long Long(string x, string source, int line) =>
        long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : throw new ZoneLabInputException(source, line, $"expected a whole number, not '{x}'");
}
