namespace ZoneLab.Contiguous;

/// <summary>What <see cref="CmaAllocator"/> needs from the page allocator (implemented on the engine's Machine).</summary>
public interface IContigRangeAllocator
{
    /// <summary>mirrors alloc_contig_range(start, end, MIGRATE_CMA or MIGRATE_MOVABLE, GFP_KERNEL).</summary>
    ContigResult AllocContigRange(ulong startPfn, ulong endPfn, bool cmaMode);

    /// <summary>mirrors free_contig_range(pfn, nr_pages): the pages go back to the buddy allocator.</summary>
    void FreeContigRange(ulong pfn, ulong count);

    /// <summary>
    /// Opens cma_alloc()'s series of attempts on successive windows: until <see cref="EndAttempts"/>, only
    /// <see cref="AllocContigRange"/> is called, so an implementation may carry state from one attempt to the next
    /// (the engine keeps pageblocks both attempts isolate isolated). Nothing to do for the others.
    /// </summary>
    void BeginAttempts()
    {
    }

    /// <summary>Closes the attempts <see cref="BeginAttempts"/> opened: the machine is left as the attempts, made one by one, leave it.</summary>
    void EndAttempts()
    {
    }
}
