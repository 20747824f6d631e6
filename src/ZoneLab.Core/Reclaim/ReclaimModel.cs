using System.Runtime.CompilerServices;
using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Layout;

namespace ZoneLab.Reclaim;

/// <summary>
/// Page reclaim at model level (mm/vmscan.c): kswapd's <c>balance_pgdat</c> until <c>pgdat_balanced</c>, direct
/// reclaim of <c>SWAP_CLUSTER_MAX</c> pages, LRU aging, clean vs dirty page cache vs anonymous memory (swap on/off),
/// and the OOM killer. Reclaim is node based: the node's LRU lists are scanned from the tail, skipping blocks in
/// zones above the request's highest zone. Work is charged to <see cref="Costs"/> (simulated time).
/// </summary>
public sealed partial class ReclaimModel : IMemoryPressureHandler
{
    /// <summary><c>SWAP_CLUSTER_MAX</c>.</summary>
    public const int SwapClusterMax = 32;

    /// <summary><c>DEF_PRIORITY</c>.</summary>
    public const int DefPriority = 12;

    private readonly Machine _m;

    /// <summary>Attaches reclaim (and compaction) to a machine as its pressure handler.</summary>
    public ReclaimModel(Machine machine, ReclaimCostModel? costs = null)
    {
        _m = machine;
        CostModel = costs ?? new ReclaimCostModel();
        Compactor = new Compactor(machine);
        ZoneStats = new ReclaimZoneStats(machine.Zones.Count);
        machine.Pressure = this;
    }

    /// <summary>Reclaim per zone, kswapd's balancing decisions and LRU order (<see cref="ReclaimZoneStats"/>).</summary>
    public ReclaimZoneStats ZoneStats { get; }

    /// <summary>Seconds per tick of the machine's <see cref="Machine.LruAges"/> clock (ages of reclaimed pages).</summary>
    public double LruTickSeconds { get; set; } = 1;

    /// <summary>Cost parameters.</summary>
    public ReclaimCostModel CostModel { get; }

    /// <summary>The compaction model used by direct compaction and kcompactd.</summary>
    public Compactor Compactor { get; }

    /// <summary>
    /// Run kswapd's balance_pgdat to completion when woken (default, an infinitely fast kswapd), instead of as a
    /// background thread that <see cref="RunKswapd"/> advances by a time budget.
    /// </summary>
    public bool SynchronousKswapd { get; set; } = true;

    /// <summary>Simulated nanoseconds spent: kswapd, direct reclaim, compaction (direct and kcompactd).</summary>
    public double KswapdNs { get; private set; }

    /// <summary>Simulated nanoseconds spent by allocating tasks in direct reclaim.</summary>
    public double DirectReclaimNs { get; private set; }

    /// <summary>Total simulated reclaim time.</summary>
    public double Costs => KswapdNs + DirectReclaimNs;

    /// <summary>Simulated nanoseconds spent by allocating tasks in direct compaction (kcompactd excluded).</summary>
    public double DirectCompactNs { get; private set; }

    /// <summary>
    /// Called with the pfn and size in pages of every anonymous block just before reclaim swaps it out and frees it, so a workload model
    /// can remember that its page now lives in a swap slot (the kernel's page table entry becomes a swap entry,
    /// <c>try_to_unmap_one</c>). The slot stays used until the owner frees it (<see cref="Machine.SwapUsedPages"/>).
    /// </summary>
    public Action<ulong, long>? SwappedOut { get; set; }

    /// <summary>
    /// When the background kswapd's time slice ends inside a batch of <c>shrink_folio_list</c>, the swap writes it
    /// submitted in that batch complete while the batch is still isolated, so <c>folio_rotate_reclaimable</c> does not
    /// move them to the tail (<c>folio_test_lru</c> is false) and they wait at the head of the inactive list as clean
    /// swap cache instead of being freed by the next batch. Off for the published table (docs/fidelity.md, Round 14,
    /// fidlo): off, every written folio is rotated when its batch is back on the list.
    /// </summary>
    public bool SwapWritesCompleteIsolated { get; set; }

    /// <summary>
    /// Called with the pfn of every anonymous block reclaim frees from the swap cache (its write done:
    /// <c>__remove_mapping</c>), so a workload model that remembered the block's swap-cache page stops pointing at it.
    /// </summary>
    public Action<ulong>? SwapCacheFreed { get; set; }

    /// <summary>
    /// The workload's OOM killer (mirrors out_of_memory → select_bad_process → oom_kill_process): given the node of
    /// the failing allocation, kills one task and returns the pages its exit freed, or 0 when no task holds memory.
    /// </summary>
    public Func<int, long>? OomKillTask { get; set; }

    /// <summary>
    /// Called with the pfn of every page-cache page just before reclaim drops it (shrink_folio_list →
    /// filemap_release_folio → try_to_free_buffers: a workload model frees the page's buffer heads here).
    /// </summary>
    public Action<ulong>? FileDropped { get; set; }

    /// <summary>
    /// Pfns of page-cache pages whose buffer heads hold a reference (ext4 metadata blocks the journal holds):
    /// shrink_folio_list cannot release their buffers and activates them instead of dropping them.
    /// </summary>
    public IReadOnlySet<ulong>? BufferHeld { get; set; }

    /// <summary>
    /// Run 6.1's boosted <c>balance_pgdat</c> (mm/vmscan.c) in full: a run that begins with a watermark boost reclaims
    /// <c>nr_boost_reclaim</c> pages without swap or writeback (no priority raise at DEF_PRIORITY - 2, an end when a
    /// round reclaims nothing), or, when the node is not balanced at the boosted high watermark, restarts at
    /// DEF_PRIORITY as an ordinary run to that watermark; at the end each zone loses the boost it began with. Off
    /// (the published table): a boosted run reclaims one round without swap or writeback, then clears the node's
    /// boosts. docs/fidelity.md, Round 12 (fidboost): the loop moves 4 rows in and 19 out, from the engine's extra
    /// fallbacks (boosts the kernel does not have), so it is kept as an option.
    /// </summary>
    public bool BoostedReclaimLoop { get; set; }

    /// <summary>
    /// The model's page-level slab shrinker (on by default): shrink_slab frees pages of the SlabReclaimable list,
    /// oldest first, 2 × (its pages &gt;&gt; priority) a round. Off: that list's pages stay, as the kernel's do when
    /// no shrinker counts their objects. The oracle's list holds only the boot residue's reclaimable slab, dentries
    /// and inodes that tracefs (<c>end_creating</c> keeps <c>lookup_one_len</c>'s reference) and rootfs/devtmpfs
    /// (<c>shmem_mknod</c>'s <c>dget</c>) pin, so <c>super_cache_count</c> does not count them. docs/fidelity.md, Round 16.
    /// </summary>
    public bool ShrinkSlabPages { get; set; } = true;

    /// <summary>
    /// The model's end of an unboosted <c>balance_pgdat</c> run after a round that reclaimed nothing below
    /// DEF_PRIORITY - 2 (on by default). 6.1 has no such end: the priority falls to 1 ("if (raise_priority ||
    /// !nr_reclaimed) sc.priority--"). Off: the run goes on to priority 1, as 6.1's does. docs/fidelity.md, Rounds
    /// 8, 15 and 16: the published table relies on the end together with <see cref="ShrinkSlabPages"/>.
    /// </summary>
    public bool EndOnNoProgress { get; set; } = true;

    /// <summary>
    /// The shrinkers counted in objects (shrink_slab runs every registered shrinker through do_shrink_slab), run
    /// with the node and the reclaim priority after the slab pages' shrinker; what they free is not counted as
    /// reclaimed (6.1 counts only slab pages, reclaim_state->reclaimed_slab).
    /// </summary>
    public List<Shrinker> Shrinkers { get; } = [];

    // The background kswapd per node (SynchronousKswapd off): the balance_pgdat run in progress, resumable across
    // RunKswapd slices. Priority 0 means the thread sleeps; _kswapdOrder/_kswapdHigh are pgdat->kswapd_order and
    // kswapd_highest_zoneidx (raised by wakeups while it runs).
    private int[]? _kswapdPriority;
    private int[]? _kswapdOrder;
    private int[]? _kswapdHigh;
    private bool[]? _kswapdBoosted;

    // balance_pgdat's nr_boost_reclaim (what the run still reclaims for the boost; 0 once paid off or dropped by the
    // restart) and zone_boosts[] (each zone's watermark_boost when the run began), per node (MaxNrZones a node)
    private long[]? _kswapdBoostReclaim;
    private ulong[]? _kswapdZoneBoosts;
    private long[]? _kswapdTotal;

    // a balance_pgdat round whose slice ended inside a shrinker's scan_objects: the round's reclaimed pages, goal and
    // LRU scan, for the rest of the round once the call returns
    private (bool Cut, long Got, long Goal, long Scanned)[]? _kswapdRoundCut;

    // pgdat->kswapd_order and kswapd_highest_zoneidx (-1 for MAX_NR_ZONES): raised by every wakeup_kswapd, read and
    // reset when a balance_pgdat run starts
    private int[]? _pendingOrder;
    private int[]? _pendingHigh;

    // whether only requests without ALLOC_CMA woke (and re-woke) the running background kswapd: what it then reclaims
    // from movable-only memory none of them can use, as in the synchronous case (ReclaimForNonCmaRequest); one
    // movable waker makes those pages useful
    private bool[]? _kswapdForNonCma;

    // set by ShrinkNode when it stopped because the time budget ran out
    private bool _budgetExhausted;

    // sc->nr_scanned of the last ShrinkNode: the pages isolate_lru_folios scanned (eligible ones)
    private long _lastScanned;

    /// <summary>True while the background kswapd of <paramref name="node"/> is in a balance_pgdat run.</summary>
    public bool KswapdRunning(int node) => _kswapdPriority != null && _kswapdPriority[node] > 0;

    /// <inheritdoc/>
    public void WakeKswapd(Machine machine, int node, int order, int highestZoneIdx)
    {
        if (!SynchronousKswapd)
        {
            // mirrors wakeup_kswapd: pgdat->kswapd_order and kswapd_highest_zoneidx are raised before anything else,
            // also when kswapd runs or the wakeup is refused; kswapd reads them when its balance_pgdat run ends
            EnsureKswapdState(machine.NodeCount);
            _pendingOrder![node] = Math.Max(_pendingOrder[node], order);
            _pendingHigh![node] = Math.Max(_pendingHigh[node], highestZoneIdx);
        }

        // mirrors wakeup_kswapd: nothing to do if the node is balanced and no boost is pending
        bool boosted = Boosted(node);
        // "Hopeless node, leave it to direct reclaim if possible": a request that may reclaim and compact itself
        // (__GFP_DIRECT_RECLAIM) does not wake kcompactd here
        bool directReclaim = (_m.SlowpathGfp & GfpFlags.DirectReclaim) != 0;
        if (machine.KswapdFailures(node) >= Machine.MaxReclaimRetries)
        {
            if (!directReclaim)
            {
                WakeupKcompactd(node, order, highestZoneIdx);
            }

            return;
        }

        if (KswapdRunning(node))
        {
            // wakeup_kswapd while kswapd runs (!waitqueue_active): the running balance_pgdat keeps its own sc.order
            // and reclaim_idx; the raised kswapd_order/kswapd_highest_zoneidx above are read when it ends
            _kswapdForNonCma![node] &= _m.ReclaimForNonCmaRequest;
            return;
        }

        if (!boosted && PgdatBalanced(node, order, highestZoneIdx))
        {
            // plenty of free memory but too fragmented for the order: kcompactd, for requests that cannot compact
            if (!directReclaim)
            {
                WakeupKcompactd(node, order, highestZoneIdx);
            }

            return;
        }

        // trace_mm_vmscan_wakeup_kswapd: only a wakeup that finds kswapd asleep (waitqueue_active), the node not
        // hopeless and not balanced (or boosted) is one; calls while kswapd runs only raise its order and zone
        _m.Count(VmEvent.KswapdWakeups);
        if (SynchronousKswapd)
        {
            BalancePgdat(node, order, highestZoneIdx);
            return;
        }

        _kswapdForNonCma![node] = _m.ReclaimForNonCmaRequest;

        // the thread wakes from kswapd_try_to_sleep, reads (and resets) kswapd_order and kswapd_highest_zoneidx, and
        // enters balance_pgdat at DEF_PRIORITY
        StartKswapdRun(node, highestZoneIdx);
    }

    private void EnsureKswapdState(int n)
    {
        if (_kswapdPriority != null)
        {
            return;
        }

        _kswapdPriority = new int[n];
        _kswapdOrder = new int[n];
        _kswapdHigh = new int[n];
        _kswapdBoosted = new bool[n];
        _kswapdBoostReclaim = new long[n];
        _kswapdZoneBoosts = new ulong[n * _m.MaxNrZones];
        _kswapdTotal = new long[n];
        _kswapdRoundCut = new (bool, long, long, long)[n];
        _kswapdForNonCma = new bool[n];
        _pendingOrder = new int[n];
        _pendingHigh = new int[n];
        Array.Fill(_pendingHigh, -1);
    }

    // mirrors kswapd()'s "Read the new order and highest_zoneidx": alloc_order = kswapd_order,
    // highest_zoneidx = kswapd_highest_zoneidx(pgdat, previous), both reset (0, MAX_NR_ZONES); then
    // trace_mm_vmscan_kswapd_wake and balance_pgdat (pageoutrun)
    private void StartKswapdRun(int node, int previousHigh)
    {
        int order = _pendingOrder![node];
        int high = _pendingHigh![node] < 0 ? previousHigh : _pendingHigh[node];
        _pendingOrder[node] = 0;
        _pendingHigh[node] = -1;
        _m.Count(VmEvent.Pageoutrun);
        ZoneStats.BalanceClasszone[(node * _m.MaxNrZones) + high]++;
        _kswapdPriority![node] = DefPriority;
        SetReclaimActive(node, high, true);
        _kswapdOrder![node] = order;
        _kswapdHigh![node] = high;
        _kswapdBoostReclaim![node] = RecordBoosts(node, high, _kswapdZoneBoosts.AsSpan(node * _m.MaxNrZones, _m.MaxNrZones));
        _kswapdBoosted![node] = _kswapdBoostReclaim[node] != 0;
        _kswapdTotal![node] = 0;
    }

    // mirrors kswapd_try_to_sleep: kswapd sleeps when prepare_kswapd_sleep(reclaim_order) holds (the node is hopeless
    // or balanced at reclaim_order), after reset_isolation_suitable and wakeup_kcompactd(alloc_order); otherwise it
    // counts kswapd_high_wmark_hit_quickly and runs balance_pgdat again
    private bool KswapdTryToSleep(int node, int allocOrder, int reclaimOrder, int highestZoneIdx)
    {
        if (_m.KswapdFailures(node) >= Machine.MaxReclaimRetries || PgdatBalanced(node, reclaimOrder, highestZoneIdx))
        {
            Compactor.ResetIsolationSuitable(node);
            WakeupKcompactd(node, allocOrder, highestZoneIdx);
            return true;
        }

        _m.Count(VmEvent.KswapdHighWmarkHitQuickly);
        return false;
    }

    /// <summary>
    /// Advances the background kswapd of every node by <paramref name="budgetNs"/> simulated nanoseconds of its own
    /// time (one kernel thread per node, charged the cost model's per-page figures): balance_pgdat's priority loop,
    /// spread over calls, until pgdat_balanced. Does nothing when <see cref="SynchronousKswapd"/> is on. Returns the
    /// simulated nanoseconds kswapd spent (it may overrun the budget by the page it was reclaiming).
    /// </summary>
    public double RunKswapd(double budgetNs)
    {
        if (_kswapdPriority == null)
        {
            return 0;
        }

        double before = KswapdNs;
        for (int node = 0; node < _kswapdPriority.Length; node++)
        {
            if (_kswapdPriority[node] > 0)
            {
                BalancePgdatSlice(node, budgetNs);
            }
        }

        return KswapdNs - before;
    }

    /// <summary>True while the background kswapd of any node is in a balance_pgdat run.</summary>
    public bool KswapdRunning()
    {
        if (_kswapdPriority == null)
        {
            return false;
        }

        foreach (int p in _kswapdPriority)
        {
            if (p > 0)
            {
                return true;
            }
        }

        return false;
    }

    private bool Boosted(int node)
    {
        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node == node && z.Watermarks.Boost != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// mirrors <c>pgdat_balanced</c>: any eligible zone with managed pages passes the high watermark (boost
    /// included) with alloc_flags 0 — so free CMA pages do not count, and highatomic reserves are subtracted.
    /// </summary>
    public bool PgdatBalanced(int node, int order, int highestZoneIdx) => PgdatBalanced(node, order, highestZoneIdx, record: false);

    // record: a decision of balance_pgdat's loop (ZoneStats.BalancedBy / Unbalanced), not of wakeup_kswapd's check
    private bool PgdatBalanced(int node, int order, int highestZoneIdx, bool record)
    {
        bool any = false;
        // mirrors pgdat_balanced: "bottom-up as lower zones are more likely to meet watermarks", zone 0 to
        // highest_zoneidx; the first that meets its high watermark decides
        for (int t = 0; t <= highestZoneIdx && t < _m.MaxNrZones; t++)
        {
            Zone z = _m.ZoneSpan[(node * _m.MaxNrZones) + t];
            if (!z.IsPopulated)
            {
                continue;
            }

            any = true;
            if (_m.ZoneWatermarkOk(z, order, z.Watermarks.High, highestZoneIdx, 0))
            {
                if (record)
                {
                    ZoneStats.BalancedBy[z.Index]++;
                }

                return true;
            }

            if (record)
            {
                ZoneStats.Unbalanced[z.Index]++;
            }
        }

        return !any;
    }

    /// <summary>
    /// mirrors <c>balance_pgdat</c>: priority from DEF_PRIORITY down; each round reclaims up to Σ max(high, 32) of the
    /// eligible zones; stops once balanced. A run that begins with a watermark boost reclaims the boost's pages without
    /// swap or writeback (may_swap/may_writepage off above DEF_PRIORITY - 2), or restarts as an ordinary run to the
    /// boosted high watermark when the node is not balanced there; at the end it takes the boosts it began with off
    /// the zones and wakes kcompactd at pageblock order. Runs to completion. Returns pages reclaimed.
    /// </summary>
    public long BalancePgdat(int node, int order, int highestZoneIdx)
    {
        _m.Count(VmEvent.Pageoutrun);
        ZoneStats.BalanceClasszone[(node * _m.MaxNrZones) + highestZoneIdx]++;
        int priority = DefPriority;
        long total = 0;
        Span<ulong> zoneBoosts = stackalloc ulong[_m.MaxNrZones];
        long nrBoostReclaim = RecordBoosts(node, highestZoneIdx, zoneBoosts);
        bool boosted = nrBoostReclaim != 0;
        double budget = double.PositiveInfinity;
        SetReclaimActive(node, highestZoneIdx, true);
        BalancePgdatLoop(node, order, highestZoneIdx, ref nrBoostReclaim, ref priority, ref total, ref budget);
        BalancePgdatEnd(node, order, highestZoneIdx, boosted ? zoneBoosts : default, total);
        return total;
    }

    // one RunKswapd slice of the background thread's balance_pgdat run
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    private void BalancePgdatSlice(int node, double budget)
    {
        int priority = _kswapdPriority![node];
        long total = _kswapdTotal![node];
        int order = _kswapdOrder![node], high = _kswapdHigh![node];
        bool done = BalancePgdatLoop(node, order, high, ref _kswapdBoostReclaim![node], ref priority, ref total, ref budget);
        while (done)
        {
            _kswapdPriority[node] = 0;
            BalancePgdatEnd(node, order, high, _kswapdBoosted![node] ? _kswapdZoneBoosts.AsSpan(node * _m.MaxNrZones, _m.MaxNrZones) : default, total, trySleep: false);
            // mirrors kswapd(): balance_pgdat returns sc.order (dropped to 0 by kswapd_shrink_node once
            // compact_gap(order) pages were reclaimed). If it is below alloc_order, kswapd_try_to_sleep(alloc_order,
            // reclaim_order); otherwise the loop's top reads alloc_order = reclaim_order = pgdat->kswapd_order, which
            // was reset when this run began and only wakeups made during the run raised: a high-order run that
            // failed is not repeated unless the allocator asked again. Not sleeping, kswapd reads kswapd_order once
            // more and runs balance_pgdat again (a boosted run that made no progress ends with its boost taken off,
            // and the next run reclaims for the watermark itself).
            int allocOrder = order;
            int reclaimOrder = total >= (2L << order) ? 0 : order;
            if (reclaimOrder >= allocOrder)
            {
                allocOrder = reclaimOrder = _pendingOrder![node];
                high = _pendingHigh![node] < 0 ? high : _pendingHigh[node];
            }

            if (KswapdTryToSleep(node, allocOrder, reclaimOrder, high))
            {
                break;
            }

            StartKswapdRun(node, high);
            order = _kswapdOrder[node];
            high = _kswapdHigh[node];
            priority = DefPriority;
            total = 0;
            if (budget <= 0)
            {
                // the slice ended with the node still unbalanced: the thread stays runnable and starts the new
                // balance_pgdat on its next slice (it does not sleep, so no wakeup is needed)
                done = false;
                break;
            }

            done = BalancePgdatLoop(node, order, high, ref _kswapdBoostReclaim[node], ref priority, ref total, ref budget);
        }

        if (!done)
        {
            _kswapdTotal[node] = total;
            _kswapdPriority[node] = priority;
        }
    }

    // balance_pgdat's do { ... } while (sc.priority >= 1) loop; returns false when the budget ran out inside a round
    // (the round resumes at the same priority on the next slice), true when the run is over. nrBoostReclaim is
    // balance_pgdat's nr_boost_reclaim: while it is non-zero the run reclaims for the boost (no swap, no writeback
    // above DEF_PRIORITY - 2); a node not balanced at the boosted high watermark drops it and restarts.
    private bool BalancePgdatLoop(int node, int order, int highestZoneIdx, ref long nrBoostReclaim, ref int priority, ref long total, ref double budget)
    {
        // the last slice ended inside a shrinker's scan_objects (kswapd was preempted in deferred_split_scan's split
        // loop): that call comes first
        if (StillInShrinker(node, ref budget))
        {
            return false;
        }

        if (_kswapdRoundCut != null && _kswapdRoundCut[node].Cut)
        {
            // then the round that called it ends as it would have
            (bool _, long cutGot, long cutGoal, long cutScanned) = _kswapdRoundCut[node];
            _kswapdRoundCut[node] = default;
            // (the published model's boosted run ends after its one round)
            if ((!BoostedReclaimLoop && nrBoostReclaim != 0) || AfterRound(cutGot, cutScanned, cutGoal, ref nrBoostReclaim, ref priority))
            {
                return true;
            }
        }

        while (priority >= 1)
        {
            bool balanced = PgdatBalanced(node, order, highestZoneIdx, record: true);
            if (!balanced && nrBoostReclaim != 0 && BoostedReclaimLoop)
            {
                // mirrors balance_pgdat's "If the pgdat is imbalanced then ignore boosting and preserve the
                // watermarks for a later time and restart": nr_boost_reclaim = 0, goto restart at DEF_PRIORITY;
                // the boost stays in the watermarks, so the ordinary run reclaims to high + boost
                nrBoostReclaim = 0;
                priority = DefPriority;
                continue;
            }

            if (balanced && nrBoostReclaim == 0)
            {
                return true;
            }

            if (budget <= 0)
            {
                return false;
            }

            long goal = 0;
            foreach (Zone z in _m.ZoneSpan)
            {
                if (z.Node == node && (int)z.Type <= highestZoneIdx && z.IsPopulated)
                {
                    goal += Math.Max((long)z.Watermarks.High, SwapClusterMax);
                }
            }

            // balance_pgdat: sc.may_writepage = sc.may_swap = !nr_boost_reclaim, and may_writepage comes back below
            // DEF_PRIORITY - 2; get_scan_count scans only the file lists without may_swap (SCAN_FILE)
            bool boosting = nrBoostReclaim != 0;
            bool mayIo = !boosting || priority < DefPriority - 2;
            double ns = 0;
            long got = ShrinkNode(node, highestZoneIdx, priority, goal, mayIo, ref ns, kswapd: true, budget, maySwap: !boosting);
            KswapdNs += ns;
            budget -= ns;
            total += got;
            // shrink_slab (the end of shrink_node) may have handed work to a scan_objects call that takes time: kswapd
            // is inside it, and the rest of this round waits until it returns, possibly in a later slice
            if (StillInShrinker(node, ref budget))
            {
                _kswapdRoundCut![node] = (true, got, goal, _lastScanned);
                return false;
            }

            if (_budgetExhausted)
            {
                return false;
            }

            if (!BoostedReclaimLoop && boosting)
            {
                // the published model: a boosted run reclaims one round (no swap, no writeback) and ends
                return true;
            }

            if (AfterRound(got, _lastScanned, goal, ref nrBoostReclaim, ref priority))
            {
                return true;
            }
        }

        return true;
    }

    // the end of a balance_pgdat round that scanned `scanned` and reclaimed `got` of `goal`: pays off the boost
    // ("nr_boost_reclaim -= min(nr_boost_reclaim, nr_reclaimed)") and lowers the priority; true when the run ends here
    private bool AfterRound(long got, long scanned, long goal, ref long nrBoostReclaim, ref int priority)
    {
        // "Limit the priority of boosting to avoid reclaim writeback": no raise at DEF_PRIORITY - 2 while boosting
        bool raisePriority = !(nrBoostReclaim != 0 && priority == DefPriority - 2);
        nrBoostReclaim -= Math.Min(nrBoostReclaim, got);
        if (nrBoostReclaim != 0 && got == 0)
        {
            // "If reclaim made no progress for a boost, stop reclaim as IO cannot be queued"
            return true;
        }

        // the model's end of an unboosted run: a round that reclaimed nothing below DEF_PRIORITY - 2
        if (EndOnNoProgress && got == 0 && priority < DefPriority - 2)
        {
            return true;
        }

        // mirrors balance_pgdat's "if (raise_priority || !nr_reclaimed) sc.priority--": kswapd_shrink_node
        // returns sc->nr_scanned >= sc->nr_to_reclaim, and then the priority stays, so a kswapd that makes progress
        // under sustained allocation stays in one balance_pgdat run
        if (scanned >= goal)
        {
            raisePriority = false;
        }

        if (raisePriority || got == 0)
        {
            priority--;
        }

        return false;
    }

    // mirrors balance_pgdat's start: nr_boost_reclaim is the sum of watermark_boost over the node's managed zones up
    // to highest_zoneidx, each recorded in zone_boosts[] (the boosts stay in the watermarks meanwhile)
    private long RecordBoosts(int node, int highestZoneIdx, Span<ulong> zoneBoosts)
    {
        long sum = 0;
        zoneBoosts.Clear();
        for (int t = 0; t <= highestZoneIdx && t < _m.MaxNrZones; t++)
        {
            Zone z = _m.ZoneSpan[(node * _m.MaxNrZones) + t];
            if (z.Watermarks.HasManaged)
            {
                zoneBoosts[t] = z.Watermarks.Boost;
                sum += (long)z.Watermarks.Boost;
            }
        }

        return sum;
    }

    /// <summary>
    /// mirrors <c>wakeup_kcompactd</c>: nothing for order 0; otherwise the node's kcompactd_max_order and
    /// kcompactd_highest_zoneidx take the request, and kcompactd runs (here at once) when <c>kcompactd_node_suitable</c>
    /// finds a zone where <c>compaction_suitable</c> says COMPACT_CONTINUE (<see cref="Compactor.WakeupKcompactd"/>).
    /// </summary>
    private void WakeupKcompactd(int node, int order, int highestZoneIdx) => Compactor.WakeupKcompactd(node, order, highestZoneIdx);

    // mirrors set_reclaim_active / clear_reclaim_active around balance_pgdat's loop: ZONE_RECLAIM_ACTIVE on the
    // node's populated zones up to the highest index (the per-cpu lists keep at most 4 batches meanwhile)
    private void SetReclaimActive(int node, int highestZoneIdx, bool on)
    {
        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node == node && (int)z.Type <= highestZoneIdx && z.IsPopulated)
            {
                z.ReclaimActive = on;
            }
        }
    }

    // trySleep: the synchronous kswapd's approximation of kswapd_try_to_sleep at the same order (the background one
    // calls KswapdTryToSleep with kswapd()'s orders instead). zoneBoosts: the run's zone_boosts[] when it began
    // boosted, empty otherwise
    private void BalancePgdatEnd(int node, int order, int highestZoneIdx, ReadOnlySpan<ulong> zoneBoosts, long total, bool trySleep = true)
    {
        SetReclaimActive(node, highestZoneIdx, false);
        bool boosted = !zoneBoosts.IsEmpty;
        if (boosted)
        {
            // mirrors balance_pgdat's "If reclaim was boosted, account for the reclaim done in this pass": each zone
            // loses the boost it had when the run began (a boost raised meanwhile stays), then wakeup_kcompactd at
            // pageblock_order ("As there is now likely space")
            for (int t = 0; t < zoneBoosts.Length; t++)
            {
                if (zoneBoosts[t] != 0)
                {
                    Zone z = _m.ZoneSpan[(node * _m.MaxNrZones) + t];
                    z.Watermarks.Boost -= Math.Min(z.Watermarks.Boost, zoneBoosts[t]);
                }
            }

            if (!BoostedReclaimLoop)
            {
                // the published model clears every boost of the node, also one raised during the run
                _m.ClearBoosts(node);
            }

            WakeupKcompactd(node, Pageblock.Order, highestZoneIdx);
        }

        int failures = total == 0 ? _m.KswapdFailures(node) + 1 : 0;
        // kswapd_try_to_sleep: once prepare_kswapd_sleep holds, reset_isolation_suitable clears compaction's skip bits
        if (trySleep && !boosted && (failures >= Machine.MaxReclaimRetries || PgdatBalanced(node, total >= (2L << order) ? 0 : order, highestZoneIdx)))
        {
            Compactor.ResetIsolationSuitable(node);
        }

        if (trySleep && !boosted && order > 0)
        {
            // mirrors kswapd_try_to_sleep (6.1): kcompactd is woken only when kswapd may sleep, i.e.
            // prepare_kswapd_sleep(reclaim_order) holds: the node is hopeless, or it is balanced at the order
            // balance_pgdat returned (kswapd_shrink_node drops sc->order to 0 once compact_gap(order) = 2 << order
            // pages were reclaimed). A kswapd that reclaimed nothing for an order it cannot reach leaves the
            // compaction to the allocating task (direct compaction).
            int reclaimOrder = total >= (2L << order) ? 0 : order;
            if (failures >= Machine.MaxReclaimRetries || PgdatBalanced(node, reclaimOrder, highestZoneIdx))
            {
                WakeupKcompactd(node, order, highestZoneIdx);
            }
        }

        _m.SetKswapdFailures(node, failures);
        _m.DebugCheck();
    }

    /// <inheritdoc/>
    public long DirectReclaim(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx)
    {
        // mirrors try_to_free_pages -> do_try_to_free_pages: SWAP_CLUSTER_MAX pages, priority 12 -> 0,
        // zonelist nodes in order (the local node first)
        long total = 0;
        bool mayIo = (gfp & GfpFlags.Io) != 0;
        // skip_cma reads sc->gfp_mask: gfp_migratetype is MIGRATE_MOVABLE only with __GFP_MOVABLE
        _directNotMovable = (gfp & GfpFlags.Movable) == 0;
        _directIoFs = (gfp & (GfpFlags.Io | GfpFlags.Fs)) == (GfpFlags.Io | GfpFlags.Fs);
        bool compactionReady = false;
        for (int priority = DefPriority; priority >= 0 && total < SwapClusterMax && !compactionReady; priority--)
        {
            foreach (int n in NodeOrder(node))
            {
                // shrink_zones: a costly request leaves a node whose zones are all compaction_ready; the priority
                // loop then ends (sc->compaction_ready)
                bool skip = NodeCompactionReady(n, order, highestZoneIdx, out bool anyReady);
                compactionReady |= anyReady;
                if (skip)
                {
                    continue;
                }

                double ns = 0;
                long round = ShrinkNode(n, highestZoneIdx, priority, SwapClusterMax - total, mayIo, ref ns, kswapd: false, double.PositiveInfinity);
                total += round;
                DirectReclaimNs += ns;
                // shrink_node's "goto again" (should_continue_reclaim): each round is a new shrink_lruvec with its
                // own nr_to_reclaim of SWAP_CLUSTER_MAX, and each passed shrink_lruvec's cond_resched(), where kswapd
                // may have had the CPU (its reclaim counts in the next round's compaction_suitable)
                while (ShouldContinueReclaimAfterResched(n, order, highestZoneIdx, priority, round))
                {
                    ns = 0;
                    round = ShrinkNode(n, highestZoneIdx, priority, SwapClusterMax, mayIo, ref ns, kswapd: false, double.PositiveInfinity);
                    total += round;
                    DirectReclaimNs += ns;
                }

                if (total >= SwapClusterMax)
                {
                    break;
                }
            }
        }

        if (total > 0)
        {
            for (int n = 0; n < machine.NodeCount; n++)
            {
                machine.SetKswapdFailures(n, 0);
            }
        }

        machine.DebugCheck();
        DirectReclaimed?.Invoke();
        return total;
    }

    /// <summary>
    /// Called after every direct reclaim pass (try_to_free_pages): the allocating task passed cond_resched()
    /// points in shrink_node, where a scheduler model may hand the CPU to kswapd (<see cref="SingleCpuScheduler"/>).
    /// </summary>
    public Action? DirectReclaimed { get; set; }

    /// <inheritdoc/>
    public DirectCompactResult DirectCompact(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx, MigrateType mt, CompactPriority prio)
    {
        // the allocating task waits for try_to_compact_pages (__alloc_pages_direct_compact): its share is a stall
        double before = Compactor.CompactNs;
        CompactResult rc = Compactor.TryToCompactPages(node, order, gfp, highestZoneIdx, mt, prio);
        DirectCompactNs += Compactor.CompactNs - before;
        return rc switch
        {
            CompactResult.Skipped => DirectCompactResult.Skipped,
            CompactResult.Deferred => DirectCompactResult.Deferred,
            CompactResult.Complete => DirectCompactResult.Complete,
            CompactResult.Contended => DirectCompactResult.Contended,
            CompactResult.Success => DirectCompactResult.Success,
            _ => throw new InvalidOperationException($"try_to_compact_pages returned {rc}"),
        };
    }

    /// <summary>
    /// The OOM killer. A workload that tracks its processes (<see cref="OomKillTask"/>) chooses and kills one task;
    /// otherwise, or when no task holds memory, the victim is the node's anonymous memory (the "largest task"), all
    /// of it freed. Without anonymous memory nothing can be killed. Returns true when pages were freed.
    /// </summary>
    public bool OutOfMemory(Machine machine, int node, int order, GfpFlags gfp)
    {
        // a workload that knows its processes kills one of them (select_bad_process, oom_kill_process)
        if (OomKillTask != null && OomKillTask(node) > 0)
        {
            machine.DebugCheck();
            return true;
        }

        long freed = 0;
        foreach (int n in NodeOrder(node))
        {
            foreach (LruList l in new[] { LruList.InactiveAnon, LruList.ActiveAnon })
            {
                for (int i = machine.LruTailIndex(n, l); i != Machine.Nil;)
                {
                    int prev = machine.LruPrevIndex(i);
                    freed += 1L << machine.OrderAt(i);
                    machine.ReclaimBlock(i);
                    i = prev;
                }
            }

            if (freed > 0)
            {
                break;
            }
        }

        machine.DebugCheck();
        return freed > 0;
    }

    private IEnumerable<int> NodeOrder(int node)
    {
        yield return node;
        for (int n = 0; n < _m.NodeCount; n++)
        {
            if (n != node)
            {
                yield return n;
            }
        }
    }

    /// <summary>
    /// One folio at the tail of an inactive list, as isolate_lru_folios (6.1; isolate_lru_pages before) takes it: its
    /// pages count as walked and scanned (pgscan) and cost scan time; a folio of a zone above sc->reclaim_idx (or a
    /// CMA folio skip_cma skips) is counted in nr_skipped[zone] (pgskip_*) instead of being taken, and spliced back to
    /// the head of the list ("this disrupts the LRU order"). Returns true for a skipped folio.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ScanOrSkip(int i, LruList list, int reclaimIdx, bool kswapd, ref double ns, ref long walked, ref long total, out long pages, out int zi)
    {
        pages = 1L << _m.OrderAt(i);
        zi = _m.ZoneAt(i);
        walked += pages;
        total += pages;
        ns += pages * CostModel.ScanNs;
        (kswapd ? ZoneStats.ScanKswapd : ZoneStats.ScanDirect)[zi] += pages;
        if ((int)_m.ZoneSpan[zi].Type > reclaimIdx || SkipCma(kswapd, i))
        {
            ZoneStats.Skipped[zi] += pages;
            _m.LruMove(i, list);
            return true;
        }

        return false;
    }

    // mirrors shrink_node -> shrink_lruvec at model level: age the active lists, then scan the inactive lists from
    // the tail, file before anon (anon only with swap), scanning lru_size >> priority (at least SWAP_CLUSTER_MAX); the
    // anonymous list in shrink_folio_list's batches (ReclaimModel.Anon.cs). Scanning stops early once ns reaches
    // budgetNs (the background kswapd's time slice), flagged in _budgetExhausted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    private long ShrinkNode(int node, int reclaimIdx, int priority, long goal, bool mayIo, ref double ns, bool kswapd, double budgetNs, bool maySwap = true)
    {
        long reclaimed = 0;
        // a direct reclaimer has no budget: a flag left by the background kswapd's last slice must not stop its scan
        _budgetExhausted = false;
        _lastScanned = 0;
        // mirrors get_scan_count / can_reclaim_anon_pages: anon LRUs are scanned only while free swap space exists
        bool swap = maySwap && _m.Spec.SwapPages > _m.SwapUsedPages;
        // mirrors get_scan_count's SCAN_FILE case (v4.10-v6.1): while the inactive file list is not low and has pages
        // to scan at this priority, "do not reclaim anything from the anonymous working set right now"
        long inactiveFile = _m.LruPages(node, LruList.InactiveFile);
        if (swap && (inactiveFile >> priority) > 0 && inactiveFile >= _m.LruPages(node, LruList.ActiveFile))
        {
            swap = false;
        }
        // a direct reclaimer's batches (below) where get_scan_count scans one kind of list: SCAN_FILE (cache trim mode,
        // or no swap) or anon only (no file pages). For SCAN_FRACT the kernel interleaves anon and file batches in
        // proportion to swappiness and the recorded reclaim costs; the model's file-then-anon pass keeps the
        // SWAP_CLUSTER_MAX floor and the stop at nr_to_reclaim there, which bounds how much anon it swaps.
        bool oneKind = !kswapd && (!swap || _m.LruPages(node, LruList.InactiveFile) + _m.LruPages(node, LruList.ActiveFile) == 0);
        foreach ((LruList inactive, LruList active) in new[] { (LruList.InactiveFile, LruList.ActiveFile), (LruList.InactiveAnon, LruList.ActiveAnon) })
        {
            bool anon = inactive == LruList.InactiveAnon;
            if (anon && !swap)
            {
                continue;
            }

            long size = _m.LruPages(node, inactive) + _m.LruPages(node, active);
            long toScan = Math.Max(size >> priority, SwapClusterMax);
            Age(node, inactive, active, toScan, ref ns);
            if (TooManyIsolated(node, !anon, kswapd))
            {
                // shrink_lruvec calls shrink_inactive_list once per SWAP_CLUSTER_MAX of nr[lru] (get_scan_count: the
                // list >> priority, the model's floor for a mixed scan); each throttles once and, still too many
                // isolated (only the migration waiting on this reclaim could put them back), returns 0
                long nr = oneKind ? _m.LruPages(node, inactive) >> priority : toScan;
                ns += (nr + SwapClusterMax - 1) / SwapClusterMax * IsolatedThrottleNs;
                continue;
            }

            if (anon)
            {
                // get_scan_count: nr[LRU_INACTIVE_ANON] = its size >> priority (no floor); a SCAN_FRACT direct
                // reclaimer keeps the model's floor (above) as its bound on the anon share it does not compute
                // (lruvec_lru_size(lruvec, lru, sc->reclaim_idx): the pages of the eligible zones only)
                long anonScan = kswapd || oneKind ? EligibleLruPages(node, inactive, reclaimIdx) >> priority : toScan;
                long got = ShrinkInactiveAnon(node, reclaimIdx, anonScan, goal - reclaimed, oneKind && priority == DefPriority, mayIo, ref ns, kswapd, budgetNs, out long anonScanned, out long anonTotal);
                reclaimed += got;
                _lastScanned += anonScanned;
                _m.Count(kswapd ? VmEvent.PgscanKswapd : VmEvent.PgscanDirect, anonTotal);
                _m.Count(VmEvent.PgscanAnon, anonTotal);
                break;
            }

            // scanned: isolate_lru_folios' scan (eligible pages, bounded by nr_to_scan); total: its total_scan (skipped
            // pages too: what pgscan_* counts); walked is bounded by the list so that spliced pages are not revisited
            long scanned = 0, total = 0, walked = 0, listPages = _m.LruPages(node, inactive);
            long batchEnd = 0;
            if (oneKind)
            {
                // mirrors get_scan_count + shrink_lruvec for a direct reclaimer (6.1): nr[lru] = lru size >> priority
                // (no SWAP_CLUSTER_MAX floor), isolated in batches of up to SWAP_CLUSTER_MAX that shrink_folio_list
                // reclaims whole; nr_to_reclaim is checked between batches only, and not at all at DEF_PRIORITY
                // (proportional_reclaim scans the whole nr[] there)
                toScan = listPages >> priority;
            }

            int i = _m.LruTailIndex(node, inactive);
            while (i != Machine.Nil && scanned < toScan && walked < listPages && (reclaimed < goal || (oneKind && (priority == DefPriority || scanned < batchEnd))))
            {
                if (oneKind && scanned >= batchEnd)
                {
                    batchEnd = scanned + Math.Min(SwapClusterMax, toScan - scanned);
                }

                if (ns >= budgetNs)
                {
                    _budgetExhausted = true;
                    break;
                }

                int prev = _m.LruPrevIndex(i);
                if (ScanOrSkip(i, inactive, reclaimIdx, kswapd, ref ns, ref walked, ref total, out long pages, out int zi))
                {
                    i = prev;
                    continue;
                }

                scanned += pages;

                if (BufferHeld is { Count: > 0 } held && held.Contains(_m.PfnAt(i)))
                {
                    // shrink_folio_list (6.1 mm/vmscan.c): filemap_release_folio → try_to_free_buffers fails on a
                    // busy buffer (b_count held: a block the journal holds), "goto activate_locked"
                    _m.LruMove(i, active);
                    i = prev;
                    continue;
                }

                var use = PageState.UseOf(_m.InfoAt(i));
                if (use == PageUse.FileDirty)
                {
                    if (!mayIo)
                    {
                        i = prev;
                        continue;
                    }

                    // writeback, then the page is clean and reclaimable (the model does not wait for the I/O)
                    ns += pages * CostModel.WritebackNs;
                    _m.SetDirty(_m.PfnAt(i), false);
                }

                ns += pages * CostModel.DropCleanNs;
                FileDropped?.Invoke(_m.PfnAt(i));

                if ((kswapd && !SynchronousKswapd ? _kswapdForNonCma![node] : _m.ReclaimForNonCmaRequest) && IsMovableOnly(i))
                {
                    // shrink_node does not filter by migratetype (5da226dbfce3 "skip CMA pages" was reverted):
                    // these pages cannot serve the unmovable request that triggered reclaim
                    _m.Count(VmEvent.PgstealWastedModel, pages);
                    ZoneStats.Wasted[zi] += pages;
                }

                (kswapd ? ZoneStats.StealKswapd : ZoneStats.StealDirect)[zi] += pages;
                RecordAge(node, inactive, i, pages);
                _m.ReclaimBlock(i);
                reclaimed += pages;
                _m.Count(VmEvent.PgstealFile, pages);
                i = prev;
            }

            _lastScanned += scanned;
            _m.Count(kswapd ? VmEvent.PgscanKswapd : VmEvent.PgscanDirect, total);
            _m.Count(VmEvent.PgscanFile, total);
            if (reclaimed >= goal || _budgetExhausted)
            {
                break;
            }
        }

        _m.Count(kswapd ? VmEvent.PgstealKswapd : VmEvent.PgstealDirect, reclaimed);
        reclaimed += ShrinkSlab(node, priority, ref ns, kswapd && !SynchronousKswapd);
        return reclaimed;
    }

    // mirrors lruvec_lru_size (6.1 mm/vmscan.c): the pages of a node's LRU list in its zones up to reclaim_idx
    // (get_scan_count's lruvec_size; the whole list is walked, the other zones' folios skipped)
    private long EligibleLruPages(int node, LruList lru, int reclaimIdx)
    {
        long pages = 0;
        for (int t = 0; t <= reclaimIdx && t < _m.MaxNrZones; t++)
        {
            pages += _m.ZoneSpan[(node * _m.MaxNrZones) + t].LruPages[(int)lru];
        }

        return pages;
    }

    // LRU order of a reclaimed block: its age, and how many pages of its list older than it stay resident
    private void RecordAge(int node, LruList list, int i, long pages)
    {
        LruAgeTracker? ages = _m.LruAges;
        if (ages == null)
        {
            return;
        }

        int stamp = ages.StampOf(i);
        long older = ages.OlderThan(node, list, stamp);
        ZoneStats.AgedPages += pages;
        if (older > 0)
        {
            ZoneStats.InvertedPages += pages;
            ZoneStats.InversionPairs += older * pages;
        }

        ZoneStats.AgeHistogram[ReclaimZoneStats.Bucket((ages.Clock - stamp) * LruTickSeconds)] += pages;
    }

    // mirrors skip_cma (5da226dbfce3, v6.5 to v6.10 only): direct reclaim for a request whose gfp_migratetype is not
    // MIGRATE_MOVABLE (the requests without ALLOC_CMA) skips folios in MIGRATE_CMA pageblocks like folios of zones
    // above reclaim_idx; kswapd cannot tell (its sc->gfp_mask is GFP_KERNEL) and ZONE_MOVABLE is not skipped
    private bool SkipCma(bool kswapd, int i)
        => _m.Version == KernelVersion.V6_6 && !kswapd && _directNotMovable && _m.PageblockType(_m.PfnAt(i)) == MigrateType.Cma;

    // the direct reclaim's request has no __GFP_MOVABLE (read by SkipCma)
    private bool _directNotMovable;

    // movable-only memory: a MIGRATE_CMA pageblock or a zone only __GFP_MOVABLE|__GFP_HIGHMEM reaches
    private bool IsMovableOnly(int i)
        => _m.ZoneSpan[_m.ZoneAt(i)].Type is ZoneType.Movable or ZoneType.Cma || _m.PageblockType(_m.PfnAt(i)) == MigrateType.Cma;

    // mirrors shrink_slab (6.1 mm/vmscan.c): every registered shrinker once per node and priority; the slab pages'
    // shrinker first (its freed pages count as reclaimed, reclaim_state->reclaimed_slab), then the object-counted
    // ones through do_shrink_slab (Shrinker.DoShrinkSlab; slabs_scanned counts their objects)
    private long ShrinkSlab(int node, int priority, ref double ns, bool backgroundKswapd)
    {
        long freed = ShrinkSlabPageLru(node, priority, ref ns);
        foreach (Shrinker s in Shrinkers)
        {
            // a call the background kswapd leaves in flight is counted in slabs_scanned when it returns
            // (do_shrink_slab's count_vm_events after scan_objects), in DrainShrinkersInFlight
            s.InBackgroundKswapd = backgroundKswapd;
            long inFlight = s.ScanInFlight(node);
            s.DoShrinkSlab(node, priority, out long scanned);
            s.InBackgroundKswapd = false;
            _m.Count(VmEvent.SlabsScanned, scanned - (s.ScanInFlight(node) - inFlight));
        }

        return freed;
    }

    private bool ShrinkersInFlight(int node)
    {
        foreach (Shrinker s in Shrinkers)
        {
            if (s.ScanInFlight(node) > 0)
            {
                return true;
            }
        }

        return false;
    }

    // kswapd goes on inside the scan_objects calls left in flight, within its budget; true when one still runs (the
    // slice ends inside it)
    private bool StillInShrinker(int node, ref double budget)
    {
        if (!ShrinkersInFlight(node))
        {
            return false;
        }

        budget -= DrainShrinkersInFlight(node, budget);
        return ShrinkersInFlight(node);
    }

    // the background kswapd goes on inside the scan_objects calls its last slice left in flight; returns the time spent
    private double DrainShrinkersInFlight(int node, double budget)
    {
        double spent = 0;
        foreach (Shrinker s in Shrinkers)
        {
            if (s.ScanInFlight(node) > 0 && spent < budget)
            {
                spent += s.RunInFlight(node, budget - spent, out long done);
                _m.Count(VmEvent.SlabsScanned, done);
            }
        }

        KswapdNs += spent;
        return spent;
    }

    // do_shrink_slab with DEFAULT_SEEKS (2) over the SlabReclaimable LRU: scan 4 * (freeable >> priority) / 2
    // objects; the model's objects are pages, freed oldest first. Slab is node-aware, not zone-aware (no pgskip)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    private long ShrinkSlabPageLru(int node, int priority, ref double ns)
    {
        if (!ShrinkSlabPages)
        {
            return 0;
        }

        long freeable = _m.LruPages(node, LruList.SlabReclaimable);
        long toScan = Math.Min(freeable, 2 * (freeable >> priority));
        long freed = 0;
        int i = _m.LruTailIndex(node, LruList.SlabReclaimable);
        while (i != Machine.Nil && freed < toScan)
        {
            int prev = _m.LruPrevIndex(i);
            long pages = 1L << _m.OrderAt(i);
            ns += pages * (CostModel.ScanNs + CostModel.DropCleanNs);
            _m.ReclaimBlock(i);
            freed += pages;
            i = prev;
        }

        _m.Count(VmEvent.SlabsScanned, freed);
        return freed;
    }

    // mirrors shrink_active_list when inactive_is_low: deactivate from the active tail until inactive >= active
    private void Age(int node, LruList inactive, LruList active, long budget, ref double ns)
    {
        while (budget > 0 && _m.LruPages(node, inactive) < _m.LruPages(node, active))
        {
            int i = _m.LruTailIndex(node, active);
            if (i == Machine.Nil)
            {
                break;
            }

            long pages = 1L << _m.OrderAt(i);
            budget -= pages;
            ns += pages * CostModel.ScanNs;
            // folio_referenced clears the young PTEs of every folio shrink_active_list looks at; PG_referenced stays
            _m.SetRefs(i, (byte)(_m.RefsAt(i) & ~Machine.RefYoung));
            _m.LruMove(i, inactive);
        }
    }
}
