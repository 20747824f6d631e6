using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ZoneLab.Allocator;

// Page-level operations for alloc_contig_range(), memory offlining and gigantic pages (mm/page_isolation.c,
// mm/page_alloc.c 6.1), used by the Contiguous and Hotplug folders. They keep every counter and list consistent.
public sealed unsafe partial class Machine
{
    /// <summary>Index of the first pfn of the map.</summary>
    internal partial int IndexOfPfn(ulong pfn) => (int)(pfn - _base);

    /// <summary>True when every pfn of [start, end) is memory of one zone (no hole, no zone change).</summary>
    internal partial bool RangeInOneZone(ulong start, ulong end, out int zone)
    {
        zone = -1;
        if (start < _base || end > _base + (ulong)_length || start >= end)
        {
            return false;
        }
        int s = (int)(start - _base), e = (int)(end - _base);
        // boot blocks not linked yet carry no zone link: link them first (neutral; they are their lists' tails).
        // Matters where a whole zone is one free range, e.g. the ZONE_CMA or DMB designs' zones.
        for (int z = 0; z < _zones.Length; z++)
        {
            if (_pristineNext[z] < e && s < _pristineEnd[z])
            {
                MaterializeZone(z);
            }
        }

        // one zone id and no hole page over the range: two vectorised scans of the per-pfn bytes (cma_alloc's
        // windows call this for every window it tries)
        zone = _zoneOf[s];
        if (new ReadOnlySpan<byte>(_zoneOf + s, e - s).IndexOfAnyExcept((byte)zone) >= 0
            || new ReadOnlySpan<byte>(_flags + s, e - s).IndexOfAnyInRange(PageState.Flags(KindHole, 0), PageState.Flags(KindHole, PageState.MaxOrderBits)) >= 0)
        {
            return false;
        }
        return zone != NoZone;
    }

    /// <summary>
    /// mirrors set_migratetype_isolate() with has_unmovable_pages(): isolates the pageblock holding map index
    /// <paramref name="i"/>, saving its migratetype; its free pages move to the ISOLATE lists (leaving NR_FREE_PAGES).
    /// </summary>
    internal partial IsolateBlock IsolatePageblock(int i, IsolationMode mode, out MigrateType saved)
    {
        int start = i & ~((int)Pageblock.NrPages - 1);
        saved = GetPageblockMt(start);
        if (_zoneOf[start] == NoZone)
        {
            return IsolateBlock.OutsideZone;
        }
        Zone zone = _zones[_zoneOf[start]];
        MaterializeZone(zone.Index);
        if (saved == MigrateType.Isolate)
        {
            return IsolateBlock.AlreadyIsolated;
        }
        if (HasUnmovablePages(start, zone, saved, mode))
        {
            return IsolateBlock.Unmovable;
        }
        SetPageblockMt(start, MigrateType.Isolate);
        int movable = 0;
        int end = Math.Min(start + (int)Pageblock.NrPages, _length);
        MoveFreepages(zone, start, end, MigrateType.Isolate, ref movable, move: true);
        zone.NrIsolatePageblock++;
        return IsolateBlock.Ok;
    }

    /// <summary>mirrors unset_migratetype_isolate(): the block gets its saved type back, its free pages with it.</summary>
    internal partial void UndoIsolatePageblock(int i, MigrateType saved)
    {
        int start = i & ~((int)Pageblock.NrPages - 1);
        if (GetPageblockMt(start) != MigrateType.Isolate)
        {
            return;
        }
        Zone zone = _zones[_zoneOf[start]];
        SetPageblockMt(start, saved);
        int movable = 0;
        int end = Math.Min(start + (int)Pageblock.NrPages, _length);
        MoveFreepages(zone, start, end, saved, ref movable, move: true);
        zone.NrIsolatePageblock--;
    }

    // mirrors has_unmovable_pages() (6.1): a CMA pageblock is movable only for CMA allocations; in ZONE_MOVABLE only
    // reserved pages count; elsewhere a reserved page or an allocated page that is neither on an LRU nor movable_ops.
    private bool HasUnmovablePages(int start, Zone zone, MigrateType mt, IsolationMode mode)
    {
        if (mt == MigrateType.Cma)
        {
            return mode != IsolationMode.Cma;
        }
        int end = Math.Min(start + (int)Pageblock.NrPages, _length);
        if (new ReadOnlySpan<byte>(_zoneOf + start, end - start).IndexOfAnyExcept((byte)zone.Index) < 0)
        {
            return BlockHasUnmovablePages(start, end, zone);
        }
        for (int p = start; p < end; p++)
        {
            int kind = PageState.KindOf(_flags[p]);
            if (_zoneOf[p] != zone.Index)
            {
                continue;
            }
            if (kind == KindReserved)
            {
                return true;
            }
            // ZONE_CMA v7 holds only movable pages, like ZONE_MOVABLE (its pageblocks are MIGRATE_MOVABLE after 5/7)
            if (zone.Type is Layout.ZoneType.Movable or Layout.ZoneType.Cma)
            {
                continue;
            }
            if (kind == KindAlloc && !OnRealLru(p))
            {
                return true;
            }
        }
        return false;
    }

    // has_unmovable_pages() over a pageblock whose pages are all in the zone (the common case; cma_alloc's windows
    // test every pageblock they isolate): a reserved page is found by one vectorised scan of the flags bytes; outside
    // ZONE_MOVABLE, an allocated block not on an LRU list by a second one over the flags and info bytes together. The
    // kernel's walk looks at block heads only, and an allocated-kind flags byte is always a head (tails are zero
    // bytes), so "some allocated-kind byte of the block is not on a real LRU" is its answer, 32 pages at a time.
    private bool BlockHasUnmovablePages(int start, int end, Zone zone)
    {
        if (new ReadOnlySpan<byte>(_flags + start, end - start).IndexOfAnyInRange(PageState.Flags(KindReserved, 0), PageState.Flags(KindReserved, PageState.MaxOrderBits)) >= 0)
        {
            return true;
        }
        if (zone.Type is Layout.ZoneType.Movable or Layout.ZoneType.Cma)
        {
            return false;
        }
        int p = start;
        if (Vector256.IsHardwareAccelerated)
        {
            // PageState's layout: the kind is the flags byte's high nibble; PG_lru is the info byte's top bit, the use
            // its bits 3-5 (OnRealLru: PG_lru and an anon, file or shmem use)
            var kindMask = Vector256.Create(PageState.Flags(PageState.MaxOrderBits, 0));
            var allocKind = Vector256.Create(PageState.Flags(KindAlloc, 0));
            var lruMask = Vector256.Create(PageState.OnLru);
            var useMask = Vector256.Create((byte)(7 << 3));
            var anon = Vector256.Create((byte)((int)PageUse.Anon << 3));
            var file = Vector256.Create((byte)((int)PageUse.File << 3));
            var fileDirty = Vector256.Create((byte)((int)PageUse.FileDirty << 3));
            var shmem = Vector256.Create((byte)((int)PageUse.Shmem << 3));
            for (; p + Vector256<byte>.Count <= end; p += Vector256<byte>.Count)
            {
                Vector256<byte> alloc = Vector256.Equals(Vector256.Load(_flags + p) & kindMask, allocKind);
                Vector256<byte> info = Vector256.Load(_info + p);
                Vector256<byte> use = info & useMask;
                Vector256<byte> real = Vector256.Equals(info & lruMask, lruMask)
                    & (Vector256.Equals(use, anon) | Vector256.Equals(use, file) | Vector256.Equals(use, fileDirty) | Vector256.Equals(use, shmem));
                if (Vector256.AndNot(alloc, real) != Vector256<byte>.Zero)
                {
                    return true;
                }
            }
        }
        for (; p < end; p++)
        {
            if (PageState.KindOf(_flags[p]) == KindAlloc && !OnRealLru(p))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Allocated block heads in [start, end) (map indices), with their orders.</summary>
    internal partial void AllocatedHeads(int start, int end, List<(int Index, int Order)> into)
    {
        into.Clear();
        int p = start;
        // a block may start before the range: step back to its head
        while (p > 0 && PageState.KindOf(_flags[p]) == KindTail)
        {
            p--;
        }
        while (p < end)
        {
            int kind = PageState.KindOf(_flags[p]);
            if (kind == KindAlloc || kind == KindFree)
            {
                int o = PageState.OrderOf(_flags[p]);
                if (kind == KindAlloc && p + (1 << o) > start)
                {
                    into.Add((p, o));
                }
                p += 1 << o;
                continue;
            }
            p++;
        }
    }

    /// <summary>True when a page of map indices [start, end) is reserved.</summary>
    internal partial bool HasReserved(int start, int end)
    {
        for (int p = start; p < end; p++)
        {
            if (PageState.KindOf(_flags[p]) == KindReserved)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The use of the allocated head at map index <paramref name="i"/>.</summary>
    internal partial PageUse UseAt(int i) => PageState.UseOf(_info[i]);

    /// <summary>True when map index <paramref name="i"/> is an allocated head on an LRU list.</summary>
    internal partial bool IsLruHead(int i) => PageState.KindOf(_flags[i]) == KindAlloc && OnRealLru(i);

    /// <summary>
    /// mirrors test_pages_isolated() + isolate_freepages_range(): every page of [start, end) must be free on an
    /// ISOLATE list; the free blocks are taken, parts outside the range go back to the buddy, and the range becomes
    /// allocated blocks (naturally aligned chunks) of <paramref name="use"/>. Returns false (nothing changed) otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    internal partial bool TakeIsolatedRange(int start, int end, PageUse use, MigrateType mt)
    {
        // test_pages_isolated(): walk from the block containing start
        int p = start;
        while (p > 0 && PageState.KindOf(_flags[p]) == KindTail)
        {
            p--;
        }
        int first = p;
        var blocks = new List<(int Index, int Order)>();
        while (p < end)
        {
            if (PageState.KindOf(_flags[p]) != KindFree || PageState.MigrateTypeOf(_info[p]) != MigrateType.Isolate)
            {
                return false;
            }
            int o = PageState.OrderOf(_flags[p]);
            blocks.Add((p, o));
            p += 1 << o;
        }
        Zone zone = _zones[_zoneOf[start]];
        foreach ((int b, int o) in blocks)
        {
            DelFromFreeList(b, zone, o);
        }
        // head [first, start) and tail [end, p) go back to the (isolated) buddy lists in aligned chunks
        FreeChunks(first, start, zone);
        FreeChunks(end, p, zone);
        for (int q = start; q < end;)
        {
            int o = LargestAlignedOrder(q, end);
            PrepNewPage(q, o, mt, use);
            q += 1 << o;
        }
        return true;
    }

    /// <summary>Frees [start, start+count) allocated by <see cref="TakeIsolatedRange"/> (free_contig_range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    internal partial void FreeRangeChunks(int start, int count)
    {
        for (int q = start; q < start + count;)
        {
            int o = PageState.OrderOf(_flags[q]);
            if (PageState.KindOf(_flags[q]) != KindAlloc)
            {
                throw new InvalidOperationException($"pfn {_base + (ulong)q} is not allocated");
            }
            FreeNoCheck(_base + (ulong)q, o);
            q += 1 << o;
        }
        CheckIfDebug();
    }

    private void FreeChunks(int from, int to, Zone zone)
    {
        for (int q = from; q < to;)
        {
            int o = LargestAlignedOrder(q, to);
            _flags[q] = KindTail;
            FreeOnePage(q, zone, o, GetPageblockMt(q), toTail: false);
            q += 1 << o;
        }
    }

    private static int LargestAlignedOrder(int q, int end)
    {
        int o = 0;
        while (o < Pageblock.MaxOrder && (q & ((1 << (o + 1)) - 1)) == 0 && q + (1 << (o + 1)) <= end)
        {
            o++;
        }
        return o;
    }
}
