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
/// <remarks>
/// Two 8-byte fields rather than a 8 + 4 + 1 byte layout: the struct is returned in two registers, and the JIT
/// assembles a 13-byte struct on the stack with three stores and reads its second half back with one 8-byte load.
/// That load spans two smaller stores, so store-to-load forwarding fails and it waits until every older store has
/// reached the cache, among them the missed stores of the page just prepared: on the order-0 path that stall was a
/// fifth of AllocateOrder0's time (docs/sweeps.md, "Speed").
/// </remarks>
public readonly record struct AllocResult
{
    // ZoneIndex in the low 32 bits, Failure in the next 8
    private readonly long _zoneAndFailure;

    /// <summary>A result.</summary>
    /// <param name="Pfn">The first pfn of the block (0 when it failed).</param>
    /// <param name="ZoneIndex">The index of the block's zone (-1 when it failed).</param>
    /// <param name="Failure">Why it failed, or <see cref="AllocFailure.None"/>.</param>
    public AllocResult(ulong Pfn, int ZoneIndex, AllocFailure Failure)
    {
        this.Pfn = Pfn;
        _zoneAndFailure = (uint)ZoneIndex | ((long)Failure << 32);
    }

    /// <summary>The first pfn of the block (0 when it failed).</summary>
    public ulong Pfn { get; }

    /// <summary>The index of the block's zone (-1 when it failed).</summary>
    public int ZoneIndex => (int)_zoneAndFailure;

    /// <summary>Why it failed, or <see cref="AllocFailure.None"/>.</summary>
    public AllocFailure Failure => (AllocFailure)(byte)(_zoneAndFailure >> 32);

    /// <summary>True when a block was allocated.</summary>
    public bool Success => Failure == AllocFailure.None;

    /// <summary>A failed result.</summary>
    public static AllocResult Fail(AllocFailure why) => new(0, -1, why);

    /// <summary>The three parts, as the positional record this was.</summary>
    public void Deconstruct(out ulong pfn, out int zoneIndex, out AllocFailure failure)
    {
        pfn = Pfn;
        zoneIndex = ZoneIndex;
        failure = Failure;
    }

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
