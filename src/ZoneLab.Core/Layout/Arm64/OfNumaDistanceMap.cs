using ZoneLab.Layout.DeviceTree;

namespace ZoneLab.Layout.Arm64;

/// <summary>
/// The device tree's NUMA distances, as drivers/of/of_numa.c (6.1) reads them in of_numa_init():
/// of_numa_parse_distance_map() finds the first node compatible with <c>numa-distance-map-v1</c> and
/// of_numa_parse_distance_map_v1() takes its <c>distance-matrix</c> as (node A, node B, distance) triples, setting
/// A→B and, when B &gt; A, B→A too (drivers/base/arch_numa.c numa_set_distance(); the rest of the table keeps
/// numa_alloc_distance()'s LOCAL_DISTANCE/REMOTE_DISTANCE). Binding: Documentation/devicetree/bindings/numa.txt.
/// </summary>
public static class OfNumaDistanceMap
{
    /// <summary>The compatible of the distance map node.</summary>
    public const string Compatible = "numa-distance-map-v1";

    /// <summary>The <c>distance-matrix</c> triples of <paramref name="dt"/>'s distance map (whole triples only), an
    /// empty list when the node has no valid matrix, null without a distance map.</summary>
    public static IReadOnlyList<(uint A, uint B, uint Distance)>? Read(BootDeviceTree? dt)
    {
        DeviceTreeNode? map = dt?.Fdt.Root.Descendants().FirstOrDefault(n => n.IsCompatible(Compatible));
        if (map == null)
        {
            return null;
        }
        DeviceTreeProperty? m = map.Property("distance-matrix");
        var triples = new List<(uint, uint, uint)>();
        if (m == null)
        {
            return triples;
        }
        // of_property_count_u32_elems(); "for (i = 0; i + 2 < entry_count; i += 3)"
        int count = m.Length / 4;
        for (int i = 0; i + 2 < count; i += 3)
        {
            triples.Add(((uint)m.ReadNumber(i, 1), (uint)m.ReadNumber(i + 1, 1), (uint)m.ReadNumber(i + 2, 1)));
        }
        return triples;
    }

    /// <summary>
    /// mirrors of_numa_parse_distance_map_v1() over a numa_distance table of <c>table.GetLength(0)</c> nodes; false
    /// (with the kernel's message) when the map is invalid, which makes of_numa_init() fail.
    /// </summary>
    /// <param name="matrix">The triples.</param>
    /// <param name="table">The distance table (entries beyond its size are checked against <paramref name="cnt"/> and dropped).</param>
    /// <param name="cnt">numa_distance_cnt (nr_node_ids when the table was allocated: MAX_NUMNODES).</param>
    /// <param name="log">Where the kernel's messages go.</param>
    public static bool Apply(IReadOnlyList<(uint A, uint B, uint Distance)> matrix, int[,] table, int cnt, BootLog log)
    {
        log.Print("OF: NUMA: parsing numa-distance-map-v1");
        if (matrix.Count == 0)
        {
            log.Print("OF: NUMA: Invalid distance-matrix");
            return false;
        }
        foreach ((uint a, uint b, uint d) in matrix)
        {
            if ((a == b && d != NumaTopology.LocalDistance) || (a != b && d <= NumaTopology.LocalDistance))
            {
                log.Print($"OF: NUMA: Invalid distance[node{(int)a} -> node{(int)b}] = {(int)d}");
                return false;
            }
            SetDistance(table, cnt, a, b, d, log);
            if (b > a)
            {
                SetDistance(table, cnt, b, a, d, log); // "Set default distance of node B->A same as A->B"
            }
        }
        return true;
    }

    // mirrors numa_set_distance() (drivers/base/arch_numa.c): out-of-range ids and distances that do not fit a u8
    // are warned about (once) and ignored
    private static void SetDistance(int[,] table, int cnt, uint from, uint to, uint distance, BootLog log)
    {
        if (from >= (uint)cnt || to >= (uint)cnt)
        {
            log.Print($"NUMA: Warning: node ids are out of bound, from={(int)from} to={(int)to} distance={(int)distance}");
            return;
        }
        if ((byte)distance != distance || (from == to && distance != NumaTopology.LocalDistance))
        {
            log.Print($"NUMA: Warning: invalid distance parameter, from={(int)from} to={(int)to} distance={(int)distance}");
            return;
        }
        if (from < (uint)table.GetLength(0) && to < (uint)table.GetLength(0))
        {
            table[from, to] = (int)distance;
        }
    }
}
