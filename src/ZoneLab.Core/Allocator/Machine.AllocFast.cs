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
}
