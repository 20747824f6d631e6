namespace ZoneLab.Allocator;

// The free-page move of pageblock isolation (mm/page_isolation.c, 6.1), for alloc_contig_range's windows: cma_alloc
// slides a window of many pageblocks over a busy area one alignment step at a time, so the same pageblocks are
// isolated and restored again and again (sticky-movable: ~270,000 per 80 s run).
public sealed unsafe partial class Machine
{
    /// <summary>
    /// mirrors move_freepages_block() as set_migratetype_isolate() and unset_migratetype_isolate() call it: every
    /// free block of the zone whose head lies in map indices [<paramref name="start"/>, <paramref name="end"/>)
    /// moves to the tail of <paramref name="mt"/>'s list, in pfn order. A free-kind flags byte is always a block head
    /// (a block's other pages are tails, zero bytes), and move_freepages' walk reaches every head of the range, so
    /// the heads are found by a vectorised search instead of stepping over every allocated page; the count of
    /// movable pages that walk also makes (for steal_suitable_fallback) is not needed here.
    /// </summary>
    private void MoveFreeBlocksForIsolation(Zone zone, int start, int end, MigrateType mt)
    {
        var flags = new ReadOnlySpan<byte>(_flags + start, end - start);
        for (int p = 0; p < flags.Length;)
        {
            int k = flags[p..].IndexOfAnyInRange(PageState.Flags(KindFree, 0), PageState.Flags(KindFree, PageState.MaxOrderBits));
            if (k < 0)
            {
                break;
            }
            p += k;
            int i = start + p;
            int order = PageState.OrderOf(_flags[i]);
            if (_zoneOf[i] == zone.Index)
            {
                MoveToFreeList(i, zone, order, mt);
            }
            p += 1 << order;
        }
    }
}
