namespace ZoneLab.Allocator;

/// <summary>
/// The reference state of an LRU block head, the inputs of 6.1 mm/vmscan.c <c>folio_check_references</c>, one byte per
/// pfn (<c>_refs</c>): whether a page table maps the folio with its accessed bit set (what <c>folio_referenced</c>
/// finds and clears), <c>PG_referenced</c>, and <c>PG_reclaim</c> on a swap-cache folio that <c>pageout</c> wrote.
/// </summary>
public sealed unsafe partial class Machine
{
    // a new LRU folio (PrepNewPage): anonymous memory is mapped by the fault that allocated it, with a young PTE
    // ("All mapped folios start out with page table references from the instantiating fault", folio_check_references);
    // page cache written with write() and reclaimable slab are not mapped and have no PG_referenced (6.1's
    // grab_cache_page_write_begin passes no FGP_ACCESSED)
    private static byte NewRefs(PageUse use) => use == PageUse.Anon ? RefYoung : (byte)0;

    internal partial byte RefsAt(int i) => _refs[i];

    internal partial void SetRefs(int i, byte refs) => _refs[i] = refs;

    /// <summary>
    /// Sets the reference state of the allocated LRU block at <paramref name="pfn"/>: <paramref name="young"/> for a
    /// page-table reference, <paramref name="referenced"/> for <c>PG_referenced</c> (a tmpfs page written with write()
    /// has <c>PG_referenced</c> and no mapping: shmem_get_folio_gfp's <c>SGP_WRITE</c>).
    /// </summary>
    public void SetReferences(ulong pfn, bool young, bool referenced)
    {
        int i = CheckedIndex(pfn);
        _refs[i] = (byte)((young ? RefYoung : 0) | (referenced ? RefReferenced : 0));
    }

    /// <summary>Whether the block at <paramref name="pfn"/> has a young PTE and <c>PG_referenced</c>.</summary>
    public (bool Young, bool Referenced) ReferencesOf(ulong pfn)
    {
        byte r = _refs[CheckedIndex(pfn)];
        return ((r & RefYoung) != 0, (r & RefReferenced) != 0);
    }
}
