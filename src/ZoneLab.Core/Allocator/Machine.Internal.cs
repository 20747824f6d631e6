namespace ZoneLab.Allocator;

// Page-level operations for the reclaim and compaction models (same assembly): they act on block heads by index
// and keep every counter and list consistent, so the invariant checker holds between model steps.
public sealed unsafe partial class Machine
{
    internal byte InfoAt(int i) => _info[i];

    internal int KindAt(int i) => PageState.KindOf(_flags[i]);

    internal int IndexOf(ulong pfn) => (int)(pfn - _base);

    /// <summary>Zone span as head indices [start, end) clipped to the map.</summary>
    internal (int Start, int End) ZoneIndexRange(Zone z)
    {
        long s = Math.Max((long)z.StartPfn - (long)_base, 0);
        long e = Math.Min((long)z.EndPfn - (long)_base, _length);
        return ((int)Math.Min(s, _length), (int)Math.Max(e, 0));
    }

    internal MigrateType PageblockTypeAt(int i) => GetPageblockMt(i);

    /// <summary>Takes a free block off its list (compaction's isolate_freepages / __isolate_free_page):
    /// NR_FREE_PAGES drops; the pages belong to the caller until placed or released.</summary>
    internal int IsolateFree(int i)
    {
        int order = PageState.OrderOf(_flags[i]);
        DelFromFreeList(i, _zones[_zoneOf[i]], order);
        return order;
    }

    /// <summary>Gives isolated pages back to the buddy allocator (<c>release_freepages</c>).</summary>
    internal void ReleaseIsolated(int i, int order)
    {
        _flags[i] = KindTail;
        FreeOnePage(i, _zones[_zoneOf[i]], order, GetPageblockMt(i), toTail: false);
    }

    /// <summary>
    /// Moves the contents of allocated order-0 block <paramref name="src"/> into isolated free page <paramref name="dst"/>
    /// (migrate_pages with a compaction target): the destination inherits migratetype, use and LRU state, the source
    /// is freed. Returns false when the source is not a movable order-0 LRU page.
    /// </summary>
    internal bool MigratePage(int src, int dst)
    {
        if (_flags[src] != PageState.Flags(KindAlloc, 0) || !OnRealLru(src))
        {
            return false;
        }

        byte info = _info[src];
        bool active = (info & PageState.Active) != 0;
        var use = PageState.UseOf(info);
        _flags[dst] = PageState.Flags(KindAlloc, 0);
        _info[dst] = PageState.WithoutLru(info);
        _usePages[_zones[_zoneOf[dst]].Node * UseKinds + (int)use]++;
        LruAges?.SetStamp(dst, LruAges.StampOf(src)); // migration keeps the page's LRU age
        LruAdd(dst, _zones[_zoneOf[dst]].Node, LruFor(use, active));
        FreeNoCheck(_base + (ulong)src, 0);
        NotifyMigrated(_base + (ulong)src, _base + (ulong)dst);
        return true;
    }

    /// <summary>Reclaims an allocated LRU block: it leaves the LRU and is freed (shrink_folio_list's free path).</summary>
    internal void ReclaimBlock(int i) => FreeNoCheck(_base + (ulong)i, PageState.OrderOf(_flags[i]));

    /// <summary>Runs the debug checker if enabled (after a model step).</summary>
    internal void DebugCheck() => CheckIfDebug();

    /// <summary>Clears the watermark boost of a node's zones (kswapd after boosted reclaim).</summary>
    internal void ClearBoosts(int node)
    {
        foreach (Zone z in _zones)
        {
            if (z.Node == node)
            {
                z.Watermarks.Boost = 0;
            }
        }
    }
}
