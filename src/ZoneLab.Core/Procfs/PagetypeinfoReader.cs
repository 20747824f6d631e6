using ZoneLab.Allocator;

namespace ZoneLab.Procfs;

/// <summary>One zone of <c>/proc/pagetypeinfo</c>: its free lists per migratetype and order, and its pageblock census.</summary>
public sealed class PagetypeinfoZone
{
    internal PagetypeinfoZone(int node, string zone)
    {
        Node = node;
        Zone = zone;
    }

    /// <summary>NUMA node.</summary>
    public int Node { get; }

    /// <summary>Zone name as printed.</summary>
    public string Zone { get; }

    /// <summary>Free blocks per [migratetype, order] (100000 where the kernel stopped counting, see <see cref="Capped"/>).</summary>
    public long[,] Free { get; } = new long[MigrateTypes.Count, Pageblock.NrOrders];

    /// <summary>True where the kernel printed "&gt;100000": it stops walking a free list at 100000 entries.</summary>
    public bool[,] Capped { get; } = new bool[MigrateTypes.Count, Pageblock.NrOrders];

    /// <summary>Line of each migratetype's free-count row (0: not printed).</summary>
    public int[] FreeLine { get; } = new int[MigrateTypes.Count];

    /// <summary>Pageblocks per migratetype ("Number of blocks type"), or null when the table lacks the zone.</summary>
    public long[]? Blocks { get; internal set; }

    /// <summary>Line of the zone's pageblock-count row (0: absent).</summary>
    public int BlocksLine { get; internal set; }
}

/// <summary>The whole of <c>/proc/pagetypeinfo</c>.</summary>
/// <param name="Source">The file name used in errors.</param>
/// <param name="Types">The migratetypes the kernel printed, in its column order (CMA only with CONFIG_CMA).</param>
/// <param name="Zones">Zones in file order.</param>
public sealed record PagetypeinfoFile(string Source, IReadOnlyList<MigrateType> Types, IReadOnlyList<PagetypeinfoZone> Zones);

/// <summary>
/// Reads <c>/proc/pagetypeinfo</c> (mm/vmstat.c <c>pagetypeinfo_show</c>, per node with memory: "Page block order",
/// "Pages per block", the free-count table of <c>pagetypeinfo_showfree_print</c>, the census of
/// <c>pagetypeinfo_showblockcount_print</c>, and with page_owner the "Number of mixed blocks" table, which is skipped).
/// Migratetype names are <c>migratetype_names[]</c>; "Reserve" (MIGRATE_RESERVE, removed in 4.4) is not modelled.
/// </summary>
public static class PagetypeinfoReader
{
    /// <summary>Reads a file; <paramref name="source"/> names it in errors.</summary>
    public static PagetypeinfoFile Read(string path, string source) => Parse(ProcText.ReadLines(path, source), source);

    /// <summary>Parses the file's lines.</summary>
    public static PagetypeinfoFile Parse(IReadOnlyList<string> lines, string source)
    {
        var zones = new List<PagetypeinfoZone>();
        List<MigrateType>? types = null;
        bool sawOrder = false;
        int section = 0; // 0 none, 1 free counts, 2 block counts, 3 mixed blocks (skipped)
        for (int i = 0; i < lines.Count; i++)
        {
            int ln = i + 1;
            string line = lines[i];
            string[] t = ProcText.Tokens(line);
            if (t.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("Page block order:", StringComparison.Ordinal))
            {
                if (t.Length != 4 || t[3] != Pageblock.Order.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    throw new ZoneLabInputException(source, ln, $"expected 'Page block order: {Pageblock.Order}' (4 KiB pages with hugetlb: other pageblock sizes are not modelled)");
                }

                sawOrder = true;
                section = 0;
                continue;
            }

            if (line.StartsWith("Pages per block:", StringComparison.Ordinal))
            {
                if (t.Length != 4 || t[3] != Pageblock.NrPages.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    throw new ZoneLabInputException(source, ln, $"expected 'Pages per block:  {Pageblock.NrPages}'");
                }

                continue;
            }

            if (line.StartsWith("Free pages count per migrate type at order", StringComparison.Ordinal))
            {
                int orders = t.Length - 8;
                if (orders != Pageblock.NrOrders)
                {
                    throw new ZoneLabInputException(source, ln, $"{orders} orders in the header; expected {Pageblock.NrOrders} (orders 0-{Pageblock.MaxOrder})");
                }

                section = 1;
                continue;
            }

            if (line.StartsWith("Number of blocks type", StringComparison.Ordinal))
            {
                List<MigrateType> cols = ParseTypes(t, 4, source, ln);
                if (types != null && !types.SequenceEqual(cols))
                {
                    throw new ZoneLabInputException(source, ln, "migratetype columns differ from the previous node's");
                }

                types = cols;
                section = 2;
                continue;
            }

            if (line.StartsWith("Number of mixed blocks", StringComparison.Ordinal))
            {
                section = 3;
                continue;
            }

            if (t[0] != "Node")
            {
                throw new ZoneLabInputException(source, ln, $"unexpected line '{ProcText.Clip(line.Trim())}'; expected /proc/pagetypeinfo");
            }

            if (!sawOrder)
            {
                throw new ZoneLabInputException(source, ln, "zone line before 'Page block order:'");
            }

            (int node, string zone, int next) = ProcText.NodeZone(t, source, ln);
            switch (section)
            {
                case 1:
                    ReadFreeRow(t, next, node, zone, zones, source, ln);
                    break;
                case 2:
                    ReadBlockRow(t, next, node, zone, zones, types!, source, ln);
                    break;
                case 3:
                    break;
                default:
                    throw new ZoneLabInputException(source, ln, "zone line outside the free-count and block-count tables");
            }
        }

        if (types == null || zones.Count == 0)
        {
            throw new ZoneLabInputException(source, "no 'Number of blocks type' table; expected a whole /proc/pagetypeinfo (readable by root only)");
        }

        foreach (PagetypeinfoZone z in zones)
        {
            if (z.Blocks == null)
            {
                throw new ZoneLabInputException(source, z.FreeLine.First(l => l > 0), $"node {z.Node} zone {z.Zone} has free counts but no 'Number of blocks type' row (file cut short?)");
            }

            foreach (MigrateType mt in types)
            {
                if (z.FreeLine[(int)mt] == 0)
                {
                    throw new ZoneLabInputException(source, z.BlocksLine, $"node {z.Node} zone {z.Zone} has no free-count row for type {MigrateTypes.Name(mt)}");
                }
            }
        }

        return new PagetypeinfoFile(source, types, zones);
    }

    private static void ReadFreeRow(string[] t, int next, int node, string zone, List<PagetypeinfoZone> zones, string source, int ln)
    {
        // "Node    0, zone      DMA, type    Unmovable      0 ..."
        if (t.Length < next + 2 || t[next] != "type")
        {
            throw new ZoneLabInputException(source, ln, "expected 'Node N, zone NAME, type TYPE counts...'");
        }

        MigrateType mt = ParseType(t[next + 1], source, ln);
        int first = next + 2;
        if (t.Length - first != Pageblock.NrOrders)
        {
            throw new ZoneLabInputException(source, ln, $"{t.Length - first} counts; expected {Pageblock.NrOrders}");
        }

        PagetypeinfoZone? z = zones.FirstOrDefault(x => x.Node == node && x.Zone == zone);
        if (z == null)
        {
            z = new PagetypeinfoZone(node, zone);
            zones.Add(z);
        }
        else if (z.Blocks != null)
        {
            throw new ZoneLabInputException(source, ln, $"node {node} zone {zone} is listed twice");
        }

        if (z.FreeLine[(int)mt] != 0)
        {
            throw new ZoneLabInputException(source, ln, $"node {node} zone {zone} type {MigrateTypes.Name(mt)} is listed twice");
        }

        z.FreeLine[(int)mt] = ln;
        for (int o = 0; o < Pageblock.NrOrders; o++)
        {
            string tok = t[first + o];
            bool capped = tok.StartsWith('>');
            long v = ProcText.Count(capped ? tok[1..] : tok, source, ln, $"order {o}");
            if (capped && v != 100000)
            {
                throw new ZoneLabInputException(source, ln, $"order {o}: '{ProcText.Clip(tok)}'; the kernel prints '>' only as '>100000'");
            }

            z.Free[(int)mt, o] = v;
            z.Capped[(int)mt, o] = capped;
        }
    }

    private static void ReadBlockRow(string[] t, int next, int node, string zone, List<PagetypeinfoZone> zones, List<MigrateType> types, string source, int ln)
    {
        // "Node 0, zone      DMA            1            7 ..."
        if (t.Length - next != types.Count)
        {
            throw new ZoneLabInputException(source, ln, $"{t.Length - next} counts; expected {types.Count} (one per column)");
        }

        PagetypeinfoZone? z = zones.FirstOrDefault(x => x.Node == node && x.Zone == zone);
        if (z == null)
        {
            throw new ZoneLabInputException(source, ln, $"node {node} zone {zone} has a block count but no free counts");
        }

        if (z.Blocks != null)
        {
            throw new ZoneLabInputException(source, ln, $"node {node} zone {zone} has two block-count rows");
        }

        var blocks = new long[MigrateTypes.Count];
        for (int c = 0; c < types.Count; c++)
        {
            blocks[(int)types[c]] = ProcText.Count(t[next + c], source, ln, MigrateTypes.Name(types[c]));
        }

        z.Blocks = blocks;
        z.BlocksLine = ln;
    }

    private static List<MigrateType> ParseTypes(string[] t, int first, string source, int ln)
    {
        var list = new List<MigrateType>();
        for (int i = first; i < t.Length; i++)
        {
            MigrateType mt = ParseType(t[i], source, ln);
            if (list.Contains(mt))
            {
                throw new ZoneLabInputException(source, ln, $"column {t[i]} appears twice");
            }

            list.Add(mt);
        }

        if (!list.Contains(MigrateType.Movable))
        {
            throw new ZoneLabInputException(source, ln, "no Movable column; expected the kernel's migratetype names");
        }

        return list;
    }

    private static MigrateType ParseType(string name, string source, int ln) => name switch
    {
        "Unmovable" => MigrateType.Unmovable,
        "Movable" => MigrateType.Movable,
        "Reclaimable" => MigrateType.Reclaimable,
        "HighAtomic" => MigrateType.HighAtomic,
        "CMA" => MigrateType.Cma,
        "Isolate" => MigrateType.Isolate,
        "Reserve" => throw new ZoneLabInputException(source, ln, "migratetype Reserve (MIGRATE_RESERVE, kernels before 4.4) is not modelled"),
        _ => throw new ZoneLabInputException(source, ln, $"'{ProcText.Clip(name)}' is not a migratetype name (Unmovable, Movable, Reclaimable, HighAtomic, CMA, Isolate)"),
    };
}
