using ZoneLab.Allocator;

namespace ZoneLab.Compaction;

// The free-list-driven shortcuts of the two scanners (mm/compaction.c, 6.1): fast_find_migrateblock picks a migration
// source among the pageblocks that already hold a free page of order PAGE_ALLOC_COSTLY_ORDER..order-1, and
// fast_isolate_freepages takes a migration target straight off a MOVABLE free list near the free scanner. Both count
// every free-list entry they look at in the scanned counters, and both are shortened by cc->fast_search_fail.
//
// 6.1.y as Debian ships it carries the revert of "mm/compaction: fix set skip in fast_find_migrateblock" (upstream
// 7efc3b726103, reverted for 6.1.y and 6.2): fast_find_migrateblock sets the found block's skip bit, so
// isolate_migratepages_block gives that block up at its first pfn (it checks the skip bit at an aligned pfn) and the
// migrate scanner moves on to the block's end. That is modelled as the kernel does it, not as v6.5 fixed it.
public sealed partial class Compactor
{
    private const int FastStartUnset = int.MinValue; // cc->fast_start_pfn == 0
    private const int FastStartUsed = int.MaxValue;  // cc->fast_start_pfn == ULONG_MAX
    private int _fastSearchFail;
    private int _searchOrder;
    private int _fastStartPfn = FastStartUnset;
    private int[] _initFree = null!;

    // mirrors freelist_scan_limit
    private int FreelistScanLimit() => (CompactClusterMax >> Math.Min(63, _fastSearchFail)) + 1;

    // mirrors update_fast_start_pfn
    private void UpdateFastStartPfn(int pfn)
    {
        if (_fastStartPfn == FastStartUsed)
        {
            return;
        }

        _fastStartPfn = _fastStartPfn == FastStartUnset ? pfn : Math.Min(_fastStartPfn, pfn);
    }

    // mirrors reinit_migrate_pfn: after a failed fast search the linear scan restarts at the lowest pfn a fast search
    // of this run found (once per run)
    private int ReinitMigratePfn()
    {
        if (_fastStartPfn is FastStartUnset or FastStartUsed)
        {
            return _migratePfn;
        }

        _migratePfn = _fastStartPfn;
        _fastStartPfn = FastStartUsed;
        return _migratePfn;
    }

    // mirrors fast_find_migrateblock (6.1.y): for costly orders, the MOVABLE free lists of order-1 down to
    // PAGE_ALLOC_COSTLY_ORDER are walked from the head for a free page below high_pfn (the first half of the scan
    // space when the scanner starts at the zone start, else its first eighth) whose pageblock is not marked skip; the
    // entry is rotated to the list's tail, the block is marked skip, and its start is returned.
    private int FastFindMigrateblock()
    {
        int pfn = _migratePfn;
        if (_ignoreSkipHint)
        {
            return pfn;
        }

        // a continuation of a block restarted after COMPACT_CLUSTER_MAX pages
        if (pfn != _zoneStart && pfn != PbStart(pfn))
        {
            return pfn;
        }

        if (_order <= Pageblock.CostlyOrder)
        {
            return pfn;
        }

        if (_direct && _migratetype != MigrateType.Movable)
        {
            return pfn;
        }

        int distance = (_freePfn - _migratePfn) >> 1;
        if (_migratePfn != _zoneStart)
        {
            distance >>= 2;
        }

        int highPfn = PbStart(_migratePfn + distance);
        int limit = FreelistScanLimit();
        int nrScanned = 0;
        bool found = false;
        int zi = _zone.Index;
        for (int order = _order - 1; order >= Pageblock.CostlyOrder && !found && nrScanned < limit; order--)
        {
            if (_m.AreaNrFree(zi, order) == 0)
            {
                continue;
            }

            for (int f = _m.FreeListHeadIndex(zi, order, MigrateType.Movable); f != Machine.Nil; f = _m.FreeListNext(f))
            {
                if (nrScanned++ >= limit)
                {
                    _m.RotateFreeListToTail(zi, order, MigrateType.Movable, f);
                    break;
                }

                if (f < highPfn)
                {
                    // avoid a block skipped recently
                    if (_skip[f >> Pageblock.Order])
                    {
                        continue;
                    }

                    _m.RotateFreeListToTail(zi, order, MigrateType.Movable, f);
                    UpdateFastStartPfn(f);
                    pfn = PbStart(f);
                    _fastSearchFail = 0;
                    found = true;
                    _skip[f >> Pageblock.Order] = true;
                    break;
                }
            }
        }

        _totalMigrateScanned += nrScanned;
        if (!found)
        {
            _fastSearchFail++;
            pfn = ReinitMigratePfn();
        }

        return pfn;
    }

    // mirrors next_search_order: orders are searched round robin from the last successful one
    private int NextSearchOrder(int order)
    {
        order--;
        if (order < 0)
        {
            order = _order - 1;
        }

        if (order == _searchOrder)
        {
            _searchOrder--;
            if (_searchOrder < 0)
            {
                _searchOrder = _order - 1;
            }

            return -1;
        }

        return order;
    }

    // mirrors fast_isolate_freepages (6.1): the MOVABLE free lists from cc->search_order round robin, each walked from
    // its tail, for a free page in the top quarter of the scan space (else the highest in its top half); the page is
    // isolated whole and fast_isolate_around takes free pages from its pageblock. A deeper search (pageblock_nr_pages / 2
    // entries) when the free scanner starts at the zone's initial free pfn, which also moves cc->free_pfn to the
    // highest block seen when nothing was found.
    private void FastIsolateFreepages(int nrMigratepages)
    {
        if (_order <= 0)
        {
            return;
        }

        int zi = _zone.Index;
        int limit = Math.Max(1, FreelistScanLimit() >> 1);
        bool scanStart = false;
        if (_freePfn >= _initFree[zi])
        {
            limit = NrPb >> 1;
            scanStart = true;
        }

        int distance = _freePfn - _migratePfn;
        int lowPfn = PbStart(_freePfn - (distance >> 2));
        int minPfn = PbStart(_freePfn - (distance >> 1));
        if (minPfn > lowPfn)
        {
            lowPfn = minPfn;
        }

        const int None = -1; // the kernel's 0 ("no pfn"); no zone's pageblock starts at index -1
        int highest = None;
        int page = Machine.Nil;
        long nrScanned = 0;
        _searchOrder = Math.Min(_order - 1, _searchOrder);
        for (int order = _searchOrder; page == Machine.Nil && order >= 0; order = NextSearchOrder(order))
        {
            if (_m.AreaNrFree(zi, order) == 0)
            {
                continue;
            }

            int orderScanned = 0;
            int highPfn = None;
            int freepage = Machine.Nil;
            for (int f = _m.FreeListTailIndex(zi, order, MigrateType.Movable); f != Machine.Nil; f = _m.FreeListPrev(f))
            {
                orderScanned++;
                nrScanned++;
                if (f >= highest)
                {
                    highest = Math.Max(PbStart(f), _zoneStart);
                }

                if (f >= lowPfn)
                {
                    _fastSearchFail = 0;
                    _searchOrder = order;
                    page = freepage = f;
                    break;
                }

                if (f >= minPfn && f > highPfn)
                {
                    highPfn = f;
                    limit >>= 1; // shorten the scan once a candidate is found
                }

                if (orderScanned >= limit)
                {
                    freepage = f;
                    break;
                }
            }

            if (page == Machine.Nil && highPfn != None)
            {
                page = freepage = highPfn;
            }

            // a walk that ran off the list's end leaves it as it was (list_cut_before at the head itself)
            if (freepage != Machine.Nil)
            {
                _m.RotateFreeListToHead(zi, order, MigrateType.Movable, freepage);
            }

            if (page != Machine.Nil)
            {
                if (IsolateFreePage(page))
                {
                    // the isolated page counts every pfn it covers, as in isolate_freepages_block
                    nrScanned += (1L << order) - 1;
                }
                else
                {
                    order = _searchOrder + 1; // abort the search
                    page = Machine.Nil;
                }
            }

            if (orderScanned >= limit)
            {
                limit = Math.Max(1, limit >> 1);
            }
        }

        if (page == Machine.Nil)
        {
            _fastSearchFail++;
            if (scanStart)
            {
                // the highest pfn seen if it is above min_pfn (v5.19 "make sure highest is above the min_pfn"); if
                // none, direct compaction pessimistically starts at the min mark
                if (highest != None && highest >= minPfn)
                {
                    page = highest;
                    _freePfn = highest;
                }
                else if (_direct && minPfn >= 0)
                {
                    int end = Math.Min(PbEnd(minPfn), _zoneEnd);
                    if (PageblockInZone(minPfn, end))
                    {
                        page = minPfn;
                    }

                    _freePfn = minPfn;
                }
            }
        }

        if (highest != None && highest >= _cachedFree[zi])
        {
            _cachedFree[zi] = highest - NrPb;
        }

        _totalFreeScanned += nrScanned;
        if (page != Machine.Nil)
        {
            FastIsolateAround(page, nrMigratepages);
        }
    }

    // mirrors __isolate_free_page for a compaction target: refused when the zone would fall under its min
    // watermark plus the page's size (order-0 check, ALLOC_CMA)
    private bool IsolateFreePage(int p)
    {
        int o = _m.OrderAt(p);
        if (!_m.ZoneWatermarkOk(_zone, 0, _zone.Watermarks.RawMark(WatermarkIndex.Min) + (1UL << o), 0, AllocFlags.Cma))
        {
            return false;
        }

        _m.IsolateFree(p);
        _freeTargets.Add((p, o));
        _nrFreepages += 1 << o;
        _isolated += 1 << o;
        return true;
    }

    // mirrors fast_isolate_around (6.1, with "mm, compaction: fix fast_isolate_around() to stay within boundaries"):
    // not for async direct compaction; the found page's pageblock is scanned from its start one pfn at a time until
    // the batch has its targets, and a block that could not give enough is marked skip
    private void FastIsolateAround(int pfn, int nrMigratepages)
    {
        if (_nrFreepages >= nrMigratepages)
        {
            return;
        }

        if (_direct && !_sync)
        {
            return;
        }

        int start = Math.Max(PbStart(pfn), _zoneStart);
        int end = Math.Min(PbEnd(pfn), _zoneEnd);
        if (!PageblockInZone(start, end))
        {
            return;
        }

        IsolateFreepagesBlock(ref start, end, 1, nrMigratepages);
        if (_nrFreepages < nrMigratepages)
        {
            _skip[PbStart(pfn) >> Pageblock.Order] = true;
        }
    }
}
