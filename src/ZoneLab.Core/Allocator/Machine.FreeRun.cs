using System.Numerics;

namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    // The order-0 pages FreeIfAllocatedDeferred has freed and not yet given back to the buddy lists: map indices
    // [_freeRunStart, _freeRunEnd), consecutive, all of one zone; empty when the two are equal.
    private int _freeRunStart;
    private int _freeRunEnd;

    // FreeIfAllocated(pfn, 0, use) whose __free_one_page is deferred to FlushFreeRun while the next page freed is the
    // next pfn: the workload's expiries free their pages in address order (98 % of them the pfn after the previous),
    // and page by page every second free merges with the page freed just before, every fourth again, and so on:
    // each merge unlinks a block the free before it had just linked. FlushFreeRun links only the blocks the page-by-
    // page frees would have left. Everything else __free_pages does per page (the LRU delete, the counters) is done
    // here, in order; none of it reads the free lists.
    internal partial bool FreeIfAllocatedDeferred(ulong pfn, PageUse use)
    {
        int i = CheckedIndex(pfn);
        if (_flags[i] != PageState.Flags(KindAlloc, 0) || PageState.UseOf(_info[i]) != use)
        {
            return false;
        }

        if (PerCpuLists)
        {
            // free_unref_page: the page goes to the per-cpu list, whose own order the batch would not keep
            FlushFreeRun();
            FreeHead(i, 0);
            CheckIfDebug();
            return true;
        }

        byte zid = _zoneOf[i];
        if (i != _freeRunEnd || _freeRunStart == _freeRunEnd || _zoneOf[_freeRunStart] != zid)
        {
            FlushFreeRun();
            _freeRunStart = i;
        }

        ReleaseHead(i, 0);
        _freeRunEnd = i + 1;
        return true;
    }

    // Gives the deferred run back to the buddy lists as the page-by-page __free_one_page calls would have left them.
    // The run is cut into aligned blocks of at most pageblock_order, largest first, in address order; each block's
    // last page, freed page by page, merges all of the block's earlier pages (their buddies inside the block are
    // free by then, in one zone and one pageblock, below the order where __free_one_page compares migratetypes),
    // so freeing the block at its order does what that last page's free did: the same merges from there on with the
    // blocks outside the run, the same head-or-tail choice (buddy_merge_likely reads the same neighbours), and the
    // same list position, since each earlier page's own list_add was undone by the list_del of its merge (a list
    // is the same after adding an entry and deleting it again). Nothing else in __free_one_page below
    // pageblock_order has an effect that outlives the merge (the shuffle's random pick is at order 10).
    internal partial void FlushFreeRun()
    {
        int p = _freeRunStart, end = _freeRunEnd;
        if (p == end)
        {
            return;
        }

        _freeRunStart = _freeRunEnd = 0;
        Zone zone = _zones[_zoneOf[p]];
        while (p < end)
        {
            int k = Math.Min(BitOperations.TrailingZeroCount(p), Pageblock.Order);
            while (p + (1 << k) > end)
            {
                k--;
            }

            FreeOnePage(p, zone, k, GetPageblockMt(p), toTail: false);
            p += 1 << k;
        }

        CheckIfDebug();
    }
}
