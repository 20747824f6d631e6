using System.Runtime.CompilerServices;

namespace ZoneLab.Allocator;

/// <summary>The per-node LRU lists (<c>enum lru_list</c>).</summary>
public enum LruList
{
    InactiveAnon = 0,
    ActiveAnon = 1,
    InactiveFile = 2,
    ActiveFile = 3,
    Unevictable = 4,

    /// <summary>
    /// Not a kernel LRU: the model keeps reclaimable slab pages (dentries, inodes) on a per-node list, oldest at
    /// the tail, for its shrinker (the kernel's shrinkers track objects, not pages).
    /// </summary>
    SlabReclaimable = 5,
}

public sealed unsafe partial class Machine
{
    internal const int LruLists = 6;
    internal const int UseKinds = 8;

    // pages allocated per node and PageUse (index node * UseKinds + use)
    private long[] _usePages = [];

    /// <summary>Pages of a node allocated for a use (dirty file pages are counted under <see cref="PageUse.FileDirty"/>).</summary>
    public long UsePages(int node, PageUse use) => _usePages[node * UseKinds + (int)use];

    private readonly int[] _lruHead;
    private readonly int[] _lruTail;
    private readonly long[] _lruCount;

    /// <summary>Pages (not blocks) on one LRU list of a node (<c>nr_inactive_anon</c> etc. of the node).</summary>
    public long LruPages(int node, LruList lru) => _lruCount[node * LruLists + (int)lru];

    /// <summary>The use recorded for an allocated block head.</summary>
    public PageUse UseOf(ulong pfn) => PageState.UseOf(_info[CheckedIndex(pfn)]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // on every LRU add and delete; the JIT left the switch a call
    internal static LruList LruFor(PageUse use, bool active) => use switch
    {
        PageUse.Anon or PageUse.Shmem => active ? LruList.ActiveAnon : LruList.InactiveAnon,
        PageUse.SlabReclaimable => LruList.SlabReclaimable,
        _ => active ? LruList.ActiveFile : LruList.InactiveFile,
    };

    // PageLRU: anonymous and page-cache folios (movable by compaction); reclaimable slab is on a list but not an LRU
    internal partial bool OnRealLru(int i) => (_info[i] & PageState.OnLru) != 0 && (PageState.UseOf(_info[i])) is PageUse.Anon or PageUse.File or PageUse.FileDirty or PageUse.Shmem;

    // mirrors lruvec_add_folio: new folios go to the head of the inactive list
    internal void LruAdd(int i, int node, LruList lru)
    {
        LruLink(i, node, lru, 1L << PageState.OrderOf(_flags[i]), _zones[_zoneOf[i]]);
        _info[i] = (byte)((_info[i] & 0x3F) | PageState.OnLru | (lru is LruList.ActiveAnon or LruList.ActiveFile ? PageState.Active : 0));
    }

    // lruvec_add_folio without the folio flags: the block of `pages` pages at i goes to the head of the node's list,
    // and the list's, the age tracker's and the zone's counts grow by its size
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void LruLink(int i, int node, LruList lru, long pages, Zone zone)
    {
        int li = node * LruLists + (int)lru;
        LruLinkHead(i, li);
        _lruCount[li] += pages;
        LruAges?.Add(node, lru, i, pages);
        zone.LruPages[(int)lru] += pages;
    }

    // list_add of the block at i at the head of LRU list li (no counts: LruLink's and AllocateOrder0Run's callers keep them)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void LruLinkHead(int i, int li)
    {
        int h = _lruHead[li];
        _next[i] = h;
        _prev[i] = Nil;
        if (h != Nil)
        {
            _prev[h] = i;
        }
        else
        {
            _lruTail[li] = i;
        }

        _lruHead[li] = i;
    }

    // the uses whose pages go on an LRU list when allocated (folio_add_lru in their first mapping or page-cache insertion)
    private static bool IsLruUse(PageUse use)
        => use is PageUse.Anon or PageUse.File or PageUse.FileDirty or PageUse.SlabReclaimable or PageUse.Shmem;

    // mirrors lruvec_del_folio: unlinks the block at i from its node's list and takes its pages off the list's, the
    // age tracker's and the zone's counts. The block's info, order and zone are read once into locals: the per-pfn
    // arrays are byte pointers, so after the link stores the JIT would load them again at each use (on every free,
    // migration and reclaim of an LRU page, about 1.5M times a run).
    internal void LruDel(int i)
    {
        byte info = _info[i];
        long pages = 1L << PageState.OrderOf(_flags[i]);
        Zone zone = _zones[_zoneOf[i]];
        int node = zone.Node;
        LruList lru = LruFor(PageState.UseOf(info), (info & PageState.Active) != 0);
        int li = node * LruLists + (int)lru;
        int n = _next[i], p = _prev[i];
        if (p != Nil)
        {
            _next[p] = n;
        }
        else
        {
            _lruHead[li] = n;
        }

        if (n != Nil)
        {
            _prev[n] = p;
        }
        else
        {
            _lruTail[li] = p;
        }

        _lruCount[li] -= pages;
        LruAges?.Add(node, lru, i, -pages);
        zone.LruPages[(int)lru] -= pages;
        _info[i] = (byte)(info & 0x3F);
    }

    internal int LruIndexOf(int i)
    {
        PageUse use = PageState.UseOf(_info[i]);
        LruList lru = LruFor(use, (_info[i] & PageState.Active) != 0);
        return _zones[_zoneOf[i]].Node * LruLists + (int)lru;
    }

    /// <summary>The oldest block (tail) of a node's LRU list, or null.</summary>
    internal partial int LruTailIndex(int node, LruList lru) => _lruTail[node * LruLists + (int)lru];

    internal partial int LruPrevIndex(int i) => _prev[i];

    internal partial int OrderAt(int i) => PageState.OrderOf(_flags[i]);

    internal partial ulong PfnAt(int i) => _base + (ulong)i;

    internal partial int ZoneAt(int i) => _zoneOf[i];

    /// <summary>Rotates a block to the head of another LRU list (activation/deactivation).</summary>
    internal partial void LruMove(int i, LruList to)
    {
        int node = _zones[_zoneOf[i]].Node;
        LruDel(i);
        LruAdd(i, node, to);
    }

    internal partial void LruMoveTail(int i, LruList to)
    {
        int node = _zones[_zoneOf[i]].Node;
        LruDel(i);
        LruAdd(i, node, to);
        int li = node * LruLists + (int)to;
        if (_lruTail[li] == i)
        {
            return;
        }

        // unlink from the head LruAdd put it at, link at the tail
        int n = _next[i];
        _lruHead[li] = n;
        _prev[n] = Nil;
        int t = _lruTail[li];
        _next[t] = i;
        _prev[i] = t;
        _next[i] = Nil;
        _lruTail[li] = i;
    }

    /// <summary>mirrors <c>folio_mark_accessed</c> on an inactive LRU block: it moves to the active list.</summary>
    public void MarkAccessed(ulong pfn)
    {
        int i = CheckedIndex(pfn);
        if (PageState.KindOf(_flags[i]) == KindAlloc && OnRealLru(i) && (_info[i] & PageState.Active) == 0)
        {
            int node = _zones[_zoneOf[i]].Node;
            LruDel(i);
            LruAges?.SetStamp(i, LruAges.Clock); // a reference makes the page young
            LruAdd(i, node, LruFor(PageState.UseOf(_info[i]), active: true));
        }
    }

    /// <summary>The LRU ages of the pages (null until <see cref="TrackLruAges"/>).</summary>
    public LruAgeTracker? LruAges { get; private set; }

    /// <summary>Starts recording each LRU page's age (pages already on an LRU get stamp 0).</summary>
    public LruAgeTracker TrackLruAges()
    {
        if (LruAges == null)
        {
            var t = new LruAgeTracker(_length, NodeCount);
            for (int li = 0; li < _lruHead.Length; li++)
            {
                for (int i = _lruHead[li]; i != Nil; i = _next[i])
                {
                    t.Add(li / LruLists, (LruList)(li % LruLists), i, 1L << PageState.OrderOf(_flags[i]));
                }
            }

            LruAges = t;
        }

        return LruAges;
    }

    /// <summary>Marks a file block dirty or clean (writeback done).</summary>
    public void SetDirty(ulong pfn, bool dirty)
    {
        int i = CheckedIndex(pfn);
        PageUse use = PageState.UseOf(_info[i]);
        if (use is PageUse.File or PageUse.FileDirty)
        {
            PageUse nu = dirty ? PageUse.FileDirty : PageUse.File;
            long pages = 1L << PageState.OrderOf(_flags[i]);
            int node = _zones[_zoneOf[i]].Node;
            _usePages[node * UseKinds + (int)use] -= pages;
            _usePages[node * UseKinds + (int)nu] += pages;
            _info[i] = (byte)((_info[i] & ~0x38) | ((int)nu << 3));
        }
    }
}
