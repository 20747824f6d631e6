using ZoneLab.Allocator;

namespace ZoneLab.Compaction;

// The two scanners of compact_zone as 6.1 runs them (mm/compaction.c): the migrate scanner isolates up to
// COMPACT_CLUSTER_MAX LRU pages at a time (the rest of the pageblock on a rescan), the free scanner isolates just
// enough free pages in MOVABLE/CMA pageblocks for that batch, migrate_pages moves the batch, and compact_finished
// is asked again. Both scanners count one per pfn they stop at: a free buddy or a compound page is stepped over whole
// and counts once (6.1; v6.5 counts such pages by their size), and both set the pageblock skip bits that later runs
// honour until __reset_isolation_suitable clears them.
public sealed partial class Compactor
{
    private const int CompactClusterMax = 32;
    private readonly int[] _cachedMigrateSync;
    private readonly bool[] _blockskipFlush;
    private readonly bool[] _skip;
    private readonly List<(int Index, int Order)> _freeTargets = [];
    private readonly List<int> _migratePages = [];

    // compact_control of the run in progress
    private Zone _zone = null!;
    private int _zoneStart;
    private int _zoneEnd;
    private int _order;
    private MigrateType _migratetype;
    private bool _sync;
    private bool _direct;
    private bool _ignoreSkipHint;
    private bool _rescan;
    private int _migratePfn;
    private int _freePfn;
    private int _nrFreepages;
    private long _totalMigrateScanned;
    private long _totalFreeScanned;
    private long _isolated;

    private static int NrPb => (int)Pageblock.NrPages;

    private static int PbStart(int i) => i & ~(NrPb - 1);

    // pageblock_end_pfn: ALIGN(pfn + 1, pageblock_nr_pages)
    private static int PbEnd(int i) => (i | (NrPb - 1)) + 1;

    /// <summary>
    /// Clears the node's pageblock skip bits if a direct compaction's scanners met since the last clear
    /// (mirrors <c>reset_isolation_suitable</c>, called by kswapd before it sleeps, <c>kswapd_try_to_sleep</c>).
    /// </summary>
    public void ResetIsolationSuitable(int node)
    {
        foreach (Zone z in _m.Zones)
        {
            if (z.Node == node && z.IsPopulated && _blockskipFlush[z.Index])
            {
                ResetIsolationSuitableZone(z);
            }
        }
    }

    private CompactResult CompactZoneCore(Zone z, int order, int highestZoneIdx, MigrateType mt, bool sync, bool daemon, bool proactive, bool wholeZone)
    {
        if (!proactive && !wholeZone)
        {
            CompactResult suitable = Suitable(z, order, highestZoneIdx);
            if (suitable != CompactResult.Continue)
            {
                return suitable;
            }
        }

        int zi = z.Index;
        _m.MaterializeZone(zi); // the scanners walk pfns: link the zone's deferred boot blocks first
        (_zoneStart, _zoneEnd) = _m.ZoneIndexRange(z);
        _zone = z;
        _order = order;
        _migratetype = mt;
        _sync = sync;
        _direct = !daemon && !proactive && !wholeZone;
        _ignoreSkipHint = proactive || wholeZone; // compact_node and proactive_compact_node set ignore_skip_hint
        _totalMigrateScanned = _totalFreeScanned = _isolated = 0;
        _nrFreepages = 0;
        long moved = 0, failed = 0;

        // compact_zone: compaction_restarting clears the skip bits after the deferral ran out
        if (CompactionRestarting(zi, order))
        {
            ResetIsolationSuitableZone(z);
        }

        int freeTop = Math.Max(_zoneStart, PbStart(_zoneEnd - 1));
        if (proactive || wholeZone)
        {
            _migratePfn = _zoneStart;
            _freePfn = freeTop;
        }
        else
        {
            _migratePfn = sync ? _cachedMigrateSync[zi] : _cachedMigrate[zi];
            _freePfn = _cachedFree[zi];
            if (_freePfn < _zoneStart || _freePfn >= _zoneEnd)
            {
                _freePfn = _cachedFree[zi] = freeTop;
            }

            if (_migratePfn < _zoneStart || _migratePfn >= _zoneEnd)
            {
                _migratePfn = _cachedMigrate[zi] = _cachedMigrateSync[zi] = _zoneStart;
            }
        }

        bool updateCached = !sync && _cachedMigrate[zi] == _cachedMigrateSync[zi];
        int lastMigrated = -1;
        CompactResult result;
        while (true)
        {
            // compact_finished
            if (_freePfn >> Pageblock.Order <= _migratePfn >> Pageblock.Order)
            {
                ResetCachedPositions(zi);
                if (_direct)
                {
                    _blockskipFlush[zi] = true;
                }

                result = CompactResult.Complete;
                break;
            }

            if (proactive)
            {
                if (FragmentationScoreZone(z) <= FragmentationScoreWmark(low: true))
                {
                    result = CompactResult.Success;
                    break;
                }
            }
            else if (!wholeZone && (_migratePfn & (NrPb - 1)) == 0 && FreeBlockAvailable(z, order, mt))
            {
                result = CompactResult.Success;
                break;
            }

            int iterationStart = _migratePfn;
            _rescan = lastMigrated >= 0 && PbStart(lastMigrated) == PbStart(iterationStart);
            if (!IsolateMigratepages())
            {
                if (updateCached)
                {
                    _cachedMigrateSync[zi] = _cachedMigrate[zi];
                }

                continue;
            }

            updateCached = false;
            lastMigrated = Math.Max(_zoneStart, PbStart(_migratePfn - 1));

            // migrate_pages with compaction_alloc as the target allocator
            int k = 0;
            for (; k < _migratePages.Count; k++)
            {
                int target = CompactionAlloc(_migratePages.Count);
                if (target == Machine.Nil)
                {
                    // -ENOMEM: migrate_pages counts the page it could not place as failed (nr_failed_pages +=
                    // nr_subpages) and stops; the rest of the batch goes back to the LRU (putback_movable_pages)
                    failed++;
                    break;
                }

                if (_m.MigratePage(_migratePages[k], target))
                {
                    moved++;
                }
                else
                {
                    failed++;
                    _freeTargets.Add((target, 0)); // compaction_free: the unused target goes back to the list
                    _nrFreepages++;
                }
            }

            _migratePages.Clear();
        }

        // release_freepages; the free scanner restarts at the highest released pageblock ("only go back")
        int highest = -1;
        foreach ((int i, int o) in _freeTargets)
        {
            _m.ReleaseIsolated(i, o);
            highest = Math.Max(highest, i);
        }

        _freeTargets.Clear();
        _nrFreepages = 0;
        if (highest >= 0 && PbStart(highest) > _cachedFree[zi])
        {
            _cachedFree[zi] = PbStart(highest);
        }

        // compact_zone counts COMPACTMIGRATE_SCANNED / COMPACTFREE_SCANNED for every caller; kcompactd_do_work and
        // proactive_compact_node add the same totals to the KCOMPACTD_* counters
        _m.Count(VmEvent.CompactMigrateScanned, _totalMigrateScanned);
        _m.Count(VmEvent.CompactFreeScanned, _totalFreeScanned);
        if (daemon)
        {
            _m.Count(VmEvent.CompactDaemonMigrateScanned, _totalMigrateScanned);
            _m.Count(VmEvent.CompactDaemonFreeScanned, _totalFreeScanned);
        }

        _m.Count(VmEvent.CompactIsolated, _isolated);
        _m.Count(VmEvent.PgmigrateSuccess, moved);
        _m.Count(VmEvent.PgmigrateFail, failed);
        CompactNs += (_totalMigrateScanned + _totalFreeScanned) * _costs.CompactScanNs + moved * _costs.MigrateNs;
        if (!proactive && !wholeZone && result != CompactResult.Success && FreeBlockAvailable(z, order, mt))
        {
            result = CompactResult.Success;
        }

        _m.DebugCheck();
        return result;
    }

    // mirrors isolate_migratepages: from the migrate scanner's pfn, the first pageblock not marked skip whose type
    // suits the request (suitable_migration_source) is handed to isolate_migratepages_block; never crosses the free
    // scanner. fast_find_migrateblock is not modelled (it needs the free lists' order, a linear walk is used).
    private bool IsolateMigratepages()
    {
        int low = _migratePfn;
        int blockEnd = PbEnd(low);
        for (; blockEnd <= _freePfn; _migratePfn = low = blockEnd, blockEnd += NrPb)
        {
            int blockStart = Math.Max(PbStart(low), _zoneStart);
            if (!PageblockInZone(blockStart, Math.Min(blockEnd, _zoneEnd)))
            {
                continue;
            }

            if ((low & (NrPb - 1)) == 0 && !_ignoreSkipHint && _skip[blockStart >> Pageblock.Order])
            {
                continue;
            }

            if (!SuitableMigrationSource(blockStart))
            {
                UpdateCachedMigrate(blockEnd);
                continue;
            }

            IsolateMigratepagesBlock(low, Math.Min(blockEnd, _zoneEnd));
            return _migratePages.Count > 0;
        }

        return false;
    }

    // mirrors pageblock_pfn_to_page: a pageblock whose first or last page belongs to another zone (a zone inside
    // this zone's span, an offline hole) is passed over by both scanners
    private bool PageblockInZone(int start, int end)
        => _m.ZoneAt(start) == _zone.Index && _m.ZoneAt(end - 1) == _zone.Index;

    // mirrors suitable_migration_source
    private bool SuitableMigrationSource(int blockStart)
    {
        // pageblock_skip_persistent: a compound page of at least pageblock order
        if (_m.KindAt(blockStart) == Machine.KindAlloc && _m.OrderAt(blockStart) >= Pageblock.Order)
        {
            return false;
        }

        if (_sync || !_direct)
        {
            return true;
        }

        MigrateType blockMt = _m.PageblockTypeAt(blockStart);
        return _migratetype == MigrateType.Movable ? MigrateTypes.IsMovable(blockMt) : blockMt == _migratetype;
    }

    // mirrors isolate_migratepages_block (6.1): nr_scanned counts each pfn the loop stops at, a free buddy or a
    // compound page once (low_pfn jumps over it); order-0 LRU pages of the zone are isolated, COMPACT_CLUSTER_MAX at a time unless the block is
    // being rescanned; async direct compaction gives up an order-aligned block at its first unmovable page
    // (skip_on_failure).
    private void IsolateMigratepagesBlock(int low, int end)
    {
        long nrScanned = 0;
        int nrIsolated = 0;
        bool validPage = false, skipUpdated = false;
        bool skipOnFailure = _direct && !_sync;
        int orderSize = _order > 0 ? 1 << _order : 1;
        int nextSkip = skipOnFailure ? (low | (orderSize - 1)) + 1 : 0;
        int blockIdx = PbStart(low) >> Pageblock.Order;
        bool aborted = false;
        for (; low < end; low++)
        {
            if (skipOnFailure && low >= nextSkip)
            {
                if (nrIsolated != 0)
                {
                    break;
                }

                nextSkip = (low | (orderSize - 1)) + 1;
            }

            nrScanned++;
            if (!validPage && (low & (NrPb - 1)) == 0)
            {
                if (!_ignoreSkipHint && _skip[blockIdx])
                {
                    low = end;
                    aborted = true;
                    break;
                }

                validPage = true;
            }

            int kind = _m.KindAt(low);
            if (kind == Machine.KindFree)
            {
                int fo = _m.OrderAt(low);
                low += (1 << fo) - 1;
                continue;
            }

            if (kind == Machine.KindAlloc && _m.OrderAt(low) == 0 && _m.OnRealLru(low) && _m.ZoneAt(low) == _zone.Index)
            {
                // the first isolation of an aligned block takes the skip bit (test_and_set_skip, 6.1)
                if (!skipUpdated && validPage)
                {
                    skipUpdated = true;
                    if ((low & (NrPb - 1)) == 0 && !_ignoreSkipHint)
                    {
                        _skip[blockIdx] = true;
                    }
                }

                _migratePages.Add(low);
                nrIsolated++;
                if (_migratePages.Count >= CompactClusterMax && !_rescan)
                {
                    ++low;
                    break;
                }

                continue;
            }

            // isolate_fail: a compound page is stepped over whole; anything else (a page on a pcp list, a reserved
            // page, the tail of a non-LRU block) one pfn at a time
            if (kind == Machine.KindAlloc)
            {
                int co = _m.OrderAt(low);
                low += (1 << co) - 1;
            }

            if (!skipOnFailure)
            {
                continue;
            }

            if (nrIsolated != 0)
            {
                _migratePages.Clear(); // putback_movable_pages
                nrIsolated = 0;
            }

            if (low < nextSkip)
            {
                low = nextSkip - 1;
                nextSkip += orderSize;
            }
        }

        if (!aborted && low > end)
        {
            low = end;
        }

        if (low == end && (nrIsolated == 0 || _rescan))
        {
            if (validPage && !skipUpdated)
            {
                _skip[blockIdx] = true;
            }

            UpdateCachedMigrate(low);
        }

        _totalMigrateScanned += nrScanned;
        _isolated += nrIsolated;
        _migratePfn = low;
    }

    // mirrors update_cached_migrate (6.1 passes the block end, which pageblock_end_pfn moves one block further)
    private void UpdateCachedMigrate(int pfn)
    {
        int zi = _zone.Index;
        pfn = PbEnd(pfn);
        if (pfn > _cachedMigrate[zi])
        {
            _cachedMigrate[zi] = pfn;
        }

        if (_sync && pfn > _cachedMigrateSync[zi])
        {
            _cachedMigrateSync[zi] = pfn;
        }
    }

    // mirrors compaction_alloc: the next target from the isolated free pages, running the free scanner when none
    // is left; split_map_pages hands out order-0 pages
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
        for (int part = o - 1; part >= 0; part--)
        {
            _freeTargets.Add((i + (1 << part), part));
        }

        _nrFreepages--;
        return i;
    }

    // mirrors isolate_freepages: pageblocks downward from the free scanner's pfn to the migrate scanner's block,
    // each suitable_migration_target block not marked skip scanned by isolate_freepages_block until enough pages
    // for the batch are isolated (async compaction probes every stride-th pfn, 1..COMPACT_CLUSTER_MAX).
    // fast_isolate_freepages is not modelled.
    private void IsolateFreepages(int nrMigratepages)
    {
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

    // mirrors isolate_freepages_block (6.1, not strict): every probed pfn counts once, a free page is isolated whole,
    // a compound page is stepped over; stops once the batch has its targets.
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

    // mirrors compaction_restarting: the deferral reached its maximum and ran out
    private bool CompactionRestarting(int zi, int order)
        => order >= _orderFailed[zi] && _deferShift[zi] == CompactMaxDeferShift && _considered[zi] >= 1 << _deferShift[zi];

    // mirrors __reset_isolation_suitable: clears the zone's skip bits; the scanners restart at the first pageblock
    // from each end whose sampled pages (every 8th) hold an LRU page (migrate) or a free page (free; a MOVABLE block)
    private void ResetIsolationSuitableZone(Zone z)
    {
        int zi = z.Index;
        if (!_blockskipFlush[zi])
        {
            return;
        }

        _blockskipFlush[zi] = false;
        (int start, int end) = _m.ZoneIndexRange(z);
        int migrate = start, free = end - 1;
        int resetMigrate = free, resetFree = migrate;
        bool sourceSet = false, freeSet = false;
        for (; migrate < free; migrate += NrPb, free -= NrPb)
        {
            if (ResetIsolationPfn(z, migrate, true, sourceSet) && migrate < resetMigrate)
            {
                sourceSet = true;
                resetMigrate = migrate;
                _cachedMigrate[zi] = _cachedMigrateSync[zi] = resetMigrate;
            }

            if (ResetIsolationPfn(z, free, freeSet, true) && free > resetFree)
            {
                freeSet = true;
                resetFree = free;
                _cachedFree[zi] = resetFree;
            }
        }

        if (resetMigrate >= resetFree)
        {
            _cachedMigrate[zi] = _cachedMigrateSync[zi] = migrate;
            _cachedFree[zi] = free;
        }
    }

    // mirrors __reset_isolation_pfn
    private bool ResetIsolationPfn(Zone z, int pfn, bool checkSource, bool checkTarget)
    {
        (int zs, int ze) = _m.ZoneIndexRange(z);
        if (pfn < zs || pfn >= ze)
        {
            return false;
        }

        int blockIdx = PbStart(pfn) >> Pageblock.Order;
        if (_m.KindAt(pfn) == Machine.KindAlloc && _m.OrderAt(pfn) >= Pageblock.Order)
        {
            return false; // pageblock_skip_persistent
        }

        if (checkSource && checkTarget && !_skip[blockIdx])
        {
            return true;
        }

        if (!checkSource && checkTarget && _m.PageblockTypeAt(pfn) != MigrateType.Movable)
        {
            return false;
        }

        int page = Math.Max(PbStart(pfn), zs);
        int last = Math.Min(PbEnd(pfn) - 1, ze - 1);
        for (; page <= last; page += 1 << Pageblock.CostlyOrder)
        {
            if (checkSource && _m.KindAt(page) == Machine.KindAlloc && _m.OnRealLru(page))
            {
                _skip[blockIdx] = false;
                return true;
            }

            if (checkTarget && _m.KindAt(page) == Machine.KindFree)
            {
                _skip[blockIdx] = false;
                return true;
            }
        }

        return false;
    }
}
