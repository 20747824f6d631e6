using ZoneLab.Allocator;

namespace ZoneLab.Compaction;

// The free scanner of compact_zone (6.1 compaction_alloc, isolate_freepages and isolate_freepages_block); the
// run's state and its loop are in Compactor.Scanners.cs.
public sealed partial class Compactor
{
    // mirrors compaction_alloc: the next target from the isolated free pages, running the free scanner when none
    // is left. split_map_pages (6.1) walks the isolated pages in isolation order and list_add()s every order-0 page
    // of each to the head of a new list, which it then splices in: cc->freepages runs from the last page of the last
    // isolated page down to the first page of the first, and compaction_alloc takes list_entry(cc->freepages.next),
    // so the targets are handed out in descending pfn order. _freeTargets is that list's head at its end: the last
    // isolated free page is split here, its lower halves stay on the list and its last page is handed out.
    private int CompactionAlloc(int nrMigratepages)
    {
        if (_freeTargets.Count == 0)
        {
            IsolateFreepages(nrMigratepages);
            if (_freeTargets.Count == 0)
            {
                return Machine.Nil;
            }
        }

        int k = _freeTargets.Count - 1;
        (int i, int o) = _freeTargets[k];
        _freeTargets.RemoveAt(k);
        while (o > 0)
        {
            o--;
            _freeTargets.Add((i, o));
            i += 1 << o;
        }

        _nrFreepages--;
        return i;
    }

    // mirrors isolate_freepages: pageblocks downward from the free scanner's pfn to the migrate scanner's block,
    // each suitable_migration_target block not marked skip scanned by isolate_freepages_block until enough pages
    // for the batch are isolated (async compaction probes every stride-th pfn, 1..COMPACT_CLUSTER_MAX). A small
    // search of the free lists comes first (fast_isolate_freepages, Compactor.FastSearch.cs); when it isolated
    // anything the linear scan does not run.
    private void IsolateFreepages(int nrMigratepages)
    {
        FastIsolateFreepages(nrMigratepages);
        if (_nrFreepages != 0)
        {
            return;
        }

        int zi = _zone.Index;
        int isolateStart = _freePfn;
        int blockStart = PbStart(isolateStart);
        int blockEnd = Math.Min(blockStart + NrPb, _zoneEnd);
        int lowPfn = PbEnd(_migratePfn);
        int stride = _sync ? 1 : CompactClusterMax;
        for (; blockStart >= lowPfn; blockEnd = blockStart, blockStart -= NrPb, isolateStart = blockStart)
        {
            int first = Math.Max(blockStart, _zoneStart);
            if (!PageblockInZone(first, blockEnd) || !SuitableMigrationTarget(first) || (!_ignoreSkipHint && _skip[blockStart >> Pageblock.Order]))
            {
                continue;
            }

            isolateStart = Math.Max(isolateStart, _zoneStart);
            int nrIsolated = IsolateFreepagesBlock(ref isolateStart, blockEnd, stride, nrMigratepages);

            // update_pageblock_skip: a fully scanned block is skipped next time, and the cached free pfn follows
            if (isolateStart == blockEnd)
            {
                _skip[blockStart >> Pageblock.Order] = true;
                if (blockStart < _cachedFree[zi])
                {
                    _cachedFree[zi] = blockStart;
                }
            }

            if (_nrFreepages >= nrMigratepages)
            {
                if (isolateStart >= blockEnd)
                {
                    isolateStart = blockStart - NrPb; // restart at the previous pageblock
                }

                break;
            }

            if (isolateStart < blockEnd)
            {
                break; // isolation failed early
            }

            stride = nrIsolated != 0 ? 1 : Math.Min(CompactClusterMax, stride << 1);
        }

        _freePfn = isolateStart;
    }

    // mirrors suitable_migration_target: not a block that starts with a free page of pageblock order or more, and
    // only MOVABLE or CMA pageblocks
    private bool SuitableMigrationTarget(int first)
    {
        if (_m.KindAt(first) == Machine.KindFree && _m.OrderAt(first) >= Pageblock.Order)
        {
            return false;
        }

        return MigrateTypes.IsMovable(_m.PageblockTypeAt(first));
    }

    // mirrors isolate_freepages_block (6.1, not strict): every probed pfn counts once, a free page is isolated whole
    // and counts every pfn it covers ("nr_scanned += isolated - 1"), a compound page is stepped over and counts once;
    // stops once the batch has its targets.
    // __isolate_free_page refuses when the zone would fall under min + the page's size (order-0, ALLOC_CMA).
    private int IsolateFreepagesBlock(ref int start, int end, int stride, int nrMigratepages)
    {
        long nrScanned = 0;
        int total = 0;
        int p = start;
        for (; p < end; p += stride)
        {
            nrScanned++;
            int kind = _m.KindAt(p);
            if (kind == Machine.KindAlloc && _m.OrderAt(p) > 0)
            {
                int co = _m.OrderAt(p);
                p += (1 << co) - 1;
                continue;
            }

            if (kind != Machine.KindFree)
            {
                continue;
            }

            int o = _m.OrderAt(p);
            if (!_m.ZoneWatermarkOk(_zone, 0, _zone.Watermarks.RawMark(WatermarkIndex.Min) + (1UL << o), 0, AllocFlags.Cma))
            {
                break;
            }

            _m.IsolateFree(p);
            _freeTargets.Add((p, o));
            _nrFreepages += 1 << o;
            total += 1 << o;
            nrScanned += (1 << o) - 1;
            if (nrMigratepages <= _nrFreepages)
            {
                p += 1 << o;
                break;
            }

            p += (1 << o) - 1;
        }

        if (p > end)
        {
            p = end;
        }

        start = p;
        _totalFreeScanned += nrScanned;
        _isolated += total;
        return total;
    }
}
