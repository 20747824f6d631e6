using System.Runtime.CompilerServices;

namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    // mirrors add_to_free_list / add_to_free_list_tail (+ set_buddy_order, __SetPageBuddy). Free-page accounting
    // follows list membership, as __mod_zone_freepage_state does for the migratetype a page is freed or taken with:
    // NR_FREE_PAGES counts every list but ISOLATE, NR_FREE_CMA_PAGES the CMA lists.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddToFreeList(int i, Zone zone, int order, MigrateType mt, bool tail)
    {
        int li = ListIndex(zone.Index, order, (int)mt);
        if (tail)
        {
            if (order == Pageblock.MaxOrder && mt == MigrateType.Movable && _pristineNext[zone.Index] < _pristineEnd[zone.Index])
            {
                // the pristine blocks are the list's tail: link them all before appending after them
                MaterializeZone(zone.Index);
            }

            int t = _listTail[li];
            _prev[i] = t;
            _next[i] = Nil;
            if (t != Nil)
            {
                _next[t] = i;
            }
            else
            {
                _listHead[li] = i;
            }

            _listTail[li] = i;
        }
        else
        {
            int h = _listHead[li];
            _next[i] = h;
            _prev[i] = Nil;
            if (h != Nil)
            {
                _prev[h] = i;
            }
            else
            {
                _listTail[li] = i;
            }

            _listHead[li] = i;
        }

        _listCount[li]++;
        _areaNrFree[zone.Index * NrOrders + order]++;
        _flags[i] = PageState.Flags(KindFree, order);
        _info[i] = (byte)mt;
        AccountFree(zone, mt, 1L << order);
    }

    // mirrors del_page_from_free_list (+ __ClearPageBuddy, set_page_private(0)): the head becomes a plain page.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DelFromFreeList(int i, Zone zone, int order)
    {
        MigrateType mt = PageState.MigrateTypeOf(_info[i]);
        Unlink(i, ListIndex(zone.Index, order, (int)mt));
        _areaNrFree[zone.Index * NrOrders + order]--;
        _flags[i] = KindTail;
        AccountFree(zone, mt, -(1L << order));
    }

    // mirrors move_to_free_list (list_move_tail onto another migratetype's list)
    private void MoveToFreeList(int i, Zone zone, int order, MigrateType mt)
    {
        MigrateType old = PageState.MigrateTypeOf(_info[i]);
        if (old == mt)
        {
            int li0 = ListIndex(zone.Index, order, (int)mt);
            if (_listTail[li0] == i)
            {
                return;
            }
        }

        Unlink(i, ListIndex(zone.Index, order, (int)old));
        AccountFree(zone, old, -(1L << order));
        _areaNrFree[zone.Index * NrOrders + order]--;
        AddToFreeList(i, zone, order, mt, tail: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Unlink(int i, int li)
    {
        int n = _next[i], p = _prev[i];
        if (p != Nil)
        {
            _next[p] = n;
        }
        else
        {
            _listHead[li] = n;
        }

        if (n != Nil)
        {
            _prev[n] = p;
        }
        else
        {
            _listTail[li] = p;
            if (p == Nil)
            {
                // the linked part ran empty: link the next pristine block, if this list has them
                int zone = li / (NrOrders * NrMt);
                if (li == ListIndex(zone, Pageblock.MaxOrder, (int)MigrateType.Movable))
                {
                    _listCount[li]--;
                    EnsureLinked(zone);
                    return;
                }
            }
        }

        _listCount[li]--;
    }

    // Pristine boot blocks of each zone (MOVABLE, order 10): [_pristineNext, _pristineEnd) in map indices, counted in
    // the list and zone counters but not yet linked nor given their per-pfn zone id.
    private readonly int[] _pristineNext;
    private readonly int[] _pristineEnd;

    // Keeps the pristine blocks behind at least one linked entry, so list heads and emptiness tests stay exact.
    private void EnsureLinked(int zone)
    {
        int li = ListIndex(zone, Pageblock.MaxOrder, (int)MigrateType.Movable);
        if (_listHead[li] == Nil && _pristineNext[zone] < _pristineEnd[zone])
        {
            LinkNextPristine(zone);
        }
    }

    private void LinkNextPristine(int zone)
    {
        int b = _pristineNext[zone];
        _pristineNext[zone] = b + (1 << Pageblock.MaxOrder);
        new Span<byte>(_zoneOf + b, 1 << Pageblock.MaxOrder).Fill((byte)zone);
        _flags[b] = PageState.Flags(KindFree, Pageblock.MaxOrder);
        _info[b] = (byte)MigrateType.Movable;
        int li = ListIndex(zone, Pageblock.MaxOrder, (int)MigrateType.Movable);
        int t = _listTail[li];
        _prev[b] = t;
        _next[b] = Nil;
        if (t != Nil)
        {
            _next[t] = b;
        }
        else
        {
            _listHead[li] = b;
        }

        _listTail[li] = b;
    }

    /// <summary>Links every pristine block of a zone (before walking its pfns or appending to its MOVABLE order-10 tail).</summary>
    internal partial void MaterializeZone(int zone)
    {
        while (_pristineNext[zone] < _pristineEnd[zone])
        {
            LinkNextPristine(zone);
        }
    }

    /// <summary>
    /// Links every pristine block of every zone: the free lists a booted machine builds lazily (deferred boot blocks)
    /// become explicit. Semantically neutral; <c>zonelab bench</c> times it on a 1 TiB machine.
    /// </summary>
    public void MaterializeAll()
    {
        for (int z = 0; z < _zones.Length; z++)
        {
            MaterializeZone(z);
        }
    }

    // True when map index i lies in a zone's not yet linked boot blocks; gives the zone.
    private bool IsPristine(int i, out int zone)
    {
        for (zone = 0; zone < _zones.Length; zone++)
        {
            if (i >= _pristineNext[zone] && i < _pristineEnd[zone])
            {
                return true;
            }
        }

        zone = -1;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccountFree(Zone zone, MigrateType mt, long pages)
    {
        if (mt != MigrateType.Isolate)
        {
            zone.NrFreePages += pages;
            if (mt == MigrateType.Cma)
            {
                zone.NrFreeCmaPages += pages;
            }
        }
    }

    // mirrors expand(): halve the block, the upper halves go to the head of the free lists of order high-1 .. low
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Expand(int i, Zone zone, int low, int high, MigrateType mt)
    {
        int size = 1 << high;
        while (high > low)
        {
            high--;
            size >>= 1;
            AddToFreeList(i + size, zone, high, mt, tail: false);
        }
    }

    // mirrors __rmqueue_smallest: first page of the smallest order with a page on the migratetype's list
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int RmqueueSmallest(Zone zone, int order, MigrateType mt)
    {
        int li = ListIndex(zone.Index, order, (int)mt);
        for (int o = order; o <= Pageblock.MaxOrder; o++, li += NrMt)
        {
            int i = _listHead[li];
            if (i == Nil)
            {
                continue;
            }

            DelFromFreeList(i, zone, o);
            Expand(i, zone, order, o, mt);
            _lastRmqueueMt = mt;
            return i;
        }

        return Nil;
    }

    // mirrors __free_one_page: coalesce with free buddies of the same order in the same zone, never across
    // pageblocks whose types may not mix (6.1: ISOLATE/CMA/HIGHATOMIC only with their own kind at >= pageblock_order;
    // 4.10: only ISOLATE was kept apart; 6.12 also retypes a mergeable buddy's pageblock to the freed type).
    private void FreeOnePage(int i, Zone zone, int order, MigrateType mt, bool toTail)
    {
        int buddy = 0;
        byte zid = (byte)zone.Index;
        while (order < Pageblock.MaxOrder)
        {
            buddy = i ^ (1 << order);
            if ((uint)buddy >= (uint)_length || _flags[buddy] != PageState.Flags(KindFree, order) || _zoneOf[buddy] != zid)
            {
                break;
            }

            if (order >= Pageblock.Order)
            {
                MigrateType buddyMt = GetPageblockMt(buddy);
                if (mt != buddyMt)
                {
                    bool refuse = Version == KernelVersion.V4_10
                        ? mt == MigrateType.Isolate || buddyMt == MigrateType.Isolate
                        : !MigrateTypes.IsMergeable(mt) || !MigrateTypes.IsMergeable(buddyMt);
                    // a sticky pageblock merges only with its own type: else its pages would sit on (or, 6.12, its
                    // pageblock be retyped to) another type's lists
                    refuse |= IsSticky(i) || IsSticky(buddy);
                    if (refuse)
                    {
                        break;
                    }
                }
            }

            DelFromFreeList(buddy, zone, order);
            if (Version >= KernelVersion.V6_12 && order >= Pageblock.Order && GetPageblockMt(buddy) != mt)
            {
                // "Match buddy type": keeps free lists and pageblock types in step (freelist hygiene, v6.10)
                SetPageblockMt(buddy, mt);
            }

            i &= buddy;
            order++;
        }

        // mirrors __free_one_page's done_merging: FPI_TO_TAIL, else shuffle_pick_tail() for is_shuffle_order(order),
        // else buddy_merge_likely: if the next-larger buddy is free, this block will probably merge soon,
        // so put it at the tail where it is less likely to be allocated first.
        if (!toTail && order >= ShuffleOrder && _shuffle)
        {
            toTail = ShufflePickTail();
        }
        else if (!toTail && order < Pageblock.MaxOrder - 1)
        {
            buddy = i ^ (1 << order);
            int higher = i & buddy;
            int higherBuddy = higher ^ (1 << (order + 1));
            toTail = (uint)higherBuddy < (uint)_length && _flags[higherBuddy] == PageState.Flags(KindFree, (order + 1))
                && _zoneOf[higherBuddy] == zid;
        }

        AddToFreeList(i, zone, order, mt, toTail);
    }
}
