namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    // mirrors fallbacks[MIGRATE_PCPTYPES][]: the lists an allocation may take from when its own are empty
    private static readonly MigrateType[][] s_fallbacks =
    [
        [MigrateType.Reclaimable, MigrateType.Movable],   // UNMOVABLE
        [MigrateType.Reclaimable, MigrateType.Unmovable], // MOVABLE
        [MigrateType.Unmovable, MigrateType.Movable],     // RECLAIMABLE
    ];

    // mirrors can_steal_fallback (v6.15: should_try_claim_block)
    private bool CanStealFallback(int order, MigrateType startMt)
    {
        if (order >= Pageblock.Order)
        {
            return true;
        }

        return order >= Pageblock.Order / 2 || startMt == MigrateType.Reclaimable || startMt == MigrateType.Unmovable
            || PageGroupByMobilityDisabled;
    }

    /// <summary>
    /// Free lists looked at by find_suitable_fallback (one per fallbacks[] entry of an order whose free_area is not
    /// empty): the search space a further migratetype in fallbacks[] would grow (seed question D26).
    /// </summary>
    internal long FallbackListProbes { get; private set; }

    // mirrors find_suitable_fallback(area, order, migratetype, only_stealable=false, &can_steal)
    private int FindSuitableFallback(Zone zone, int order, MigrateType startMt, out bool canSteal)
    {
        canSteal = false;
        if (_areaNrFree[zone.Index * NrOrders + order] == 0 || (int)startMt >= MigrateTypes.PcpTypes)
        {
            return -1;
        }

        foreach (MigrateType fb in s_fallbacks[(int)startMt])
        {
            FallbackListProbes++;
            if (_listHead[ListIndex(zone.Index, order, (int)fb)] == Nil)
            {
                continue;
            }

            canSteal = CanStealFallback(order, startMt);
            return (int)fb;
        }

        return -1;
    }

    // The search shared by 6.1 and 6.12 __rmqueue_fallback: the largest fallback block, or for movable requests
    // that cannot steal a whole block the smallest (v4.13, "fallback to smallest page when not stealing whole pageblock").
    private bool FindFallback(Zone zone, int order, MigrateType startMt, AllocFlags af, out int currentOrder, out int fallbackMt, out bool canSteal)
    {
        int minOrder = order;
        // ALLOC_NOFRAGMENT: do not steal below pageblock order; the zonelist is retried without it
        if (order < Pageblock.Order && (af & AllocFlags.NoFragment) != 0)
        {
            minOrder = Pageblock.Order;
        }

        for (currentOrder = Pageblock.MaxOrder; currentOrder >= minOrder; currentOrder--)
        {
            fallbackMt = FindSuitableFallback(zone, currentOrder, startMt, out canSteal);
            if (fallbackMt == -1)
            {
                continue;
            }

            if (!canSteal && startMt == MigrateType.Movable && currentOrder > order)
            {
                for (currentOrder = order; currentOrder <= Pageblock.MaxOrder; currentOrder++)
                {
                    fallbackMt = FindSuitableFallback(zone, currentOrder, startMt, out canSteal);
                    if (fallbackMt != -1)
                    {
                        return true;
                    }
                }

                throw new InvalidOperationException("fallback vanished between the two searches");
            }

            return true;
        }

        fallbackMt = -1;
        canSteal = false;
        return false;
    }

    // Result of RmqueueFallback61 when a block was stolen and __rmqueue must retry __rmqueue_smallest.
    private const int FallbackRetry = -2;

    // mirrors __rmqueue_fallback of v5.0-v6.9 (6.1): steal_suitable_fallback moves the block's free pages (or the one
    // page) to the requested type's lists, then __rmqueue retries __rmqueue_smallest (FallbackRetry). Returns Nil when
    // there is no fallback, or the page itself when it came from a sticky pageblock (StealFromSticky).
    private int RmqueueFallback61(Zone zone, int order, MigrateType startMt, AllocFlags af)
    {
        if (!FindFallback(zone, order, startMt, af, out int currentOrder, out int fallbackMt, out bool canSteal))
        {
            return Nil;
        }

        int i = _listHead[ListIndex(zone.Index, currentOrder, fallbackMt)];
        if (IsSticky(i))
        {
            int page = StealFromSticky(zone, i, currentOrder, order, af);
            RecordExtfrag(startMt, (MigrateType)fallbackMt, claimed: false);
            return page;
        }

        StealSuitableFallback61(zone, i, currentOrder, af, startMt, canSteal);
        RecordExtfrag(startMt, (MigrateType)fallbackMt, GetPageblockMt(i) == startMt);
        return FallbackRetry;
    }

    // mirrors steal_suitable_fallback (6.1)
    private void StealSuitableFallback61(Zone zone, int i, int currentOrder, AllocFlags af, MigrateType startType, bool wholeBlock)
    {
        MigrateType oldBlockType = GetPageblockMt(i);
        if (oldBlockType == MigrateType.HighAtomic)
        {
            MoveToFreeList(i, zone, currentOrder, startType);
            return;
        }

        if (currentOrder >= Pageblock.Order)
        {
            ChangePageblockRange(i, currentOrder, startType);
            MoveToFreeList(i, zone, currentOrder, startType);
            return;
        }

        // boost watermarks so kswapd reclaims ahead of further fallbacks
        if (BoostWatermark(zone) && (af & AllocFlags.Kswapd) != 0)
        {
            zone.BoostedWatermarkFlag = true;
        }

        if (!wholeBlock)
        {
            MoveToFreeList(i, zone, currentOrder, startType);
            return;
        }

        int freePages = MoveFreepagesBlock61(zone, i, startType, out int movablePages);
        int alikePages;
        if (startType == MigrateType.Movable)
        {
            alikePages = movablePages;
        }
        else
        {
            // a movable block's non-movable pages are assumed compatible with an unmovable/reclaimable request
            alikePages = oldBlockType == MigrateType.Movable ? (int)Pageblock.NrPages - (freePages + movablePages) : 0;
        }

        if (freePages == 0)
        {
            MoveToFreeList(i, zone, currentOrder, startType);
            return;
        }

        if (freePages + alikePages >= 1 << (Pageblock.Order - 1) || PageGroupByMobilityDisabled)
        {
            SetPageblockMt(i, startType);
        }
    }

    // mirrors move_freepages_block (6.1): every free buddy of the pageblock to the tail of mt's lists; counts
    // LRU/movable pages. Refuses (0) when the block's end leaves the zone; starts at the page when its start does.
    private int MoveFreepagesBlock61(Zone zone, int i, MigrateType mt, out int movable)
    {
        movable = 0;
        int start = i & ~((int)Pageblock.NrPages - 1);
        int end = start + (int)Pageblock.NrPages - 1;
        if (!zone.SpansPfn(_base + (ulong)start))
        {
            start = i;
        }

        if (!zone.SpansPfn(_base + (ulong)end))
        {
            return 0;
        }

        return MoveFreepages(zone, start, end + 1, mt, ref movable, move: true);
    }

    // mirrors move_freepages / the counting loop of prep_move_freepages_block. Allocated blocks are stepped over
    // whole (every page of an LRU folio counts as movable, as PageLRU reads the compound head).
    private int MoveFreepages(Zone zone, int start, int end, MigrateType mt, ref int movable, bool move)
    {
        int moved = 0;
        for (int p = start; p < end;)
        {
            int kind = PageState.KindOf(_flags[p]);
            if (kind == KindFree && _zoneOf[p] == zone.Index)
            {
                int o = PageState.OrderOf(_flags[p]);
                if (move)
                {
                    MoveToFreeList(p, zone, o, mt);
                }

                moved += 1 << o;
                p += 1 << o;
                continue;
            }

            int head = kind == KindTail ? FindHead(p) : p;
            int headKind = head == Nil ? KindTail : PageState.KindOf(_flags[head]);
            if (headKind is KindAlloc or KindPcp or KindFree)
            {
                int blockEnd = Math.Min(head + (1 << PageState.OrderOf(_flags[head])), end);
                if (headKind == KindAlloc && OnRealLru(head))
                {
                    movable += blockEnd - p;
                }

                p = Math.Max(blockEnd, p + 1);
                continue;
            }

            p++;
        }

        return moved;
    }

    // True when the page belongs to an allocated block on an LRU list (PageLRU looks at the compound head).
    private bool IsLruPage(int p)
    {
        int kind = PageState.KindOf(_flags[p]);
        if (kind == KindAlloc)
        {
            return OnRealLru(p);
        }

        if (kind != KindTail)
        {
            return false;
        }

        int head = FindHead(p);
        return head != Nil && PageState.KindOf(_flags[head]) == KindAlloc && OnRealLru(head);
    }

    /// <summary>The head index of the free or allocated block containing tail page <paramref name="p"/>, or Nil.</summary>
    internal int FindHead(int p)
    {
        for (int o = 1; o <= Pageblock.MaxOrder; o++)
        {
            int h = p & ~((1 << o) - 1);
            int kind = PageState.KindOf(_flags[h]);
            if ((kind == KindFree || kind == KindAlloc || kind == KindPcp) && PageState.OrderOf(_flags[h]) >= o)
            {
                return h;
            }
        }

        return Nil;
    }

    // mirrors change_pageblock_range
    private void ChangePageblockRange(int i, int startOrder, MigrateType mt)
    {
        int n = 1 << (startOrder - Pageblock.Order);
        for (int k = 0; k < n; k++)
        {
            SetPageblockMt(i + k * (int)Pageblock.NrPages, mt);
        }
    }

    // mirrors __rmqueue_fallback of v6.10-v6.14 (6.12): returns the page; a block too full to claim is only
    // stolen from, and the split remainder stays on the block type's lists ("freelist hygiene").
    private int RmqueueFallback612(Zone zone, int order, MigrateType startMt, AllocFlags af)
    {
        if (!FindFallback(zone, order, startMt, af, out int currentOrder, out int fallbackMt, out bool canSteal))
        {
            return Nil;
        }

        int i = _listHead[ListIndex(zone.Index, currentOrder, fallbackMt)];
        if (IsSticky(i))
        {
            int stolen = StealFromSticky(zone, i, currentOrder, order, af);
            RecordExtfrag(startMt, (MigrateType)fallbackMt, claimed: false);
            return stolen;
        }

        int page = StealSuitableFallback612(zone, i, currentOrder, order, startMt, af, canSteal);
        RecordExtfrag(startMt, (MigrateType)fallbackMt, GetPageblockMt(page) == startMt);
        return page;
    }

    // mirrors steal_suitable_fallback (6.10-6.14)
    private int StealSuitableFallback612(Zone zone, int i, int currentOrder, int order, MigrateType startType, AllocFlags af, bool wholeBlock)
    {
        MigrateType blockType = GetPageblockMt(i);
        if (blockType != MigrateType.HighAtomic)
        {
            if (currentOrder >= Pageblock.Order)
            {
                DelFromFreeList(i, zone, currentOrder);
                ChangePageblockRange(i, currentOrder, startType);
                Expand(i, zone, order, currentOrder, startType);
                _lastRmqueueMt = startType;
                return i;
            }

            if (BoostWatermark(zone) && (af & AllocFlags.Kswapd) != 0)
            {
                zone.BoostedWatermarkFlag = true;
            }

            if (wholeBlock)
            {
                int start = i & ~((int)Pageblock.NrPages - 1);
                int end = start + (int)Pageblock.NrPages;
                // prep_move_freepages_block: never touch a block that straddles the zone
                if (zone.SpansPfn(_base + (ulong)start) && zone.SpansPfn(_base + (ulong)(end - 1)))
                {
                    int movable = 0;
                    int freePages = MoveFreepages(zone, start, end, startType, ref movable, move: false);
                    int alike = startType == MigrateType.Movable ? movable
                        : blockType == MigrateType.Movable ? (int)Pageblock.NrPages - (freePages + movable) : 0;
                    if (freePages + alike >= 1 << (Pageblock.Order - 1) || PageGroupByMobilityDisabled)
                    {
                        // __move_freepages_block + set type, then take from the now-owned lists
                        MoveFreepages(zone, start, end, startType, ref movable, move: true);
                        SetPageblockMt(start, startType);
                        return RmqueueSmallest(zone, order, startType);
                    }
                }
            }
        }

        // single_page: page_del_and_expand onto the block type's lists
        MigrateType listMt = PageState.MigrateTypeOf(_info[i]);
        DelFromFreeList(i, zone, currentOrder);
        Expand(i, zone, order, currentOrder, listMt);
        _lastRmqueueMt = listMt;
        return i;
    }

    // mirrors __rmqueue_fallback of v4.10: largest fallback block; with can_steal the block's free pages move and
    // the block is claimed if over half of it is free; the remainder always goes to the requested type.
    private int RmqueueFallback410(Zone zone, int order, MigrateType startMt)
    {
        for (int currentOrder = Pageblock.MaxOrder; currentOrder >= order; currentOrder--)
        {
            int fallbackMt = FindSuitableFallback(zone, currentOrder, startMt, out bool canSteal);
            if (fallbackMt == -1)
            {
                continue;
            }

            int i = _listHead[ListIndex(zone.Index, currentOrder, fallbackMt)];
            if (IsSticky(i))
            {
                int stolen = StealFromSticky(zone, i, currentOrder, order, AllocFlags.WmarkMin, boost: false);
                RecordExtfrag(startMt, (MigrateType)fallbackMt, claimed: false);
                return stolen;
            }

            if (canSteal && GetPageblockMt(i) != MigrateType.HighAtomic)
            {
                if (currentOrder >= Pageblock.Order)
                {
                    ChangePageblockRange(i, currentOrder, startMt);
                }
                else
                {
                    int movable = 0;
                    int start = i & ~((int)Pageblock.NrPages - 1);
                    int end = start + (int)Pageblock.NrPages;
                    int pages = 0;
                    if (zone.SpansPfn(_base + (ulong)(end - 1)))
                    {
                        pages = MoveFreepages(zone, zone.SpansPfn(_base + (ulong)start) ? start : i, end, startMt, ref movable, move: true);
                    }

                    if (pages >= 1 << (Pageblock.Order - 1) || PageGroupByMobilityDisabled)
                    {
                        SetPageblockMt(i, startMt);
                    }
                }
            }

            DelFromFreeList(i, zone, currentOrder);
            Expand(i, zone, order, currentOrder, startMt);
            _lastRmqueueMt = startMt;
            RecordExtfrag(startMt, (MigrateType)fallbackMt, GetPageblockMt(i) == startMt);
            return i;
        }

        return Nil;
    }

    private void RecordExtfrag(MigrateType start, MigrateType fallback, bool claimed)
        => _extfrag[((int)start * NrMt + (int)fallback) * 2 + (claimed ? 1 : 0)]++;

    // mirrors boost_watermark (v5.0+)
    private bool BoostWatermark(Zone zone)
    {
        if (Sysctls.WatermarkBoostFactor == 0 || Pageblock.NrPages * 4 > zone.ManagedPages)
        {
            return false;
        }

        ulong maxBoost = WatermarkCalculator.MultFrac(zone.Watermarks.RawMark(WatermarkIndex.High), (ulong)Sysctls.WatermarkBoostFactor, 10000);
        if (maxBoost == 0)
        {
            return false;
        }

        maxBoost = Math.Max(Pageblock.NrPages, maxBoost);
        zone.Watermarks.Boost = Math.Min(zone.Watermarks.Boost + Pageblock.NrPages, maxBoost);
        return true;
    }

    // mirrors reserve_highatomic_pageblock: up to 1 % of the zone plus one pageblock, mergeable blocks only
    private void ReserveHighatomicPageblock(int i, Zone zone)
    {
        long maxManaged = (long)(zone.ManagedPages / 100) + (long)Pageblock.NrPages;
        if (zone.NrReservedHighAtomic >= maxManaged)
        {
            return;
        }

        MigrateType mt = GetPageblockMt(i);
        if (MigrateTypes.IsMergeable(mt) && !IsSticky(i))
        {
            zone.NrReservedHighAtomic += (long)Pageblock.NrPages;
            SetPageblockMt(i, MigrateType.HighAtomic);
            MoveFreepagesBlock61(zone, i, MigrateType.HighAtomic, out _);
        }
    }

    /// <summary>
    /// mirrors <c>unreserve_highatomic_pageblock</c>: gives one highatomic pageblock of an eligible zone back to
    /// <paramref name="mt"/> (keeping one pageblock unless <paramref name="force"/>). Returns true when one moved.
    /// </summary>
    public bool UnreserveHighatomicPageblock(int node, int highestZoneIdx, MigrateType mt, bool force)
    {
        foreach (int zi in _zonelists[node])
        {
            Zone zone = _zones[zi];
            if ((int)zone.Type > highestZoneIdx)
            {
                continue;
            }

            if (!force && zone.NrReservedHighAtomic <= (long)Pageblock.NrPages)
            {
                continue;
            }

            for (int order = 0; order <= Pageblock.MaxOrder; order++)
            {
                int i = _listHead[ListIndex(zi, order, (int)MigrateType.HighAtomic)];
                if (i == Nil)
                {
                    continue;
                }

                if (GetPageblockMt(i) == MigrateType.HighAtomic)
                {
                    zone.NrReservedHighAtomic -= Math.Min((long)Pageblock.NrPages, zone.NrReservedHighAtomic);
                }

                SetPageblockMt(i, mt);
                if (MoveFreepagesBlock61(zone, i, mt, out _) > 0)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
