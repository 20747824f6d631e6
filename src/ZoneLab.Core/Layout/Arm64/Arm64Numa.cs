using ZoneLab.Layout.DeviceTree;
using ZoneLab.Layout.Memblock;
using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Layout.Arm64;

/// <summary>
/// drivers/base/arch_numa.c (6.1) as arm64 runs it from bootmem_init(): numa_init(of_numa_init) with the
/// device tree's <c>numa-node-id</c> properties, else numa_init(dummy_numa_init) ("Faking a node"); the distance
/// table and each node's NODE_DATA allocated on the memblock model, with the kernel's messages.
/// </summary>
internal static class Arm64Numa
{
    // mirrors arch_numa_init() → numa_init(of_numa_init) or numa_init(dummy_numa_init); returns the online nodes
    internal static List<int> ArchNumaInit(Arm64Machine machine, KernelCommandLine cl, MemblockAllocator mb, KernelConfig config, ulong maxPfn, BootLog log,
        out NumaTopology topology)
    {
        topology = NumaTopology.Uniform(1);
        if (!cl.NumaOff && config.MaxNumNodes > 1)
        {
            ulong dist = NumaAllocDistance(mb, config, maxPfn);
            var parsed = new SortedSet<int>(machine.CpuNodeIds.Where(n => n < config.MaxNumNodes));
            bool bad = false;
            foreach (DtMemoryRange r in machine.Memory)
            {
                if (r.Nid is not int nid)
                {
                    continue;
                }
                if (nid >= config.MaxNumNodes)
                {
                    log.Print($"NUMA: Node id {nid} exceeds maximum value");
                    bad = true;
                    break;
                }
                mb.Memory.SetNode(r.Base, r.Size, nid);
                parsed.Add(nid);
            }
            if (bad)
            {
                log.Print("NUMA: bad property in memory node");
            }
            else if (!ParseDistanceMap(machine, config, parsed, out topology, log))
            {
                // of_numa_init() failed: numa_init() frees the distance table and falls back to dummy_numa_init()
            }
            else if (parsed.Count == 0)
            {
                log.Print("NUMA: No NUMA configuration found");
            }
            else
            {
                // numa_register_nodes(): every memory region must have a valid node
                MemblockRange? invalid = mb.Memory.Regions.Cast<MemblockRange?>().FirstOrDefault(r => r!.Value.Nid < 0 || r.Value.Nid >= config.MaxNumNodes);
                if (invalid is MemblockRange iv)
                {
                    log.Print($"NUMA: Warning: invalid memblk node {config.MaxNumNodes} [mem 0x{iv.Base:x8}-0x{iv.End - 1:x8}]");
                }
                else
                {
                    return parsed.ToList();
                }
            }
            // numa_free_distance()
            mb.PhysFree(dist, (ulong)config.MaxNumNodes * (ulong)config.MaxNumNodes);
            foreach (MemblockRange r in mb.Memory.Regions.ToList())
            {
                mb.Memory.SetNode(r.Base, r.Size, mb.MaxNumNodes);
            }
        }

        // dummy_numa_init()
        NumaAllocDistance(mb, config, maxPfn);
        if (cl.NumaOff)
        {
            log.Print("NUMA: NUMA disabled");
        }
        log.Print($"NUMA: Faking a node at [mem {Hex18(mb.StartOfDram)}-{Hex18(mb.EndOfDram - 1)}]");
        mb.Memory.SetNode(mb.StartOfDram, mb.EndOfDram - mb.StartOfDram, 0);
        return new List<int> { 0 };
    }

    // of_numa_parse_distance_map(): the default table (LOCAL on the diagonal, REMOTE elsewhere) with the device tree's
    // distance-matrix applied; false when the map is invalid. CPU masks are empty when the zonelists are built.
    private static bool ParseDistanceMap(Arm64Machine machine, KernelConfig config, SortedSet<int> parsed, out NumaTopology topology, BootLog log)
    {
        int n = Math.Min(config.MaxNumNodes, 64);
        topology = NumaTopology.Uniform(n);
        if (machine.DistanceMap is not { } matrix)
        {
            return true;
        }
        var table = new int[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                table[i, j] = topology.Distance(i, j);
            }
        }
        if (!OfNumaDistanceMap.Apply(matrix, table, config.MaxNumNodes, log))
        {
            topology = NumaTopology.Uniform(1);
            return false;
        }
        foreach ((uint a, _, _) in matrix)
        {
            if (a < (uint)config.MaxNumNodes)
            {
                parsed.Add((int)a); // node_set(nodea, numa_nodes_parsed)
            }
        }
        topology = new NumaTopology(table, new bool[n], "distance-map");
        return true;
    }

    // mirrors numa_alloc_distance(): nr_node_ids² bytes, page aligned, below max_pfn
    private static ulong NumaAllocDistance(MemblockAllocator mb, KernelConfig config, ulong maxPfn)
    {
        ulong size = (ulong)config.MaxNumNodes * (ulong)config.MaxNumNodes;
        return mb.PhysAllocRange(size, Page.Size, 0, maxPfn << Page.Shift);
    }

    // mirrors setup_node_data(): NODE_DATA on its node, top-down
    internal static ulong SetupNodeData(MemblockAllocator mb, int nid, KernelConfig config, BootLog log)
    {
        ulong size = config.NodeDataSize;
        ulong pa = mb.PhysAllocTryNid(size, MemblockAllocator.SmpCacheBytes, nid);
        log.Print($"NUMA: NODE_DATA [mem 0x{pa:x8}-0x{pa + size - 1:x8}]");
        int tnid = mb.Memory.Regions.FirstOrDefault(r => r.Base <= pa && pa < r.End).Nid;
        if (tnid != nid)
        {
            log.Print($"NUMA: NODE_DATA({nid}) on node {tnid}");
        }
        return pa;
    }

    private static string Hex18(ulong v) => "0x" + v.ToString("x16");
}
