using ZoneLab.Allocator;

namespace ZoneLab.Procfs;

/// <summary>One line of <c>/proc/buddyinfo</c>: a zone's <c>free_area[order].nr_free</c> for every order.</summary>
/// <param name="Node">NUMA node.</param>
/// <param name="Zone">Zone name as printed (DMA, DMA32, Normal, Movable, ...).</param>
/// <param name="NrFree">Free blocks per order (index = order).</param>
/// <param name="Line">1-based line in the file.</param>
public sealed record BuddyinfoZone(int Node, string Zone, long[] NrFree, int Line);

/// <summary>
/// Reads <c>/proc/buddyinfo</c> (mm/vmstat.c <c>frag_show_print</c>: "Node %d, zone %8s" then "%6lu " per order, populated
/// zones only). Only kernels with the model's 11 orders (4 KiB pages, MAX_ORDER 11 in 6.1 terms) are accepted.
/// </summary>
public static class BuddyinfoReader
{
    /// <summary>Reads a file; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<BuddyinfoZone> Read(string path, string source)
        => Parse(ProcText.ReadLines(path, source), source);

    /// <summary>Parses the file's lines.</summary>
    public static IReadOnlyList<BuddyinfoZone> Parse(IReadOnlyList<string> lines, string source)
    {
        var zones = new List<BuddyinfoZone>();
        for (int i = 0; i < lines.Count; i++)
        {
            string[] t = ProcText.Tokens(lines[i]);
            if (t.Length == 0)
            {
                continue;
            }

            (int node, string zone, int next) = ProcText.NodeZone(t, source, i + 1);
            int orders = t.Length - next;
            if (orders != Pageblock.NrOrders)
            {
                throw new ZoneLabInputException(source, i + 1, $"{orders} orders; expected {Pageblock.NrOrders} (4 KiB pages, orders 0-{Pageblock.MaxOrder}: other page sizes are not modelled)");
            }

            var nr = new long[Pageblock.NrOrders];
            for (int o = 0; o < nr.Length; o++)
            {
                nr[o] = ProcText.Count(t[next + o], source, i + 1, $"order {o}");
            }

            if (zones.Any(z => z.Node == node && z.Zone == zone))
            {
                throw new ZoneLabInputException(source, i + 1, $"node {node} zone {zone} is listed twice");
            }

            zones.Add(new BuddyinfoZone(node, zone, nr, i + 1));
        }

        if (zones.Count == 0)
        {
            throw new ZoneLabInputException(source, "no 'Node N, zone NAME' lines; expected /proc/buddyinfo");
        }

        return zones;
    }
}
