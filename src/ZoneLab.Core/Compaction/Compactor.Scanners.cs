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
        foreach (Zone z in _m.ZoneSpan)
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

        // migrate_folio_done frees each migrated source to this CPU's pcp list (free_unref_page), out of
        // NR_FREE_PAGES and the buddy lists until nr_pcp_high; an order -1 run never drains it, so
        // __isolate_free_page's min watermark test and the fragmentation score see that. An order > 0 run drains it
        // when the migrate scanner leaves the order-aligned block (check_drain), where a direct compactor's
        // compaction_capture takes the block that merges; the engine frees those sources at once, as before.
        if (order < 0)
        {
            _m.BeginMigrationHold(z);
        }
        (_zoneStart, _zoneEnd) = _m.ZoneIndexRange(z);
        _zone = z;
        _order = order;
        _migratetype = mt;
        _sync = sync;
        _direct = !daemon && !proactive && !wholeZone;
        _ignoreSkipHint = proactive || wholeZone; // compact_node and proactive_compact_node set ignore_skip_hint
        _totalMigrateScanned = _totalFreeScanned = _isolated = 0;
        _nrFreepages = 0;
        _fastStartPfn = FastStartUnset;
        if (!daemon)
        {
            // compact_zone_order's compact_control is new for each zone; kcompactd_do_work's lives across its zones
            // (Kcompactd sets it up)
            _fastSearchFail = 0;
            _searchOrder = order;
        }
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
        int lastMigrated = -(int)_m.BasePfn; // last_migrated_pfn = 0: pfn 0
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
            _rescan = PbStart(lastMigrated) == PbStart(iterationStart);
            if (!IsolateMigratepages())
            {
                if (updateCached)
                {
                    _cachedMigrateSync[zi] = _cachedMigrate[zi];
                }

                CheckDrain(ref lastMigrated);
                continue;
            }

            // 6.1: last_migrated_pfn = iteration_start_pfn (v6.6 takes the block of the last isolated page)
            updateCached = false;
            lastMigrated = iterationStart;

            // migrate_pages with compaction_alloc as the target allocator
            int k = 0;
            bool noTarget = false;
            for (; k < _migratePages.Count; k++)
            {
                int target = CompactionAlloc(_migratePages.Count);
                if (target == Machine.Nil)
                {
                    // -ENOMEM: migrate_pages counts the page it could not place as failed (nr_failed_pages +=
                    // nr_subpages) and stops; the rest of the batch goes back to the LRU (putback_movable_pages)
                    failed++;
                    noTarget = true;
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

            // compact_zone: putback_movable_pages(&cc->migratepages) after a failed migrate_pages: the pages not moved
            // (after -ENOMEM, the one without a target and the rest) go back to the heads of their LRU lists
            PutbackMigratePages(noTarget ? k : _migratePages.Count);

            // compact_zone: "migrate_pages() may return -ENOMEM when scanners meet and we want compact_finished()
            // to detect it"; before they meet (the free scanner gave up, e.g. __isolate_free_page refused under the
            // min watermark) the run ends COMPACT_CONTENDED
            if (noTarget && _freePfn >> Pageblock.Order > _migratePfn >> Pageblock.Order)
            {
                result = CompactResult.Contended;
                break;
            }

            CheckDrain(ref lastMigrated);
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

        // the kernel leaves the rest on the pcp list for the next allocations; the engine, whose allocations take
        // from the buddy lists, gives them back there
        _m.EndMigrationHold();

        // compact_zone counts COMPACTMIGRATE_SCANNED / COMPACTFREE_SCANNED for every caller; kcompactd_do_work adds
        // the same totals to the KCOMPACTD_* counters (6.1's proactive_compact_node does not)
        _m.Count(VmEvent.CompactMigrateScanned, _totalMigrateScanned);
        _m.Count(VmEvent.CompactFreeScanned, _totalFreeScanned);
        if (daemon && !proactive)
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

    // mirrors compact_zone's check_drain (6.1): once the migrate scanner left the order-aligned block it last migrated
    // from, lru_add_drain_cpu_zone → drain_local_pages(zone) flushes the pages migration freed to this CPU's lists,
    // so that they merge and compact_finished sees them; "no more flushing until we migrate again"
    // (last_migrated_pfn = 0, which also ends the rescan of that pageblock)
    private void CheckDrain(ref int lastMigrated)
    {
        // the kernel's "none" is last_migrated_pfn == 0, pfn 0's index here
        int none = -(int)_m.BasePfn;
        if (_order > 0 && lastMigrated != none && lastMigrated < (_migratePfn & ~((1 << _order) - 1)))
        {
            _m.DrainLocalPages(_zone);
            lastMigrated = none;
        }
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
                _initFree[zi] = resetFree; // compact_init_free_pfn
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
