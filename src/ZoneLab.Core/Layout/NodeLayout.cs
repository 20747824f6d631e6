namespace ZoneLab.Layout;

/// <summary>One NUMA node: its memblock ranges, its span and its zones in index order.</summary>
public sealed class NodeLayout
{
    public NodeLayout(int nid, ulong startPfn, ulong endPfn, IReadOnlyList<PfnRange> memoryRanges, IReadOnlyList<ZoneLayout> zones)
    {
        Nid = nid;
        StartPfn = startPfn;
        EndPfn = endPfn;
        MemoryRanges = memoryRanges;
        Zones = zones;
    }

    /// <summary>Node id.</summary>
    public int Nid { get; }

    /// <summary><c>node_start_pfn</c>.</summary>
    public ulong StartPfn { get; }

    /// <summary>End of the node span (exclusive), from get_pfn_range_for_nid().</summary>
    public ulong EndPfn { get; }

    /// <summary>The node's memblock.memory ranges ("Early memory node ranges").</summary>
    public IReadOnlyList<PfnRange> MemoryRanges { get; }

    /// <summary>All zones the kernel lists for the node, empty ones included, in zone index order.</summary>
    public IReadOnlyList<ZoneLayout> Zones { get; }

    /// <summary>The zone of a given type, or null when the architecture has none.</summary>
    public ZoneLayout? Zone(ZoneType type)
    {
        foreach (ZoneLayout z in Zones)
        {
            if (z.Type == type)
            {
                return z;
            }
        }
        return null;
    }

    /// <summary>Present pages of the node (memory in its ranges).</summary>
    public ulong PresentPages => PfnRange.TotalPages(MemoryRanges);
}
