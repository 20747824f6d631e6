using System.Text.RegularExpressions;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// The lines of a boot log the layout comparison looks at, grouped: the "Zone ranges:" block, the "Early memory
/// node ranges" block, the Initmem lines (with 5.17+'s "Initializing node N as memoryless" and 4.x's
/// "On node N totalpages: 0" of memoryless nodes), the per-zone "pages in unavailable ranges" lines and the
/// "Movable zone start for each node" lines. Read from a real log they are what the kernel printed; read from
/// <c>LayoutDmesgWriter</c> output they are what the model prints. Only a real log fills the rest: its user-defined
/// e820 map (normalised to <see cref="ZoneLab.Layout.E820Entry"/>'s form), the "On node N totalpages: K" lines of
/// nodes with memory (pre-5.13 kernels) and the total of the "Memory: AK/TK available" line.
/// </summary>
internal sealed partial record RealBootLogLines(
    IReadOnlyList<string> ZoneRanges,
    IReadOnlyList<string> NodeRanges,
    IReadOnlyList<string> Initmem,
    IReadOnlyList<string> Unavailable)
{
    /// <summary>"Movable zone start for each node" lines ("  Node 0: 0x...").</summary>
    public IReadOnlyList<string> MovableStart { get; init; } = [];

    /// <summary>The "user:" lines as "[mem 0x%016x-0x%016x] TYPE" (3.x's "user: START - END (TYPE)" converted).</summary>
    public IReadOnlyList<string> UserMap { get; init; } = [];

    /// <summary>"On node N totalpages: K" for K &gt; 0, as (N, K).</summary>
    public IReadOnlyList<(int Nid, ulong Pages)> NodeTotalpages { get; init; } = [];

    /// <summary>T of "Memory: AK/TK available" (mem_init_print_info(): the present pages in KiB), null when absent.</summary>
    public ulong? MemoryTotalKb { get; init; }

    [GeneratedRegex(@"^  Node \d+: 0x[0-9a-f]+$")]
    private static partial Regex MovableLine();

    [GeneratedRegex(@"^user: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] (.+)$")]
    private static partial Regex UserLine();

    [GeneratedRegex(@"^ ?user: ([0-9a-f]{16}) - ([0-9a-f]{16}) \((.+)\)$")]
    private static partial Regex UserLineOld();

    [GeneratedRegex(@"^On node (\d+) totalpages: (\d+)$")]
    private static partial Regex TotalpagesLine();

    [GeneratedRegex(@"^Memory: \d+K/(\d+)K available")]
    private static partial Regex MemoryLine();

    [GeneratedRegex(@"^(<\d+>)?(\[\s*\d+\.\d+\] )?")]
    private static partial Regex Prefix();

    [GeneratedRegex(@"^  (DMA|DMA32|Normal|HighMem|Device)\s+(empty|\[mem .*\])$")]
    private static partial Regex ZoneLine();

    [GeneratedRegex(@"^  node\s+\d+: \[mem .*\]$")]
    private static partial Regex NodeLine();

    [GeneratedRegex(@"^On node \d+, zone \w+: \d+ pages in unavailable ranges$")]
    private static partial Regex UnavailableLine();

    [GeneratedRegex(@"^On node \d+ totalpages: 0$")]
    private static partial Regex EmptyNodeLine();

    public static RealBootLogLines Parse(IEnumerable<string> rawLines)
    {
        var zones = new List<string>();
        var nodes = new List<string>();
        var initmem = new List<string>();
        var unavailable = new List<string>();
        var movable = new List<string>();
        var user = new List<string>();
        var totalpages = new List<(int, ulong)>();
        ulong? memoryTotal = null;
        bool inZones = false, inNodes = false, zonesSeen = false, nodesSeen = false, inMovable = false;
        foreach (string raw in rawLines)
        {
            string line = Prefix().Replace(raw.TrimEnd('\r'), string.Empty, 1).TrimEnd();
            if (line == "Zone ranges:")
            {
                if (zonesSeen)
                {
                    break; // a second boot in the same log
                }
                inZones = zonesSeen = true;
                continue;
            }
            if (inZones)
            {
                if (ZoneLine().IsMatch(line))
                {
                    zones.Add(line);
                    continue;
                }
                inZones = false;
            }
            if (line == "Movable zone start for each node" && !nodesSeen)
            {
                inMovable = true;
                continue;
            }
            if (inMovable)
            {
                if (MovableLine().IsMatch(line))
                {
                    movable.Add(line);
                    continue;
                }
                inMovable = false;
            }
            Match u = UserLine().Match(line);
            Match uo = u.Success ? u : UserLineOld().Match(line);
            if (uo.Success && !zonesSeen)
            {
                ulong start = Convert.ToUInt64(uo.Groups[1].Value, 16), end = Convert.ToUInt64(uo.Groups[2].Value, 16);
                ulong endIncl = u.Success ? end : end - 1; // 3.x printed the exclusive end
                user.Add($"[mem 0x{start:x16}-0x{endIncl:x16}] {uo.Groups[3].Value}");
                continue;
            }
            Match tp = TotalpagesLine().Match(line);
            if (tp.Success && tp.Groups[2].Value != "0")
            {
                totalpages.Add((int.Parse(tp.Groups[1].Value), ulong.Parse(tp.Groups[2].Value)));
                continue;
            }
            Match mem = MemoryLine().Match(line);
            if (mem.Success && memoryTotal == null)
            {
                memoryTotal = ulong.Parse(mem.Groups[1].Value);
                continue;
            }
            if (line == "Early memory node ranges" && !nodesSeen)
            {
                inNodes = nodesSeen = true;
                continue;
            }
            if (inNodes)
            {
                if (NodeLine().IsMatch(line))
                {
                    nodes.Add(line);
                    continue;
                }
                inNodes = false;
            }
            if (line.StartsWith("Initmem setup node ", StringComparison.Ordinal)
                || (line.StartsWith("Initializing node ", StringComparison.Ordinal) && line.EndsWith(" as memoryless", StringComparison.Ordinal))
                || EmptyNodeLine().IsMatch(line))
            {
                initmem.Add(line);
            }
            else if (UnavailableLine().IsMatch(line))
            {
                unavailable.Add(line);
            }
        }
        return new RealBootLogLines(zones, nodes, initmem, unavailable)
        {
            MovableStart = movable,
            UserMap = user,
            NodeTotalpages = totalpages,
            MemoryTotalKb = memoryTotal,
        };
    }
}
