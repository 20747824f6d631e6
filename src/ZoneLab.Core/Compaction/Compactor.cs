using ZoneLab.Allocator;

namespace ZoneLab.Compaction;

/// <summary>Outcome of one <see cref="Compactor.CompactZone"/> run (<c>enum compact_result</c>, the cases the model has).</summary>
public enum CompactResult
{
    /// <summary>COMPACT_CONTINUE: compaction_suitable says go ahead (not a final result).</summary>
    Continue,

    /// <summary>COMPACT_SKIPPED: not enough free memory for migration targets (compaction_suitable).</summary>
    Skipped,

    /// <summary>COMPACT_NOT_SUITABLE_ZONE: fragmentation index says the failure is lack of memory.</summary>
    NotSuitableZone,

    /// <summary>COMPACT_DEFERRED: recent failures at this order.</summary>
    Deferred,

    /// <summary>COMPACT_SUCCESS: a suitable free block exists.</summary>
    Success,

    /// <summary>COMPACT_COMPLETE: the scanners met.</summary>
    Complete,

    /// <summary>COMPACT_CONTENDED: migrate_pages found no target (-ENOMEM) before the scanners met.</summary>
    Contended,
}

/// <summary>
/// Memory compaction at model level (mm/compaction.c): per zone, a migrate scanner walks pageblocks up from the zone
/// start isolating movable order-0 LRU pages, a free scanner walks down from the zone end isolating free pages in
/// MOVABLE/CMA pageblocks as targets, pages move from low to high addresses until a free block of the order exists
/// (<c>__compact_finished</c>) or the scanners meet. Deferral (<c>defer_compaction</c>) and cached scanner positions
/// are kept per zone. Higher-order movable blocks (THPs) are not migrated (6.1's compaction_alloc hands out order-0
/// targets). Work is charged to <see cref="CompactNs"/>.
/// </summary>
public sealed partial class Compactor
{
    private const int CompactMaxDeferShift = 6;
    private readonly Machine _m;
    private readonly CompactionCostModel _costs;
    private readonly int[] _cachedMigrate;
    private readonly int[] _cachedFree;
    private readonly int[] _considered;
    private readonly int[] _deferShift;
    private readonly int[] _orderFailed;
    private readonly int[] _proactiveDefer;

    // pgdat->kcompactd_max_order and kcompactd_highest_zoneidx per node: what wakeup_kcompactd asked for, kept
    // until a kcompactd_do_work at that order (or higher) runs
    private readonly int[] _kcompactdMaxOrder;
    private readonly int[] _kcompactdHighest;

    /// <summary>Creates a compactor for a machine.</summary>
    public Compactor(Machine machine, CompactionCostModel? costs = null)
    {
        _m = machine;
        _costs = costs ?? new CompactionCostModel();
        int n = machine.Zones.Count;
        _cachedMigrate = new int[n];
        _cachedMigrateSync = new int[n];
        _cachedFree = new int[n];
        _blockskipFlush = new bool[n];
        _skip = new bool[(machine.PfnCount + (int)Pageblock.NrPages - 1) >> Pageblock.Order];
        _considered = new int[n];
        _deferShift = new int[n];
        _orderFailed = new int[n];
        _initFree = new int[n];
        _proactiveDefer = new int[machine.NodeCount];
        _kcompactdMaxOrder = new int[machine.NodeCount];
        _kcompactdHighest = new int[machine.NodeCount];
        for (int node = 0; node < machine.NodeCount; node++)
        {
            _kcompactdHighest[node] = NrZonesMinusOne(node);
        }
        for (int z = 0; z < n; z++)
        {
            ResetCachedPositions(z);
            _initFree[z] = int.MinValue; // compact_init_free_pfn is 0 until __reset_isolation_suitable sets it
        }
    }

    /// <summary>Simulated nanoseconds spent compacting.</summary>
    public double CompactNs { get; private set; }

    /// <summary>
    /// mirrors <c>compaction_suitable</c>: order-0 watermark (low for costly orders, else min) plus
    /// <c>compact_gap(order) = 2 &lt;&lt; order</c> with ALLOC_CMA; then for costly orders the fragmentation index must
    /// exceed <c>vm.extfrag_threshold</c> (or be -1000/0).
    /// </summary>
    public CompactResult Suitable(Zone z, int order, int highestZoneIdx, AllocFlags af = AllocFlags.WmarkMin)
    {
        ulong mark = z.Watermarks.Mark((WatermarkIndex)(int)(af & AllocFlags.WmarkMask));
        if (_m.ZoneWatermarkOk(z, order, mark, highestZoneIdx, af))
        {
            return CompactResult.Success;
        }

        ulong watermark = order > Pageblock.CostlyOrder ? z.Watermarks.Low : z.Watermarks.Min;
        watermark += 2UL << order;
        if (!_m.ZoneWatermarkOk(z, 0, watermark, highestZoneIdx, AllocFlags.Cma))
        {
            return CompactResult.Skipped;
        }

        if (order > Pageblock.CostlyOrder)
        {
            int fragindex = FragmentationIndex.Fragmentation(_m, z.Index, order);
            if (fragindex >= 0 && fragindex <= _m.Sysctls.ExtfragThreshold)
            {
                return CompactResult.NotSuitableZone;
            }
        }

        return CompactResult.Continue;
    }

    /// <summary>
    /// mirrors <c>try_to_compact_pages</c> and the counting of <c>__alloc_pages_direct_compact</c>: compact each
    /// eligible zone of the zonelist (skipping deferred ones); true when a zone ended with a suitable free block.
    /// COMPACTSTALL (and COMPACTFAIL) count only when some zone was deferred or compacted: a result of
    /// COMPACT_SKIPPED in every zone (not enough free memory for targets, or the fragmentation index says no) returns
    /// before the counters. A request with __GFP_DIRECT_RECLAIM compacts at COMPACT_PRIO_SYNC_LIGHT, one without at
    /// COMPACT_PRIO_ASYNC.
    /// </summary>
    public bool TryToCompactPages(int node, int order, GfpFlags gfp, int highestZoneIdx, MigrateType mt)
    {
        CompactPriority prio = (gfp & GfpFlags.DirectReclaim) != 0 ? CompactPriority.SyncLight : CompactPriority.Async;
        CompactResult rc = TryToCompactPages(node, order, gfp, highestZoneIdx, mt, prio);
        if (rc != CompactResult.Skipped)
        {
            _m.Count(VmEvent.CompactStall);
            _m.Count(rc == CompactResult.Success ? VmEvent.CompactSuccess : VmEvent.CompactFail);
        }

        return rc == CompactResult.Success;
    }

    /// <summary>
    /// mirrors <c>try_to_compact_pages</c> (6.1) at a priority: compact_zone_order in each eligible zone of the
    /// zonelist, MIGRATE_ASYNC at <see cref="CompactPriority.Async"/> and MIGRATE_SYNC_LIGHT otherwise; a deferred
    /// zone is skipped above <see cref="CompactPriority.SyncFull"/>; the first zone that ends COMPACT_SUCCESS stops the
    /// walk; a zone whose scanners met defers itself unless the run was async. Returns the highest result in the
    /// kernel's <c>enum compact_result</c> order (COMPACT_SKIPPED when no zone was deferred or compacted, or when the
    /// mask lacks __GFP_IO). Counts nothing: __alloc_pages_direct_compact counts the stall and its outcome.
    /// </summary>
    public CompactResult TryToCompactPages(int node, int order, GfpFlags gfp, int highestZoneIdx, MigrateType mt, CompactPriority prio)
    {
        CompactResult rc = CompactResult.Skipped;
        if ((gfp & GfpFlags.Io) == 0)
        {
            return rc; // may_perform_io
        }

        bool thisNode = (gfp & GfpFlags.ThisNode) != 0;
        bool sync = prio != CompactPriority.Async;
        foreach (int zi in _m.Zonelist(node))
        {
            Zone z = _m.Zones[zi];
            // ac->zonelist is node_zonelist(nid, gfp): __GFP_THISNODE gives ZONELIST_NOFALLBACK, the node's own zones
            if ((int)z.Type > highestZoneIdx || (thisNode && z.Node != node))
            {
                continue;
            }

            if (prio > CompactPriority.SyncFull && Deferred(zi, order))
            {
                rc = MaxResult(rc, CompactResult.Deferred);
                continue;
            }

            CompactResult r = CompactZone(z, order, highestZoneIdx, mt, sync);
            // compaction_suitable turns COMPACT_NOT_SUITABLE_ZONE into COMPACT_SKIPPED
            rc = MaxResult(rc, r == CompactResult.NotSuitableZone ? CompactResult.Skipped : r);
            if (r == CompactResult.Success)
            {
                CompactionDeferReset(zi, order);
                break;
            }

            // only a compaction run that was not COMPACT_PRIO_ASYNC defers the zone
            if (sync && r == CompactResult.Complete)
            {
                DeferCompaction(zi, order);
            }
        }

        return rc;
    }

    // rc = max(status, rc) in the kernel's enum compact_result order: NOT_SUITABLE_ZONE, SKIPPED, DEFERRED,
    // NO_SUITABLE_PAGE, CONTINUE, COMPLETE, PARTIAL_SKIPPED, CONTENDED, SUCCESS
    private static CompactResult MaxResult(CompactResult a, CompactResult b) => Rank(b) > Rank(a) ? b : a;

    private static int Rank(CompactResult r) => r switch
    {
        CompactResult.NotSuitableZone => 0,
        CompactResult.Skipped => 1,
        CompactResult.Deferred => 2,
        CompactResult.Continue => 4,
        CompactResult.Complete => 5,
        CompactResult.Contended => 7,
        CompactResult.Success => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, "no compact_result rank"),
    };

    /// <summary>
    /// mirrors <c>kcompactd_do_work</c> (woken by kswapd): each zone up to <paramref name="highestZoneIdx"/> not deferred
    /// and not already above its min watermark at the order is compacted (MIGRATE_SYNC_LIGHT); a run whose scanners
    /// met defers the zone, a successful one resets the deferral's order.
    /// </summary>
    public void Kcompactd(int node, int order, int highestZoneIdx)
    {
        KcompactdDoWork(node, order, highestZoneIdx);

        // "Regardless of success, we are done until woken up next. But remember the requested
        // order/highest_zoneidx in case it was higher/tighter than our current ones"
        if (_kcompactdMaxOrder[node] <= order)
        {
            _kcompactdMaxOrder[node] = 0;
        }

        if (_kcompactdHighest[node] >= highestZoneIdx)
        {
            _kcompactdHighest[node] = NrZonesMinusOne(node);
        }
    }

    /// <summary>
    /// mirrors <c>wakeup_kcompactd</c> (6.1 mm/compaction.c): an order &gt; 0 raises
    /// <c>pgdat-&gt;kcompactd_max_order</c> and lowers <c>kcompactd_highest_zoneidx</c> before anything else, so a
    /// request refused now (no zone where <c>compaction_suitable</c> says COMPACT_CONTINUE) is still remembered and
    /// served at kcompactd's next timeout (<see cref="KcompactdTimeout"/>). Wakes kcompactd (here: runs
    /// <c>kcompactd_do_work</c> at once, at the remembered order and zone) when <c>kcompactd_node_suitable</c> holds.
    /// Returns true when kcompactd ran.
    /// </summary>
    public bool WakeupKcompactd(int node, int order, int highestZoneIdx)
    {
        if (order <= 0)
        {
            return false;
        }

        _kcompactdMaxOrder[node] = Math.Max(_kcompactdMaxOrder[node], order);
        _kcompactdHighest[node] = Math.Min(_kcompactdHighest[node], highestZoneIdx);
        if (!KcompactdNodeSuitable(node))
        {
            return false;
        }

        Kcompactd(node, _kcompactdMaxOrder[node], _kcompactdHighest[node]);
        return true;
    }

    /// <summary>The order a refused <c>wakeup_kcompactd</c> left in <c>pgdat-&gt;kcompactd_max_order</c> (0: none).</summary>
    public int KcompactdMaxOrder(int node) => _kcompactdMaxOrder[node];

    /// <summary>
    /// mirrors one timeout of kcompactd's wait (<c>kcompactd</c>, 6.1): while a proactive run's deferral lasts
    /// (the wait is <c>default_timeout &lt;&lt; COMPACT_MAX_DEFER_SHIFT</c>) nothing happens; at the end of the wait
    /// <c>wait_event_freezable_timeout</c> re-tests <c>kcompactd_work_requested</c>, so an order left by a refused
    /// wakeup runs <c>kcompactd_do_work</c> (counted as a KCOMPACTD_WAKE) instead of the proactive check; otherwise
    /// the proactive path (<see cref="ProactiveCompact"/>). Returns true when either compacted.
    /// </summary>
    public bool KcompactdTimeout(int node, bool kswapdRunning = false)
    {
        if (_proactiveDefer[node] == 0 && _kcompactdMaxOrder[node] > 0)
        {
            Kcompactd(node, _kcompactdMaxOrder[node], _kcompactdHighest[node]);
            return true;
        }

        return ProactiveCompact(node, kswapdRunning);
    }

    /// <summary>
    /// The request half of <see cref="KcompactdTimeout"/>, for callers that do not model proactive compaction (the
    /// scenario simulation): at the end of kcompactd's wait an order a refused wakeup left runs
    /// <c>kcompactd_do_work</c>. Returns true when it ran.
    /// </summary>
    public bool ServeKcompactdRequest(int node)
    {
        if (_kcompactdMaxOrder[node] == 0)
        {
            return false;
        }

        Kcompactd(node, _kcompactdMaxOrder[node], _kcompactdHighest[node]);
        return true;
    }

    // mirrors kcompactd_node_suitable: a zone up to kcompactd_highest_zoneidx where compaction_suitable at
    // kcompactd_max_order (alloc_flags 0: the min watermark) says COMPACT_CONTINUE
    private bool KcompactdNodeSuitable(int node)
    {
        int high = _kcompactdHighest[node];
        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node == node && (int)z.Type <= high && z.IsPopulated && Suitable(z, _kcompactdMaxOrder[node], high) == CompactResult.Continue)
            {
                return true;
            }
        }

        return false;
    }

    // pgdat->nr_zones - 1: the highest populated zone of the node
    private int NrZonesMinusOne(int node)
    {
        int high = 0;
        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node == node && z.IsPopulated)
            {
                high = Math.Max(high, (int)z.Type);
            }
        }

        return high;
    }

    // mirrors kcompactd_do_work's zone loop
    private void KcompactdDoWork(int node, int order, int highestZoneIdx)
    {
        _m.Count(VmEvent.CompactDaemonWake);
        _proactiveDefer[node] = 0; // the woken kcompactd resets its timeout to the default
        _fastSearchFail = 0; // one compact_control for all the node's zones
        _searchOrder = order;
        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node == node && (int)z.Type <= highestZoneIdx && z.IsPopulated && !Deferred(z.Index, order)
                && Suitable(z, order, (int)z.Type) == CompactResult.Continue)
            {
                // kcompactd_do_work's compact_control has .gfp_mask = GFP_KERNEL, so compact_zone sets cc->migratetype =
                // gfp_migratetype(GFP_KERNEL) = MIGRATE_UNMOVABLE: __compact_finished ends the run on a free block of the
                // order in the unmovable list or a list it may claim from, never on a free CMA block
                CompactResult r = CompactZone(z, order, highestZoneIdx, MigrateType.Unmovable, sync: true, daemon: true);
                if (r == CompactResult.Success)
                {
                    // compaction_defer_reset(zone, order, false): only compact_order_failed moves
                    if (order >= _orderFailed[z.Index])
                    {
                        _orderFailed[z.Index] = order + 1;
                    }
                }
                else if (r == CompactResult.Complete)
                {
                    DeferCompaction(z.Index, order);
                }
            }
        }
    }

    /// <summary>
    /// mirrors <c>compact_zone</c>. <paramref name="sync"/> off (async) migrates only from pageblocks of the request's
    /// type (<c>suitable_migration_source</c>); on, from every pageblock.
    /// </summary>
    public CompactResult CompactZone(Zone z, int order, int highestZoneIdx, MigrateType mt, bool sync, bool daemon = false, bool proactive = false)
        => CompactZoneCore(z, order, highestZoneIdx, mt, sync, daemon, proactive, wholeZone: false);

    /// <summary>
    /// mirrors <c>compact_node</c> (a write to /proc/sys/vm/compact_memory): every populated zone of the node from
    /// its first pfn (<c>whole_zone</c>), order -1, MIGRATE_SYNC; <c>__compact_finished</c> lets an order -1 run go on
    /// until the scanners meet (<c>is_via_compact_memory</c>).
    /// </summary>
    public void CompactNode(int node)
    {
        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node == node && z.PresentPages != 0)
            {
                ResetCachedPositions(z.Index);
                CompactZoneCore(z, -1, (int)z.Type, MigrateType.Movable, sync: true, daemon: false, proactive: false, wholeZone: true);
            }
        }
    }

    /// <summary>mirrors <c>fragmentation_score_zone</c>: <c>extfrag_for_order(zone, HPAGE_PMD_ORDER)</c>.</summary>
    public int FragmentationScoreZone(Zone z) => FragmentationIndex.ExtfragForOrder(_m, z.Index, Pageblock.Order);

    /// <summary>mirrors <c>fragmentation_score_node</c>: zone scores weighted by present pages.</summary>
    public int FragmentationScoreNode(int node)
    {
        ulong nodePresent = 0;
        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node == node)
            {
                nodePresent += z.PresentPages;
            }
        }

        ulong score = 0;
        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node == node && z.PresentPages != 0)
            {
                score += z.PresentPages * (ulong)FragmentationScoreZone(z) / (nodePresent + 1);
            }
        }

        return (int)score;
    }

    /// <summary>mirrors <c>fragmentation_score_wmark</c>: low = max(100 - proactiveness, 5), high = min(low + 10, 100).</summary>
    public int FragmentationScoreWmark(bool low)
    {
        int wmarkLow = Math.Max(100 - _m.Sysctls.CompactionProactiveness, 5);
        return low ? wmarkLow : Math.Min(wmarkLow + 10, 100);
    }

    /// <summary>
    /// mirrors <c>should_proactive_compact_node</c>: proactiveness on, the node's kswapd not running
    /// (<c>kswapd_is_running</c>: the thread is TASK_RUNNING, in a balance_pgdat run), and the node's score above the
    /// high mark.
    /// </summary>
    public bool ShouldProactiveCompact(int node, bool kswapdRunning = false)
        => _m.Sysctls.CompactionProactiveness != 0 && !kswapdRunning && FragmentationScoreNode(node) > FragmentationScoreWmark(low: false);

    /// <summary>
    /// One kcompactd period (<c>kcompactd</c>'s timeout path, v5.9+): if the node's fragmentation score is above
    /// the high mark, <c>proactive_compact_node</c> compacts every populated zone (sync light) until its score is
    /// at or below the low mark. Returns true when it ran. A run that did not lower the node's score defers the next
    /// check by <c>default_timeout &lt;&lt; COMPACT_MAX_DEFER_SHIFT</c> (64 periods) unless kcompactd is woken
    /// meanwhile; 6.1's proactive_compact_node counts neither KCOMPACTD_WAKE nor the KCOMPACTD_* scanned events
    /// (the recorded 6.1 kernels show compact_migrate_scanned growing with compact_daemon_wake at 0).
    /// </summary>
    public bool ProactiveCompact(int node, bool kswapdRunning = false)
    {
        if (_proactiveDefer[node] > 0)
        {
            _proactiveDefer[node]--;
            return false;
        }

        if (!ShouldProactiveCompact(node, kswapdRunning))
        {
            return false;
        }

        int prevScore = FragmentationScoreNode(node);
        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node == node && z.PresentPages != 0)
            {
                CompactZone(z, -1, (int)z.Type, MigrateType.Movable, sync: true, daemon: true, proactive: true);
            }
        }

        if (FragmentationScoreNode(node) >= prevScore)
        {
            _proactiveDefer[node] = (1 << CompactMaxDeferShift) - 1; // this period plus 63 more: 64 x 500 ms
        }

        return true;
    }

    // mirrors __compact_finished's free-list test: the order is available in the request's list, CMA for movable
    // requests, or a fallback list it could claim from
    private bool FreeBlockAvailable(Zone z, int order, MigrateType mt)
    {
        for (int o = order; o <= Pageblock.MaxOrder; o++)
        {
            if (_m.FreeCount(z.Index, o, mt) > 0 || (mt == MigrateType.Movable && _m.FreeCount(z.Index, o, MigrateType.Cma) > 0))
            {
                return true;
            }

            if (o >= Pageblock.Order / 2 || mt != MigrateType.Movable)
            {
                for (int t = 0; t < MigrateTypes.PcpTypes; t++)
                {
                    if (t != (int)mt && _m.FreeCount(z.Index, o, (MigrateType)t) > 0)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private void ResetCachedPositions(int zi)
    {
        (int s, int e) = _m.ZoneIndexRange(_m.Zones[zi]);
        _cachedMigrate[zi] = s;
        _cachedMigrateSync[zi] = s;
        _cachedFree[zi] = Math.Max(s, (e - 1) & ~((int)Pageblock.NrPages - 1));
    }

    // mirrors compaction_deferred
    private bool Deferred(int zi, int order)
    {
        if (order < _orderFailed[zi])
        {
            return false;
        }

        if (++_considered[zi] >= 1 << _deferShift[zi])
        {
            _considered[zi] = 1 << _deferShift[zi];
            return false;
        }

        return true;
    }

    // mirrors defer_compaction
    private void DeferCompaction(int zi, int order)
    {
        _considered[zi] = 0;
        _deferShift[zi] = Math.Min(_deferShift[zi] + 1, CompactMaxDeferShift);
        if (order < _orderFailed[zi])
        {
            _orderFailed[zi] = order;
        }
    }

    // mirrors compaction_defer_reset
    private void CompactionDeferReset(int zi, int order)
    {
        _considered[zi] = 0;
        _deferShift[zi] = 0;
        if (order >= _orderFailed[zi])
        {
            _orderFailed[zi] = order + 1;
        }
    }
}
