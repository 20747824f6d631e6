namespace ZoneLab.Allocator;

/// <summary>Why an allocation failed.</summary>
public enum AllocFailure : byte
{
    /// <summary>It did not fail.</summary>
    None = 0,

    /// <summary>Every eligible zone was below its watermark (plus lowmem_reserve) and the caller could not reclaim.</summary>
    Watermark,

    /// <summary>Watermarks allowed it but no free block of the order existed in a usable list (fragmentation).</summary>
    Fragmented,

    /// <summary>Reclaim and compaction made no progress and the OOM killer could not help (or is not allowed).</summary>
    OutOfMemory,

    /// <summary>No populated zone is eligible for the GFP mask on this node set.</summary>
    NoZone,

    /// <summary>Invalid request (order above MAX_ORDER, bad GFP zone combination).</summary>
    Invalid,
}

/// <summary>The outcome of <see cref="Machine.Allocate"/>: the first pfn of the block, or a failure reason.</summary>
public readonly record struct AllocResult(ulong Pfn, int ZoneIndex, AllocFailure Failure)
{
    /// <summary>True when a block was allocated.</summary>
    public bool Success => Failure == AllocFailure.None;

    /// <summary>A failed result.</summary>
    public static AllocResult Fail(AllocFailure why) => new(0, -1, why);

    public override string ToString() => Success ? $"pfn {Pfn:#,0} (zone {ZoneIndex})" : $"failed: {Failure}";
}

/// <summary>What an allocated block is used for; decides LRU membership (reclaim) and movability.</summary>
public enum PageUse : byte
{
    /// <summary>Derived from the GFP mask: movable requests are anonymous memory, reclaimable ones reclaimable slab,
    /// the rest kernel memory.</summary>
    Auto = 0,

    /// <summary>Kernel memory (slab, page tables, drivers): not on an LRU, not reclaimable by the model.</summary>
    Kernel = 1,

    /// <summary>Anonymous memory: on the anon LRU, reclaimable only with swap.</summary>
    Anon = 2,

    /// <summary>Clean page cache: on the file LRU, dropped by reclaim.</summary>
    File = 3,

    /// <summary>Dirty page cache: on the file LRU, written back before it can be dropped.</summary>
    FileDirty = 4,

    /// <summary>Reclaimable slab (dentries, inodes): freed by the model's shrinker, oldest first.</summary>
    SlabReclaimable = 5,

    /// <summary>
    /// Shared memory (tmpfs, SysV shm, memfd): page cache that is swap-backed, so it lives on the anon LRU and is
    /// reclaimed only to swap (shmem folios are <c>folio_test_swapbacked</c>); counted in Cached and Shmem.
    /// </summary>
    Shmem = 6,
}
