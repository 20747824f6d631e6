using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    // One order-0 page for use, exactly as Allocate(0, gfp, node, use): the workload's
    // anonymous and page-cache faults (about two million a run) go through here. The common case of
    // get_page_from_freelist is taken without the general walk: the preferred zone passes
    // zone_watermark_fast's order-0 shortcut and __rmqueue finds a page on the migratetype's (or, for
    // ALLOC_CMA, the CMA) lists by __rmqueue_smallest. Everything else (per-cpu lists, __GFP_THISNODE, a
    // zone below its mark, fallback stealing, v4.10's order, the slow path) goes to Allocate before
    // any state has changed, so both paths leave the same machine.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    internal partial AllocResult AllocateOrder0(GfpFlags gfp, int node, PageUse use)
    {
        int high = _gfpZone[(uint)gfp & 0xF];
        if (PerCpuLists || Version == KernelVersion.V4_10 || (uint)node >= (uint)NodeCount || high < 0
            || (gfp & GfpFlags.ThisNode) != 0 || use == PageUse.Auto)
        {
            return Allocate(0, gfp, node, use);
        }

        // as Allocate: prepare_alloc_pages, first_zones_zonelist, ALLOC_WMARK_LOW | ALLOC_CMA | alloc_flags_nofragment
        MigrateType mt = PageGroupByMobilityDisabled ? MigrateType.Unmovable : Gfp.MigrateTypeOf(gfp);
        int[] zl = _zonelists[node];
        int slot = node * MaxNrZones + high;
        int pref = _preferredPos[slot];
        if (pref < 0)
        {
            return Allocate(0, gfp, node, use);
        }

        AllocFlags af = AllocFlags.WmarkLow | CmaFlag(mt) | _nofragment[slot] | (AllocFlags)((uint)gfp & (uint)GfpFlags.KswapdReclaim);
        bool cma = (af & AllocFlags.Cma) != 0;
        Zone preferred = _zones[zl[pref]];
        Zone? zone = null;
        int i = Nil;
        for (int p = pref; p < zl.Length; p++)
        {
            zone = _zones[zl[p]];
            if ((int)zone.Type > high)
            {
                continue;
            }

            if (zone.Node != preferred.Node)
            {
                // get_page_from_freelist drops ALLOC_NOFRAGMENT here and walks again: the general path's case
                return Allocate(0, gfp, node, use);
            }

            // zone_watermark_fast at WMARK_LOW without reserve rights: for order 0 its shortcut decides (the full
            // __zone_watermark_ok test gives the same answer, and the GFP_ATOMIC boost retry is for WMARK_MIN)
            long freePages = zone.NrFreePages;
            long usable = freePages - Math.Min(freePages, UnusableFree(zone, 0, af));
            if (usable <= (long)zone.Watermarks.Mark(WatermarkIndex.Low) + (long)zone.Watermarks.LowmemReserve[high])
            {
                continue;
            }

            // rmqueue -> __rmqueue up to its fallback: "prefer CMA" (v5.7+), then the migratetype's lists, then
            // CMA's. A miss in __rmqueue_smallest changes nothing, so the fallback (pageblock stealing) is left to
            // the general path, which repeats these misses first.
            if (cma && zone.NrFreeCmaPages > zone.NrFreePages / 2)
            {
                i = RmqueueSmallest(zone, 0, MigrateType.Cma);
            }

            if (i == Nil)
            {
                i = RmqueueSmallest(zone, 0, mt);
                if (i == Nil && cma)
                {
                    i = RmqueueSmallest(zone, 0, MigrateType.Cma);
                }
            }

            break;
        }

        if (i == Nil)
        {
            // every zone below its mark (the slow path), or pageblock stealing
            return AllocateOrder0Missed(zone, gfp, node, use);
        }

        _watermarkPassed = true;
        // rmqueue's tail: the PGALLOC event and a pending boosted-watermark kswapd wakeup
        Count(VmEvent.PgallocDma + (int)zone!.Type, 1);
        if (zone.BoostedWatermarkFlag)
        {
            zone.BoostedWatermarkFlag = false;
            WakeupKswapd(zone, 0, (int)zone.Type);
        }

        // page_zone(page) is the zone whose free list __rmqueue_smallest took it from: no per-pfn zone read
        ZoneStatistics(preferred, zone, node);
        PrepNewPage(i, zone, 0, mt, use);
        if (DebugChecks)
        {
            InvariantChecker.Check(this);
        }

        return new AllocResult(_base + (ulong)i, zone.Index, AllocFailure.None);
    }

    // AllocateOrder0's walk found no page; last is the last zone it looked at. When the walk ran out (every zone of
    // it below its low mark, or above the request's highest zone), Allocate's get_page_from_freelist would walk the
    // same zones with the same flags and fail the same tests (its full __zone_watermark_ok test agrees with the
    // order-0 shortcut without reserve rights, and its ALLOC_NOFRAGMENT retry repeats them), so the slow path is
    // entered directly, with get_page_from_freelist's "no zone passed" left behind: about one order-0 fault in
    // fifteen while kswapd catches up. A walk that stopped at a zone above its mark (nothing has changed since, so it
    // still is) missed in __rmqueue_smallest: Allocate repeats the misses, then __rmqueue_fallback. Kept out of
    // AllocateOrder0, whose register allocation moves with any new variable in its loop.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AllocResult AllocateOrder0Missed(Zone? last, GfpFlags gfp, int node, PageUse use)
    {
        int high = _gfpZone[(uint)gfp & 0xF];
        MigrateType mt = PageGroupByMobilityDisabled ? MigrateType.Unmovable : Gfp.MigrateTypeOf(gfp);
        int slot = node * MaxNrZones + high;
        AllocFlags af = AllocFlags.WmarkLow | CmaFlag(mt) | _nofragment[slot] | (AllocFlags)((uint)gfp & (uint)GfpFlags.KswapdReclaim);
        if (last != null && (int)last.Type <= high)
        {
            long freePages = last.NrFreePages;
            long usable = freePages - Math.Min(freePages, UnusableFree(last, 0, af));
            if (usable > (long)last.Watermarks.Mark(WatermarkIndex.Low) + (long)last.Watermarks.LowmemReserve[high])
            {
                return Allocate(0, gfp, node, use);
            }
        }

        _watermarkPassed = false;
        return AllocateSlow(gfp, 0, _zonelists[node], _preferredPos[slot], high, mt, node, use);
    }

    // Longest zonelist walk (from the preferred zone to the first zone of another node) AllocateOrder0Run keeps
    // per-zone state for on the stack: a node's zones, at most MAX_NR_ZONES (<= 6); a longer walk takes the per-page path.
    private const int RunWalkMax = 8;

    // A run of AllocateOrder0 calls for one fault loop (a tick's anonymous or page-cache faults), taken while each page
    // is AllocateOrder0's common case: the same zones walked, the same pages in the same order, the same list, LRU and
    // counter changes as one call per page. What a call works out per page and what cannot change between two pages
    // of the run (nothing outside the run sees the machine then: no slow path, fallback, reclaim, kswapd wakeup or
    // callback into the workload) is worked out once: the gfp's zone and flags, the zonelist position, each zone's low
    // mark with its lowmem_reserve (watermark_boost and the reserves change only in the slow path, fallback and
    // kswapd), and the PGALLOC and NUMA events, summed per zone over the run (integer sums nobody reads in between).
    // The page that does not fit (every zone of the walk at or below its low mark, a zone of another node reached, a
    // __rmqueue_smallest miss, a pending boosted-watermark wakeup) is left untouched for the caller's AllocateOrder0,
    // which falls back, walks again without ALLOC_NOFRAGMENT or enters the slow path as before. The run's per-page
    // hooks are the caller's (its draws and bookkeeping), inlined through the struct type argument.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    internal partial long AllocateOrder0Run<TRun>(GfpFlags gfp, int node, ref TRun run, long max)
        where TRun : struct, IOrder0Run
    {
        int high = _gfpZone[(uint)gfp & 0xF];
        if (PerCpuLists || Version == KernelVersion.V4_10 || (uint)node >= (uint)NodeCount || high < 0
            || (gfp & GfpFlags.ThisNode) != 0 || DebugChecks)
        {
            return 0;
        }

        MigrateType mt = PageGroupByMobilityDisabled ? MigrateType.Unmovable : Gfp.MigrateTypeOf(gfp);
        int[] zl = _zonelists[node];
        int slot = node * MaxNrZones + high;
        int pref = _preferredPos[slot];
        if (pref < 0)
        {
            return 0;
        }

        AllocFlags af = AllocFlags.WmarkLow | CmaFlag(mt) | _nofragment[slot] | (AllocFlags)((uint)gfp & (uint)GfpFlags.KswapdReclaim);
        bool cma = (af & AllocFlags.Cma) != 0;

        // the walk's zones from the preferred one, each with the mark its free pages must pass (a zone above the
        // request's highest is skipped: a mark nothing passes); the walk ends at the first zone of another node,
        // where AllocateOrder0 leaves it to the general path's second walk
        int walk = 0;
        Span<long> marks = stackalloc long[RunWalkMax];
        int prefNode = _zones[zl[pref]].Node;
        for (int p = pref; p < zl.Length; p++, walk++)
        {
            if (walk == RunWalkMax)
            {
                return 0;
            }

            Zone z = _zones[zl[p]];
            if ((int)z.Type > high)
            {
                marks[walk] = long.MaxValue;
                continue;
            }

            if (z.Node != prefNode)
            {
                break;
            }

            marks[walk] = (long)z.Watermarks.Mark(WatermarkIndex.Low) + (long)z.Watermarks.LowmemReserve[high];
        }

        // what each page adds to the per-zone, per-node and per-list counters, summed over the run and added at its
        // end: the pages taken from each zone of the walk (PGALLOC, NUMA_HIT/LOCAL), per use (the node's page counts),
        // per LRU list (the node's list sizes and LRU ages: every page of the run has the current tick's stamp) and
        // per zone and list (the zone's LRU sizes)
        Span<long> taken = stackalloc long[RunWalkMax];
        Span<long> byUse = stackalloc long[UseKinds];
        Span<long> byLru = stackalloc long[LruLists];
        Span<long> byZoneLru = stackalloc long[RunWalkMax * LruLists];
        taken.Clear();
        byUse.Clear();
        byLru.Clear();
        byZoneLru.Clear();
        LruAgeTracker? ages = LruAges;
        int clock = ages?.Clock ?? 0;
        int lruBase = prefNode * LruLists;
        var split = new RunSplit { Base = Nil };
        long n = 0;
        while (n < max)
        {
            PageUse use = run.NextUse();

            // get_page_from_freelist's walk with zone_watermark_fast's order-0 shortcut, as AllocateOrder0
            // (UnusableFree without ALLOC_HARDER/OOM/HIGHATOMIC: the highatomic reserve always counts)
            int w = 0;
            Zone zone;
            while (true)
            {
                if (w == walk)
                {
                    goto Done;
                }

                zone = _zones[zl[pref + w]];
                long freePages = zone.NrFreePages;
                long unusable = zone.NrReservedHighAtomic + (cma ? 0 : zone.NrFreeCmaPages);
                if (freePages - Math.Min(freePages, unusable) > marks[w])
                {
                    break;
                }

                w++;
            }

            if (zone.BoostedWatermarkFlag || !IsLruUse(use))
            {
                // rmqueue's pending kswapd wakeup is a callback; a page off the LRU keeps the free-list links a split
                // block's page-by-page expand() leaves in it (the LRU link below overwrites them): the per-page path's
                break;
            }

            int i = Nil;
            if (cma && zone.NrFreeCmaPages > zone.NrFreePages / 2)
            {
                i = RunRmqueue(zone, MigrateType.Cma, ref split);
            }

            if (i == Nil)
            {
                i = RunRmqueue(zone, mt, ref split);
                if (i == Nil && cma)
                {
                    i = RunRmqueue(zone, MigrateType.Cma, ref split);
                }

                if (i == Nil)
                {
                    break;
                }
            }

            // PrepNewPage with the counters summed above: prep_new_page and folio_add_lru (the inactive list's head;
            // every page of a run has an LRU use, checked above)
            _flags[i] = PageState.Flags(KindAlloc, 0);
            ages?.SetStamp(i, clock);
            _refs[i] = NewRefs(use);
            int lru = (int)LruFor(use, active: false);
            LruLinkHead(i, lruBase + lru);
            byLru[lru]++;
            byZoneLru[(w * LruLists) + lru]++;
            _info[i] = (byte)((int)mt | ((int)use << 3) | PageState.OnLru);
            byUse[(int)use]++;
            taken[w]++;
            n++;
            if (!run.Took(_base + (ulong)i))
            {
                break;
            }
        }

    Done:
        if (split.Base != Nil)
        {
            LinkSplitRest(ref split);
        }

        if (n > 0)
        {
            _watermarkPassed = true;
            for (int w = 0; w < walk; w++)
            {
                long c = taken[w];
                if (c != 0)
                {
                    // rmqueue's PGALLOC and zone_statistics: the page's zone is on the preferred zone's node (NUMA_HIT),
                    // local or not to the caller's node
                    Zone z = _zones[zl[pref + w]];
                    Count(VmEvent.PgallocDma + (int)z.Type, c);
                    z.NumaEvents[0] += c;
                    z.NumaEvents[z.Node == node ? 4 : 5] += c;
                    for (int lru = 0; lru < LruLists; lru++)
                    {
                        z.LruPages[lru] += byZoneLru[(w * LruLists) + lru];
                    }
                }
            }

            for (int u = 0; u < UseKinds; u++)
            {
                _usePages[(prefNode * UseKinds) + u] += byUse[u];
            }

            for (int lru = 0; lru < LruLists; lru++)
            {
                long c = byLru[lru];
                if (c != 0)
                {
                    _lruCount[lruBase + lru] += c;
                    ages?.AddAt(prefNode, (LruList)lru, clock, c);
                }
            }
        }

        return n;
    }

    // The block a run is splitting: [Base, Base + 2^Order) of Zone's Mt lists, taken off its list at Order by the
    // run, its first Next pages handed out (Base = Nil: none). __rmqueue_smallest took it from the smallest order with
    // a page, so the Mt lists below Order were empty; page by page, expand() would put its upper halves at their heads
    // and each later order-0 request of that list would take the next page of the block in address order (the lowest
    // order with a page is always the next piece). The run hands the pages out so and links what is left (the aligned
    // pieces of [Base + Next, Base + 2^Order), one per list, as the page-by-page splits leave them) when it ends or
    // splits another block; the free-page counts follow every page as they would.
    private struct RunSplit
    {
        public int Base;
        public int Order;
        public int Next;
        public Zone Zone;
        public MigrateType Mt;
    }

    // __rmqueue_smallest for order 0 inside AllocateOrder0Run: the page of the block being split when it is this
    // zone's and migratetype's, else the list walk of RmqueueSmallest, a block above order 0 becoming the run's
    // split block (the previous one's rest linked first: no other list changes in between)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int RunRmqueue(Zone zone, MigrateType mt, ref RunSplit split)
    {
        if (split.Base != Nil && split.Mt == mt && split.Zone == zone)
        {
            int p = split.Base + split.Next;
            if (++split.Next == 1 << split.Order)
            {
                split.Base = Nil;
            }

            AccountFree(zone, mt, -1);
            _lastRmqueueMt = mt;
            return p;
        }

        int li = ListIndex(zone.Index, 0, (int)mt);
        for (int o = 0; o <= Pageblock.MaxOrder; o++, li += NrMt)
        {
            int i = _listHead[li];
            if (i == Nil)
            {
                continue;
            }

            DelFromFreeList(i, zone, o);
            if (o > 0)
            {
                if (split.Base != Nil)
                {
                    LinkSplitRest(ref split);
                }

                // the block's other pages stay counted free until handed out, as expand() counts them
                AccountFree(zone, mt, (1L << o) - 1);
                split = new RunSplit { Base = i, Order = o, Next = 1, Zone = zone, Mt = mt };
            }

            _lastRmqueueMt = mt;
            return i;
        }

        return Nil;
    }

    // the page-by-page splits' free rest of the run's split block: each aligned piece of [Base + Next, Base + 2^Order)
    // (at offset x, order = trailing zeros of x) alone on its list (add_to_free_list at the head of an empty list),
    // with its buddy order and migratetype; its pages are already counted free
    private void LinkSplitRest(ref RunSplit split)
    {
        Zone zone = split.Zone;
        int end = 1 << split.Order;
        for (int x = split.Next; x < end;)
        {
            int order = System.Numerics.BitOperations.TrailingZeroCount(x);
            int i = split.Base + x;
            int li = ListIndex(zone.Index, order, (int)split.Mt);
            Debug.Assert(_listHead[li] == Nil, "a split block's lower lists stay empty while the run splits it");
            _next[i] = Nil;
            _prev[i] = Nil;
            _listHead[li] = i;
            _listTail[li] = i;
            _listCount[li]++;
            _areaNrFree[(zone.Index * NrOrders) + order]++;
            _flags[i] = PageState.Flags(KindFree, order);
            _info[i] = (byte)split.Mt;
            x += 1 << order;
        }

        split.Base = Nil;
    }
}
