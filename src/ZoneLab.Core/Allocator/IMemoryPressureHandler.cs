namespace ZoneLab.Allocator;

/// <summary>Hooks the allocator calls into reclaim and compaction (implemented in ZoneLab.Reclaim / ZoneLab.Compaction).</summary>
public interface IMemoryPressureHandler
{
    /// <summary>kswapd was woken for a node (<c>wakeup_kswapd</c>); the model may run <c>balance_pgdat</c> now or later.</summary>
    void WakeKswapd(Machine machine, int node, int order, int highestZoneIdx);

    /// <summary>Direct reclaim (<c>__alloc_pages_direct_reclaim</c>): returns pages reclaimed.</summary>
    long DirectReclaim(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx);

    /// <summary>
    /// Direct compaction at a priority (<c>try_to_compact_pages</c>, called by <c>__alloc_pages_direct_compact</c>):
    /// returns the compaction result (COMPACT_SUCCESS when a zone ended with a suitable free block). The caller counts
    /// the stall and its outcome.
    /// </summary>
    DirectCompactResult DirectCompact(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx, MigrateType mt, CompactPriority prio);

    /// <summary>The OOM killer (<c>out_of_memory</c>): returns true when a victim's memory was freed.</summary>
    bool OutOfMemory(Machine machine, int node, int order, GfpFlags gfp);
}
