using System.Runtime.CompilerServices;
using ZoneLab.Layout;

namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    /// <summary>Reclaim/compaction/OOM behaviour; null means none (allocations that need them fail).</summary>
    public IMemoryPressureHandler? Pressure { get; set; }

    /// <summary><c>MAX_RECLAIM_RETRIES</c>.</summary>
    public const int MaxReclaimRetries = 16;

    private int[]? _kswapdFailures;

    /// <summary>Pages currently swapped out (driven by the reclaim model).</summary>
    public long SwapUsedPages { get; set; }

    /// <summary><c>pgdat-&gt;kswapd_failures</c>: consecutive kswapd runs that reclaimed nothing.</summary>
    public int KswapdFailures(int node) => _kswapdFailures?[node] ?? 0;

    /// <summary>Sets <c>kswapd_failures</c> (by the reclaim model).</summary>
    public void SetKswapdFailures(int node, int value)
    {
        _kswapdFailures ??= new int[NodeCount];
        _kswapdFailures[node] = value;
    }

    /// <summary>
    /// True while the slow path of a request without ALLOC_CMA runs kswapd or direct reclaim: pages reclaimed from
    /// movable-only memory then cannot serve the request (counted as <see cref="VmEvent.PgstealWastedModel"/>).
    /// </summary>
    internal partial bool ReclaimForNonCmaRequest { get => field; private set => field = value; }

    /// <summary>The GFP mask of the request whose slow path runs (wakeup_kswapd and kcompactd decisions read it).</summary>
    internal partial GfpFlags SlowpathGfp { get => field; private set => field = value; }

    /// <summary>mirrors <c>gfp_zone</c> on this machine's GFP_ZONE_TABLE: the highest zone index the mask may use.</summary>
    public int GfpZoneIndex(GfpFlags gfp) => _gfpZone[(uint)gfp & 0xF];

    // shrink_node/balance_pgdat do not know the request's migratetype; the flag lets the reclaim model attribute
    // what it freed to the request that triggered it
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    private int AllocSlowpath(GfpFlags gfp, int order, int[] zl, int pref, int high, MigrateType mt, out AllocFailure why)
    {
        ReclaimForNonCmaRequest = CmaFlag(mt) == 0;
        SlowpathGfp = gfp;
        int i = AllocSlowpathCore(gfp, order, zl, pref, high, mt, out why);
        ReclaimForNonCmaRequest = false;
        SlowpathGfp = GfpFlags.None;
        return i;
    }

    // mirrors __alloc_pages_slowpath at model level
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    private int AllocSlowpathCore(GfpFlags gfp, int order, int[] zl, int pref, int high, MigrateType mt, out AllocFailure why)
    {
        AllocFlags af = GfpToAllocFlags(gfp, order, mt);
        int node = _zones[zl[pref]].Node;
        if ((af & AllocFlags.Kswapd) != 0)
        {
            WakeAllKswapds(order, zl, high);
        }

        int i = GetPageFromFreelist(gfp, order, af, zl, pref, high, mt);
        if (i != Nil)
        {
            why = AllocFailure.None;
            return i;
        }

        // __gfp_pfmemalloc_flags: __GFP_MEMALLOC ignores watermarks
        if ((gfp & GfpFlags.Memalloc) != 0 && (gfp & GfpFlags.NoMemalloc) == 0)
        {
            i = GetPageFromFreelist(gfp, order, af | AllocFlags.NoWatermarks, zl, pref, high, mt);
            if (i != Nil)
            {
                why = AllocFailure.None;
                return i;
            }
        }

        if ((gfp & GfpFlags.DirectReclaim) == 0 || Pressure is null)
        {
            why = _watermarkPassed ? AllocFailure.Fragmented : AllocFailure.Watermark;
            return Nil;
        }

        // mirrors __alloc_pages_slowpath (6.1): costly requests, and non-movable high-order ones, first try a direct
        // compaction (6.1 at INIT_COMPACT_PRIORITY, async; the engine at InitialCompactPriority, see there); a costly
        // __GFP_NORETRY request (THP faults) stops there when every zone was skipped or deferred, and otherwise keeps
        // compacting async
        int noProgress = 0, compactionRetries = 0;
        bool costly = order > Pageblock.CostlyOrder;
        CompactPriority prio = CompactPriority.SyncLight; // DEF_COMPACT_PRIORITY
        DirectCompactResult compactResult = DirectCompactResult.Skipped;
        bool pfmemalloc = (gfp & GfpFlags.Memalloc) != 0 && (gfp & GfpFlags.NoMemalloc) == 0;
        if ((costly || (order > 0 && mt != MigrateType.Movable)) && !pfmemalloc)
        {
            i = DirectCompactAlloc(gfp, order, af, zl, pref, high, mt, node, InitialCompactPriority, out compactResult);
            if (i != Nil)
            {
                why = AllocFailure.None;
                return i;
            }

            if (costly && (gfp & GfpFlags.NoRetry) != 0)
            {
                if (compactResult is DirectCompactResult.Skipped or DirectCompactResult.Deferred)
                {
                    why = AllocFailure.OutOfMemory;
                    return Nil;
                }

                prio = CompactPriority.Async; // INIT_COMPACT_PRIORITY
            }
        }

        for (int attempt = 0; ; attempt++)
        {
            // retry: "Ensure kswapd doesn't accidentally go to sleep as long as we loop" (the first pass's wakeup
            // is the one above: kswapd has not finished since)
            if (attempt > 0)
            {
                if ((af & AllocFlags.Kswapd) != 0)
                {
                    WakeAllKswapds(order, zl, high);
                }

                i = GetPageFromFreelist(gfp, order, af, zl, pref, high, mt);
                if (i != Nil)
                {
                    why = AllocFailure.None;
                    return i;
                }
            }

            Count(VmEvent.AllocstallDma + Math.Min(high, (int)ZoneType.Device));
            long reclaimed = Pressure.DirectReclaim(this, node, order, gfp, high);
            i = GetPageFromFreelist(gfp, order, af, zl, pref, high, mt);
            if (i == Nil && reclaimed > 0 && PerCpuLists)
            {
                // __alloc_pages_direct_reclaim: after a reclaim that made progress, a failed attempt drains the
                // per-cpu lists (drain_all_pages(NULL)) and retries once, on every call
                DrainAllPages();
                i = GetPageFromFreelist(gfp, order, af, zl, pref, high, mt);
            }

            if (i != Nil)
            {
                why = AllocFailure.None;
                return i;
            }

            // "Try direct compaction and then allocating"
            if (order > 0)
            {
                i = DirectCompactAlloc(gfp, order, af, zl, pref, high, mt, node, prio, out compactResult);
                if (i != Nil)
                {
                    why = AllocFailure.None;
                    return i;
                }
            }

            // "Do not loop if specifically requested"; costly orders loop only with __GFP_RETRY_MAYFAIL
            if ((gfp & GfpFlags.NoRetry) != 0 || (costly && (gfp & GfpFlags.RetryMayfail) == 0))
            {
                why = AllocFailure.OutOfMemory;
                return Nil;
            }

            if (ShouldReclaimRetry(order, af, zl, high, reclaimed, ref noProgress))
            {
                if (reclaimed == 0)
                {
                    UnreserveHighatomicPageblock(node, high, mt, force: false);
                }

                continue;
            }

            // "It doesn't make any sense to retry for the compaction if the order-0 reclaim is not able to make
            // any progress"
            if (reclaimed > 0 && ShouldCompactRetry(order, af, zl, high, compactResult, ref prio, ref compactionRetries))
            {
                continue;
            }

            break;
        }

        // __alloc_pages_may_oom: not for costly orders, __GFP_NORETRY/RETRY_MAYFAIL/THISNODE, or below ZONE_NORMAL
        UnreserveHighatomicPageblock(node, high, mt, force: true);
        bool oomAllowed = order <= Pageblock.CostlyOrder && high >= (int)ZoneType.Normal
            && (gfp & (GfpFlags.NoRetry | GfpFlags.RetryMayfail | GfpFlags.ThisNode)) == 0;
        if (oomAllowed && Pressure.OutOfMemory(this, node, order, gfp))
        {
            Count(VmEvent.OomKill);
            i = GetPageFromFreelist(gfp, order, af | AllocFlags.Oom, zl, pref, high, mt);
            if (i != Nil)
            {
                why = AllocFailure.None;
                return i;
            }
        }

        why = AllocFailure.OutOfMemory;
        return Nil;
    }

    // mirrors should_reclaim_retry (4.10-6.1): progress resets no_progress_loops (costly orders always count);
    // past MAX_RECLAIM_RETRIES give up; otherwise retry while some zone would pass its min watermark if the
    // reclaimable pages (less no_progress_loops/16 of them) were freed. zone_reclaimable_pages is per zone; the
    // model's LRU counts are per node, so each zone is credited with its node's (file, plus anon while swap is
    // free): that can only delay the OOM, and the loop still ends once reclaim stops making progress.
    private bool ShouldReclaimRetry(int order, AllocFlags af, int[] zl, int high, long reclaimed, ref int noProgress)
    {
        noProgress = reclaimed > 0 && order <= Pageblock.CostlyOrder ? 0 : noProgress + 1;
        if (noProgress > MaxReclaimRetries)
        {
            return false;
        }

        foreach (int zi in zl)
        {
            Zone zone = _zones[zi];
            if ((int)zone.Type > high || !zone.IsPopulated)
            {
                continue;
            }

            long reclaimable = LruPages(zone.Node, LruList.InactiveFile) + LruPages(zone.Node, LruList.ActiveFile);
            if (Spec.SwapPages > SwapUsedPages)
            {
                reclaimable += LruPages(zone.Node, LruList.InactiveAnon) + LruPages(zone.Node, LruList.ActiveAnon);
            }

            long available = reclaimable - ((noProgress * reclaimable) + MaxReclaimRetries - 1) / MaxReclaimRetries;
            if (ZoneWatermarkOkFree(zone, order, (long)zone.Watermarks.Min, high, af, available + zone.NrFreePages))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>mirrors <c>gfp_to_alloc_flags</c> (6.1 with the ALLOC_MIN_RESERVE/NON_BLOCK backport).</summary>
    public static AllocFlags GfpToAllocFlags(GfpFlags gfp, int order, MigrateType mt)
    {
        AllocFlags af = AllocFlags.WmarkMin | AllocFlags.Cpuset;
        if ((gfp & GfpFlags.High) != 0)
        {
            af |= AllocFlags.MinReserve;
        }

        if ((gfp & GfpFlags.KswapdReclaim) != 0)
        {
            af |= AllocFlags.Kswapd;
        }

        if ((gfp & GfpFlags.DirectReclaim) == 0)
        {
            if ((gfp & GfpFlags.NoMemalloc) == 0)
            {
                af |= AllocFlags.NonBlock;
                if (order > 0 && (af & AllocFlags.MinReserve) != 0)
                {
                    af |= AllocFlags.HighAtomic;
                }
            }

            if ((af & AllocFlags.MinReserve) != 0)
            {
                af &= ~AllocFlags.Cpuset;
            }
        }

        return af | CmaFlag(mt);
    }

    // mirrors wake_all_kswapds: once per node of the eligible zones
    private void WakeAllKswapds(int order, int[] zl, int high)
    {
        int lastNode = -1;
        foreach (int zi in zl)
        {
            Zone z = _zones[zi];
            if ((int)z.Type > high || z.Node == lastNode)
            {
                continue;
            }

            lastNode = z.Node;
            WakeupKswapd(z, order, high);
        }
    }

    private void WakeupKswapd(Zone zone, int order, int high)
    {
        // the kswapd_wakeups_model counter (trace_mm_vmscan_wakeup_kswapd) is counted by the reclaim model, which
        // knows whether kswapd sleeps, as wakeup_kswapd's waitqueue_active check does
        Pressure?.WakeKswapd(this, zone.Node, order, high);
    }
}
