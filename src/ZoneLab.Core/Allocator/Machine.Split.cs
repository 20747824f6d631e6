namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    /// <summary>
    /// Splits an allocated block of order &gt; 0 in place into order-0 pages with the head's use, migratetype and LRU
    /// list (mirrors split_huge_page → __split_huge_page: the tail pages become ordinary pages at the same pfns,
    /// each on the head's LRU list with its age). Nothing is freed: the caller frees the pages the split left
    /// unmapped, as deferred_split_scan's split does for a THP that MADV_DONTNEED partly zapped.
    /// </summary>
    public void SplitAllocated(ulong pfn, int order)
    {
        int i = (int)(pfn - _base);
        if (pfn < _base || pfn - _base >= (ulong)_length || order <= 0 || (uint)order > Pageblock.MaxOrder || _flags[i] != PageState.Flags(KindAlloc, order))
        {
            throw new InvalidOperationException($"pfn {pfn} is not an allocated block of order {order}");
        }

        byte info = _info[i];
        bool onLru = (info & PageState.OnLru) != 0;
        bool active = (info & PageState.Active) != 0;
        int stamp = LruAges?.StampOf(i) ?? 0;
        if (onLru)
        {
            LruDel(i);
        }

        int node = _zones[_zoneOf[i]].Node;
        PageUse use = PageState.UseOf(info);
        for (int j = i; j < i + (1 << order); j++)
        {
            _flags[j] = PageState.Flags(KindAlloc, 0);
            _info[j] = PageState.WithoutLru(info);
            if (onLru)
            {
                LruAges?.SetStamp(j, stamp);
                LruAdd(j, node, LruFor(use, active));
            }
        }

        CheckIfDebug();
    }
}
