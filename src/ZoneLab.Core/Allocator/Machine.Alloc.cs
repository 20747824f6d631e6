using System.Runtime.CompilerServices;
using ZoneLab.Layout;

namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    // Set by GetPageFromFreelist: did some zone pass its watermark (then a failure is fragmentation)?
    private bool _watermarkPassed;

    /// <summary>
    /// Allocates 2^<paramref name="order"/> contiguous pages as <c>__alloc_pages(gfp, order, node)</c> does: fast path
    /// at the low watermark over the node's zonelist, then the slow path (kswapd wake, min watermark with the
    /// caller's reserve rights, direct reclaim/compaction when the mask allows blocking).
    /// </summary>
    public AllocResult Allocate(int order, GfpFlags gfp, int node = 0, PageUse use = PageUse.Auto)
    {
        if ((uint)order > Pageblock.MaxOrder || (uint)node >= (uint)NodeCount)
        {
            return AllocResult.Fail(AllocFailure.Invalid);
        }

        int high = _gfpZone[(uint)gfp & 0xF];
        if (high < 0)
        {
            return AllocResult.Fail(AllocFailure.Invalid);
        }

        MigrateType mt = PageGroupByMobilityDisabled ? MigrateType.Unmovable : Gfp.MigrateTypeOf(gfp);
        // __GFP_THISNODE uses ZONELIST_NOFALLBACK (the node's own zones only)
        int[] zl = (gfp & GfpFlags.ThisNode) == 0 ? _zonelists[node] : _zonelistsNoFallback[node];
        // first_zones_zonelist and alloc_flags_nofragment depend only on (list, node, highest zone): precomputed
        int slot = node * MaxNrZones + high;
        int pref = (gfp & GfpFlags.ThisNode) == 0 ? _preferredPos[slot] : FirstZoneAtOrBelow(zl, high);
        if (pref < 0)
        {
            return AllocResult.Fail(AllocFailure.NoZone);
        }

        // mirrors __alloc_pages + prepare_alloc_pages: ALLOC_WMARK_LOW, ALLOC_CMA for movable requests,
        // alloc_flags_nofragment for the preferred zone (ALLOC_KSWAPD is __GFP_KSWAPD_RECLAIM's bit)
        AllocFlags af = AllocFlags.WmarkLow | CmaFlag(mt) | _nofragment[slot] | (AllocFlags)((uint)gfp & (uint)GfpFlags.KswapdReclaim);
        int i = GetPageFromFreelist(gfp, order, af, zl, pref, high, mt);
        return i == Nil ? AllocateSlow(gfp, order, zl, pref, high, mt, node, use) : AllocatedPage(i, order, zl, pref, mt, node, use);
    }

    // __alloc_pages after its get_page_from_freelist found no page: __alloc_pages_slowpath, then the page's preparation
    private AllocResult AllocateSlow(GfpFlags gfp, int order, int[] zl, int pref, int high, MigrateType mt, int node, PageUse use)
    {
        int i = AllocSlowpath(gfp, order, zl, pref, high, mt, out AllocFailure why);
        if (i == Nil)
        {
            CheckIfDebug();
            return AllocResult.Fail(why);
        }

        return AllocatedPage(i, order, zl, pref, mt, node, use);
    }

    // the tail of __alloc_pages for the block at map index i: zone_statistics and prep_new_page
    private AllocResult AllocatedPage(int i, int order, int[] zl, int pref, MigrateType mt, int node, PageUse use)
    {
        Zone z = _zones[_zoneOf[i]];
        ZoneStatistics(_zones[zl[pref]], z, node);
        PrepNewPage(i, z, order, mt, use == PageUse.Auto ? AutoUse(mt) : use);
        if (DebugChecks)
        {
            InvariantChecker.Check(this);
        }

        return new AllocResult(_base + (ulong)i, z.Index, AllocFailure.None);
    }

    /// <summary>
    /// Frees a block allocated by <see cref="Allocate"/> (<c>__free_pages</c>): it goes back to the buddy lists of its
    /// pageblock's migratetype and merges with free buddies (per-cpu lists are not modelled: every free reaches the buddy).
    /// </summary>
    public void Free(ulong pfn, int order)
    {
        FreeNoCheck(pfn, order);
        CheckIfDebug();
    }

    internal void FreeNoCheck(ulong pfn, int order)
    {
        int i = (int)(pfn - _base);
        if (pfn < _base || pfn - _base >= (ulong)_length || (uint)order > Pageblock.MaxOrder || _flags[i] != PageState.Flags(KindAlloc, order))
        {
            throw new InvalidOperationException($"pfn {pfn} is not an allocated block of order {order}");
        }

        FreeHead(i, order);
    }

    // __free_pages of map index i, a checked allocated head of this order
    private void FreeHead(int i, int order)
    {
        Zone zone = ReleaseHead(i, order);
        if (PerCpuLists && PcpAllowedOrder(order) && FreeToPcp(i, zone, order))
        {
            return;
        }

        // mirrors __free_pages_ok: the migratetype is the pageblock's at free time
        FreeOnePage(i, zone, order, GetPageblockMt(i), toTail: false);
    }

    // What __free_pages does for an allocated block before __free_one_page: off its LRU list, out of its use's count,
    // no longer a head, PGFREE counted; returns the block's zone. FreeHead and the deferred frees of a run share it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Zone ReleaseHead(int i, int order)
    {
        // the info byte and zone read once: LruDel keeps the use bits and the zone, and after its stores through the
        // per-pfn byte pointers the JIT would load both again
        byte info = _info[i];
        Zone zone = _zones[_zoneOf[i]];
        if ((info & PageState.OnLru) != 0)
        {
            LruDel(i);
        }

        _usePages[zone.Node * UseKinds + (int)PageState.UseOf(info)] -= 1L << order;
        _flags[i] = KindTail;
        _events[(int)VmEvent.Pgfree] += 1L << order;
        return zone;
    }

    // Movable requests are anonymous memory, __GFP_RECLAIMABLE ones reclaimable slab, the rest kernel memory.
    private static PageUse AutoUse(MigrateType mt) => mt switch
    {
        MigrateType.Movable => PageUse.Anon,
        MigrateType.Reclaimable => PageUse.SlabReclaimable,
        _ => PageUse.Kernel,
    };

    // mirrors zone_statistics (one event per allocation, whatever its order)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ZoneStatistics(Zone preferred, Zone z, int localNode)
    {
        if (z.Node == preferred.Node)
        {
            z.NumaEvents[0]++;
        }
        else
        {
            z.NumaEvents[1]++;
            preferred.NumaEvents[2]++;
        }

        z.NumaEvents[z.Node == localNode ? 4 : 5]++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrepNewPage(int i, int order, MigrateType mt, PageUse use)
        => PrepNewPage(i, _zones[_zoneOf[i]], order, mt, use == PageUse.Auto ? AutoUse(mt) : use);

    // mirrors prep_new_page + the LRU insertion of the folio's first mapping (folio_add_lru): the block's state, its
    // use's page count and, for an LRU use, the head of the inactive list. zone is page_zone(page), which the caller
    // already holds; the order and the page's new flags are known here, so they are not read back from the per-pfn
    // arrays (LruAdd reads them because its other callers move pages that are already allocated).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrepNewPage(int i, Zone zone, int order, MigrateType mt, PageUse use)
    {
        int node = zone.Node;
        _flags[i] = PageState.Flags(KindAlloc, order);
        _usePages[node * UseKinds + (int)use] += 1L << order;
        byte info = (byte)((int)mt | ((int)use << 3));
        if (IsLruUse(use))
        {
            LruAges?.SetStamp(i, LruAges.Clock);
            _refs[i] = NewRefs(use);
            // LruAdd(i, node, LruFor(use, active: false)) for a block of this order in this zone
            LruList lru = LruFor(use, active: false);
            LruLink(i, node, lru, 1L << order, zone);
            info = (byte)((info & 0x3F) | PageState.OnLru);
        }

        _info[i] = info;
    }

    // gfp_zone for the 16 zone-bit combinations, clamped to the config's zones (-1: GFP_ZONE_BAD)
    private int[] BuildGfpZoneTable()
    {
        var t = new int[16];
        for (uint bits = 0; bits < 16; bits++)
        {
            if (!Gfp.TryZone((GfpFlags)bits, out ZoneType z))
            {
                t[bits] = -1;
                continue;
            }
            if (z == ZoneType.Movable)
            {
                // GFP_ZONE_TABLE[__GFP_MOVABLE|__GFP_HIGHMEM]: OPT_ZONE_CMA under ZONE_CMA v7
                z = Spec.MovableHighmemZone;
            }
            t[bits] = Math.Min((int)z, MaxNrZones - 1);
        }

        return t;
    }

    private void BuildPreferred(out int[] preferred, out AllocFlags[] nofragment)
    {
        preferred = new int[NodeCount * MaxNrZones];
        nofragment = new AllocFlags[NodeCount * MaxNrZones];
        for (int n = 0; n < NodeCount; n++)
        {
            for (int h = 0; h < MaxNrZones; h++)
            {
                int p = FirstZoneAtOrBelow(_zonelists[n], h);
                preferred[n * MaxNrZones + h] = p;
                nofragment[n * MaxNrZones + h] = p < 0 ? 0 : AllocFlagsNofragment(_zones[_zonelists[n][p]], 0) & AllocFlags.NoFragment;
            }
        }
    }

    private int FirstZoneAtOrBelow(int[] zl, int high)
    {
        for (int p = 0; p < zl.Length; p++)
        {
            if ((int)_zones[zl[p]].Type <= high)
            {
                return p;
            }
        }

        return -1;
    }

    // mirrors gfp_to_alloc_flags_cma: any movable request may use CMA pageblocks
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static AllocFlags CmaFlag(MigrateType mt) => mt == MigrateType.Movable ? AllocFlags.Cma : 0;

    // mirrors alloc_flags_nofragment (v5.0+): ALLOC_KSWAPD from __GFP_KSWAPD_RECLAIM; ALLOC_NOFRAGMENT when the
    // preferred zone is NORMAL and (UMA, or the node's DMA32 is populated)
    private AllocFlags AllocFlagsNofragment(Zone preferred, GfpFlags gfp)
    {
        AllocFlags af = (gfp & GfpFlags.KswapdReclaim) != 0 ? AllocFlags.Kswapd : 0;
        if (Version == KernelVersion.V4_10 || preferred.Type != ZoneType.Normal)
        {
            return af;
        }

        if (NodeCount > 1 && !_zones[preferred.Index - 1].IsPopulated)
        {
            return af;
        }

        return af | AllocFlags.NoFragment;
    }

    // mirrors get_page_from_freelist (node_reclaim off, no cpusets, no dirty spreading)
    private int GetPageFromFreelist(GfpFlags gfp, int order, AllocFlags af, int[] zl, int pref, int high, MigrateType mt)
    {
        _watermarkPassed = false;
    retry:
        bool noFallback = (af & AllocFlags.NoFragment) != 0;
        Zone preferred = _zones[zl[pref]];
        for (int p = pref; p < zl.Length; p++)
        {
            Zone zone = _zones[zl[p]];
            if ((int)zone.Type > high)
            {
                continue;
            }

            if (noFallback && NodeCount > 1 && zone != preferred && zone.Node != preferred.Node)
            {
                // moving to a remote node: locality beats fragmentation avoidance
                af &= ~AllocFlags.NoFragment;
                goto retry;
            }

            ulong mark = zone.Watermarks.Mark((WatermarkIndex)(int)(af & AllocFlags.WmarkMask));
            if (!ZoneWatermarkFast(zone, order, mark, high, af, gfp) && (af & AllocFlags.NoWatermarks) == 0)
            {
                continue;
            }

            _watermarkPassed = true;
            int i = Rmqueue(zone, order, af, mt);
            if (i != Nil)
            {
                if ((af & AllocFlags.HighAtomic) != 0)
                {
                    ReserveHighatomicPageblock(i, zone);
                }

                return i;
            }
        }

        if (noFallback)
        {
            af &= ~AllocFlags.NoFragment;
            goto retry;
        }

        return Nil;
    }

    // mirrors rmqueue -> rmqueue_buddy (the pcp layer is off: every request reaches the buddy lists)
    private int Rmqueue(Zone zone, int order, AllocFlags af, MigrateType mt)
    {
        int i = Nil;
        // the MOVABLE pcp list may hold CMA pages: skip it for requests that cannot use CMA
        if (PerCpuLists && PcpAllowedOrder(order) && ((af & AllocFlags.Cma) != 0 || mt != MigrateType.Movable))
        {
            i = RmqueuePcplist(zone, order, mt, af);
            if (i != Nil)
            {
                goto Out;
            }
        }

        if ((af & AllocFlags.HighAtomic) != 0)
        {
            i = RmqueueSmallest(zone, order, MigrateType.HighAtomic);
        }

        if (i == Nil)
        {
            i = RmqueueMain(zone, order, mt, af);
            // failing now is worse than failing a high-order atomic allocation later
            if (i == Nil && (af & (AllocFlags.Oom | AllocFlags.NonBlock)) != 0)
            {
                i = RmqueueSmallest(zone, order, MigrateType.HighAtomic);
            }

            if (i == Nil)
            {
                return Nil;
            }
        }

    Out:
        Count(VmEvent.PgallocDma + (int)zone.Type, 1L << order);
        if (zone.BoostedWatermarkFlag)
        {
            zone.BoostedWatermarkFlag = false;
            WakeupKswapd(zone, 0, (int)zone.Type);
        }

        return i;
    }

    // mirrors __rmqueue
    private int RmqueueMain(Zone zone, int order, MigrateType mt, AllocFlags af)
    {
        bool cma = (af & AllocFlags.Cma) != 0;
        if (Version == KernelVersion.V4_10)
        {
            // v4.10: CMA only after the requested lists are empty, then the fallback loop
            while (true)
            {
                int p = RmqueueSmallest(zone, order, mt);
                if (p != Nil)
                {
                    return p;
                }

                if (mt == MigrateType.Movable)
                {
                    p = RmqueueSmallest(zone, order, MigrateType.Cma);
                    if (p != Nil)
                    {
                        return p;
                    }
                }

                return RmqueueFallback410(zone, order, mt);
            }
        }

        // "prefer CMA" (v5.7, 16867664936e): use CMA first when it holds over half of the zone's free memory
        if (cma && zone.NrFreeCmaPages > zone.NrFreePages / 2)
        {
            int p = RmqueueSmallest(zone, order, MigrateType.Cma);
            if (p != Nil)
            {
                return p;
            }
        }

        while (true)
        {
            int p = RmqueueSmallest(zone, order, mt);
            if (p != Nil)
            {
                return p;
            }

            if (cma)
            {
                p = RmqueueSmallest(zone, order, MigrateType.Cma);
                if (p != Nil)
                {
                    return p;
                }
            }

            if (Version >= KernelVersion.V6_12)
            {
                return RmqueueFallback612(zone, order, mt, af);
            }

            int stolen = RmqueueFallback61(zone, order, mt, af);
            if (stolen != FallbackRetry)
            {
                return stolen;
            }
        }
    }

    /// <summary>
    /// mirrors <c>__zone_watermark_ok</c>: free pages minus the unusable part (order-1 pages, highatomic reserve
    /// without reserve rights, free CMA without ALLOC_CMA) must exceed mark (reduced for MIN_RESERVE/NON_BLOCK/OOM)
    /// plus <c>lowmem_reserve[highest_zoneidx]</c>; for order &gt; 0 a free block of at least that order must exist in a
    /// list the caller may use.
    /// </summary>
    public bool ZoneWatermarkOk(Zone z, int order, ulong mark, int highestZoneIdx, AllocFlags af)
        => ZoneWatermarkOkFree(z, order, (long)mark, highestZoneIdx, af, z.NrFreePages);

    private bool ZoneWatermarkOkFree(Zone z, int order, long mark, int highestZoneIdx, AllocFlags af, long freePages)
    {
        long min = mark;
        freePages -= UnusableFree(z, order, af);
        if ((af & AllocFlags.Reserves) != 0)
        {
            if ((af & AllocFlags.MinReserve) != 0)
            {
                min -= min / 2;
                if ((af & AllocFlags.NonBlock) != 0)
                {
                    min -= min / 4;
                }
            }

            if ((af & AllocFlags.Oom) != 0)
            {
                min -= min / 2;
            }
        }

        if (freePages <= min + (long)z.Watermarks.LowmemReserve[highestZoneIdx])
        {
            return false;
        }

        if (order == 0)
        {
            return true;
        }

        for (int o = order; o <= Pageblock.MaxOrder; o++)
        {
            if (_areaNrFree[z.Index * NrOrders + o] == 0)
            {
                continue;
            }

            int li = ListIndex(z.Index, o, 0);
            if (_listHead[li] != Nil || _listHead[li + 1] != Nil || _listHead[li + 2] != Nil)
            {
                return true;
            }

            if ((af & AllocFlags.Cma) != 0 && _listHead[li + (int)MigrateType.Cma] != Nil)
            {
                return true;
            }

            if ((af & (AllocFlags.HighAtomic | AllocFlags.Oom)) != 0 && _listHead[li + (int)MigrateType.HighAtomic] != Nil)
            {
                return true;
            }
        }

        return false;
    }

    // mirrors __zone_watermark_unusable_free
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long UnusableFree(Zone z, int order, AllocFlags af)
    {
        long unusable = (1L << order) - 1;
        if ((af & AllocFlags.Reserves) == 0)
        {
            unusable += z.NrReservedHighAtomic;
        }

        if ((af & AllocFlags.Cma) == 0)
        {
            unusable += z.NrFreeCmaPages;
        }

        return unusable;
    }

    // mirrors zone_watermark_fast: order-0 shortcut, then the full test, then GFP_ATOMIC ignoring the boost at min
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ZoneWatermarkFast(Zone z, int order, ulong mark, int high, AllocFlags af, GfpFlags gfp)
    {
        long freePages = z.NrFreePages;
        if (order == 0)
        {
            long reserved = UnusableFree(z, 0, af);
            long usable = freePages - Math.Min(freePages, reserved);
            if (usable > (long)mark + (long)z.Watermarks.LowmemReserve[high])
            {
                return true;
            }
        }

        if (ZoneWatermarkOkFree(z, order, (long)mark, high, af, freePages))
        {
            return true;
        }

        if (order == 0 && (gfp & GfpFlags.Atomic) != 0 && z.Watermarks.Boost != 0 && (af & AllocFlags.WmarkMask) == AllocFlags.WmarkMin)
        {
            return ZoneWatermarkOkFree(z, 0, (long)z.Watermarks.RawMark(WatermarkIndex.Min), high, af, freePages);
        }

        return false;
    }
}
