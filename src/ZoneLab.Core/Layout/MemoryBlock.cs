namespace ZoneLab.Layout;

/// <summary>
/// A memory block device (<c>/sys/devices/system/memory/memoryN</c>) as it is at boot: the nodes whose pages it
/// holds and its <c>valid_zones</c> (the zone name, or <c>none</c> when its pages belong to more than one zone or node).
/// </summary>
public sealed record MemoryBlock(ulong Index, int Node, IReadOnlyList<int> Nodes, string ValidZones, ZoneType? Zone)
{
    /// <summary>First pfn of the block.</summary>
    public ulong StartPfn(ulong pagesPerBlock) => Index * pagesPerBlock;
}
