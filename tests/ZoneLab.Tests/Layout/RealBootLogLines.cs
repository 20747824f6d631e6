using System.Text.RegularExpressions;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// The lines of a boot log the layout comparison looks at, grouped: the "Zone ranges:" block, the "Early memory
/// node ranges" block, the Initmem lines (with 5.17+'s "Initializing node N as memoryless" and 4.x's
/// "On node N totalpages: 0" of memoryless nodes) and the per-zone "pages in unavailable ranges" lines. Read from a
/// real log they are what the kernel printed; read from <c>LayoutDmesgWriter</c> output they are what the model
/// prints.
/// </summary>
internal sealed partial record RealBootLogLines(
    IReadOnlyList<string> ZoneRanges,
    IReadOnlyList<string> NodeRanges,
    IReadOnlyList<string> Initmem,
    IReadOnlyList<string> Unavailable)
{
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
        bool inZones = false, inNodes = false, zonesSeen = false, nodesSeen = false;
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
        return new RealBootLogLines(zones, nodes, initmem, unavailable);
    }
}
