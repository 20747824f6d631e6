namespace ZoneLab.Contiguous;

/// <summary>What <see cref="CmaAllocator"/> needs from the page allocator (implemented on the engine's Machine).</summary>
public interface IContigRangeAllocator
{
    /// <summary>mirrors alloc_contig_range(start, end, MIGRATE_CMA or MIGRATE_MOVABLE, GFP_KERNEL).</summary>
    ContigResult AllocContigRange(ulong startPfn, ulong endPfn, bool cmaMode);

    /// <summary>mirrors free_contig_range(pfn, nr_pages): the pages go back to the buddy allocator.</summary>
    void FreeContigRange(ulong pfn, ulong count);
}
