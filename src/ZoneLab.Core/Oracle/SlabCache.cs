using System.Globalization;
using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

/// <summary>
/// A kmem cache as SLUB (6.1 mm/slub.c) keeps it, one node and one CPU: slabs of one order taken from the page
/// allocator with the cache's GFP (unmovable, or __GFP_RECLAIMABLE for SLAB_RECLAIM_ACCOUNT caches: allocate_slab →
/// <c>alloc_slab_page(flags | s->allocflags, node, oo)</c>), objects per slab and slab order from the guest's own
/// /proc/slabinfo. A slab is the CPU's slab (c->slab), on the CPU's partial list (c->partial, frozen), on the node's
/// partial list (n->partial) or full (on no list). Objects are taken from the CPU slab, then the CPU partial list,
/// then the node partial list, then a new slab (___slab_alloc, get_partial_node). A free into a full slab freezes it
/// onto the CPU partial list (__slab_free → put_cpu_partial); when that list already holds cpu_partial_slabs slabs
/// it is moved to the node partial list, and its empty slabs are discarded only while the node already holds
/// min_partial partial slabs (__unfreeze_partials); an emptied slab on the node partial list is discarded on the
/// same condition (__slab_free's slab_empty). So after a mass free SLUB keeps the first min_partial emptied slabs,
/// the last ones on the CPU partial list and the CPU slab: allocated pages among the freed ones.
/// </summary>
internal sealed class SlabCache
{
    private const int PageSize = 4096;

    // MIN_PARTIAL and MAX_PARTIAL (mm/slub.c): bounds of s->min_partial
    private const int MinPartialFloor = 5, MaxPartial = 10;

    private enum SlabState : byte
    {
        Full,
        Cpu,
        CpuPartial,
        NodePartial,
        Discarded,
    }

    private readonly int _objPerSlab;
    private readonly bool _reclaimable;
    private readonly List<ulong> _pfn = [];
    private readonly List<int> _inuse = [];
    private readonly List<SlabState> _state = [];
    private readonly List<LinkedListNode<int>?> _partialNode = [];
    private readonly List<int> _cpuPartial = [];          // c->partial: the head (newest) last
    private readonly LinkedList<int> _nodePartial = new(); // n->partial: head first
    private int _cpuSlab = -1;

    public SlabCache(string name, int objPerSlab, int order, int objSize, bool reclaimable)
    {
        Name = name;
        _objPerSlab = objPerSlab;
        Order = order;
        _reclaimable = reclaimable;
        MinPartial = MinPartialFor(objSize);
        CpuPartialSlabs = CpuPartialSlabsFor(objSize, objPerSlab);
    }

    public string Name { get; }

    public int Order { get; }

    /// <summary>s->min_partial: set_min_partial(s, ilog2(s->size) / 2), kept within MIN_PARTIAL..MAX_PARTIAL.</summary>
    public int MinPartial { get; }

    /// <summary>s->cpu_partial_slabs: slub_set_cpu_partial's DIV_ROUND_UP(nr_objects * 2, objects per slab).</summary>
    public int CpuPartialSlabs { get; }

    /// <summary>Slabs the cache holds (pages of the page allocator it has not given back).</summary>
    public int LiveSlabs { get; private set; }

    /// <summary>Objects in use.</summary>
    public long Objects { get; private set; }

    /// <summary>mirrors set_min_partial (6.1 mm/slub.c), with s->size = slabinfo's objsize.</summary>
    public static int MinPartialFor(int objSize) =>
        Math.Clamp(System.Numerics.BitOperations.Log2((uint)Math.Max(1, objSize)) / 2, MinPartialFloor, MaxPartial);

    /// <summary>
    /// mirrors set_cpu_partial and slub_set_cpu_partial (6.1 mm/slub.c, CONFIG_SLUB_CPU_PARTIAL=y as in Debian's
    /// kernels, no slub_debug): 6 objects for s->size ≥ PAGE_SIZE, 24 ≥ 1024, 52 ≥ 256, else 120; the list is limited
    /// to as many slabs as hold twice that many objects.
    /// </summary>
    public static int CpuPartialSlabsFor(int objSize, int objPerSlab)
    {
        int nrObjects = objSize >= PageSize ? 6 : objSize >= 1024 ? 24 : objSize >= 256 ? 52 : 120;
        return (nrObjects * 2 + objPerSlab - 1) / objPerSlab;
    }

    /// <summary>
    /// Allocates <paramref name="n"/> objects; <paramref name="runs"/> gets (slab, count) in allocation order (to
    /// free the same objects later); returns false when a slab could not be allocated.
    /// </summary>
    public bool Add(Machine m, long n, Func<ulong, int, PageUse, bool> track, List<(int Slab, int Count)>? runs)
    {
        while (n > 0)
        {
            if (_cpuSlab < 0 || _inuse[_cpuSlab] == _objPerSlab)
            {
                if (!NextCpuSlab(m, track))
                {
                    return false;
                }
            }
            int take = (int)Math.Min(n, _objPerSlab - _inuse[_cpuSlab]);
            _inuse[_cpuSlab] += take;
            Objects += take;
            n -= take;
            if (runs != null)
            {
                if (runs.Count > 0 && runs[^1].Slab == _cpuSlab)
                {
                    runs[^1] = (_cpuSlab, runs[^1].Count + take);
                }
                else
                {
                    runs.Add((_cpuSlab, take));
                }
            }
        }
        return true;
    }

    // ___slab_alloc once c->slab has no free object: the full slab leaves the CPU (on no list), then
    // slub_percpu_partial (c->partial's head), get_partial → get_partial_node (n->partial's head), new_slab
    private bool NextCpuSlab(Machine m, Func<ulong, int, PageUse, bool> track)
    {
        if (_cpuSlab >= 0)
        {
            _state[_cpuSlab] = SlabState.Full;
            _cpuSlab = -1;
        }
        int s;
        if (_cpuPartial.Count > 0)
        {
            s = _cpuPartial[^1];
            _cpuPartial.RemoveAt(_cpuPartial.Count - 1);
        }
        else if (_nodePartial.First is LinkedListNode<int> head)
        {
            s = head.Value;
            _nodePartial.RemoveFirst();
            _partialNode[s] = null;
        }
        else
        {
            // The pageblock follows the cache's GFP; the page is kernel memory to the engine either way: the runner's
            // objects are on no shrinker's list (pipes and files held open, tmpfs dentries pinned, buffer heads and
            // xa_nodes freed with their page cache), so the reclaim model's generic slab shrinker, which frees
            // SlabReclaimable pages oldest first, must not take them behind SLUB's back (the guests' slabs_scanned
            // is 0-58 objects after the reclaim of kswapd-sleep, pagecache-reclaim and anon-swap)
            GfpFlags gfp = _reclaimable ? Gfp.Kernel | GfpFlags.Reclaimable : Gfp.Kernel;
            const PageUse use = PageUse.Kernel;
            AllocResult r = m.Allocate(Order, gfp, 0, use);
            if (!r.Success)
            {
                return false;
            }
            s = _pfn.Count;
            _pfn.Add(r.Pfn);
            _inuse.Add(0);
            _state.Add(SlabState.Full);
            _partialNode.Add(null);
            LiveSlabs++;
            track(r.Pfn, Order, use);
        }
        _state[s] = SlabState.Cpu;
        _cpuSlab = s;
        return true;
    }

    /// <summary>Allocates one object; returns its slab, or -1 when a slab could not be allocated.</summary>
    public int AddOne(Machine m, Func<ulong, int, PageUse, bool> track)
    {
        if ((_cpuSlab < 0 || _inuse[_cpuSlab] == _objPerSlab) && !NextCpuSlab(m, track))
        {
            return -1;
        }
        _inuse[_cpuSlab]++;
        Objects++;
        return _cpuSlab;
    }

    /// <summary>Frees one object of slab <paramref name="slab"/>; a page SLUB discards goes to <paramref name="discarded"/>.</summary>
    public void RemoveOne(int slab, List<ulong> discarded) => FreeObject(slab, discarded);

    /// <summary>
    /// Frees the first <paramref name="n"/> objects of <paramref name="runs"/> (oldest first, as they were allocated)
    /// and removes them from it; the pages of the slabs SLUB discards go to <paramref name="discarded"/>.
    /// </summary>
    public void Remove(List<(int Slab, int Count)> runs, long n, List<ulong> discarded)
    {
        int i = 0;
        while (n > 0 && i < runs.Count)
        {
            (int slab, int count) = runs[i];
            int k = (int)Math.Min(n, count);
            for (int j = 0; j < k; j++)
            {
                FreeObject(slab, discarded);
            }
            n -= k;
            if (k == count)
            {
                i++;
            }
            else
            {
                runs[i] = (slab, count - k);
            }
        }
        runs.RemoveRange(0, i);
    }

    /// <summary>Frees every object of <paramref name="runs"/>.</summary>
    public void RemoveAll(List<(int Slab, int Count)> runs, List<ulong> discarded) => Remove(runs, long.MaxValue, discarded);

    // mirrors __slab_free (6.1): a frozen slab (the CPU's or on c->partial) just takes the object back; a full slab is
    // frozen and put on c->partial (put_cpu_partial with drain); an emptied slab of n->partial is discarded while
    // n->nr_partial >= min_partial
    private void FreeObject(int s, List<ulong> discarded)
    {
        _inuse[s]--;
        Objects--;
        switch (_state[s])
        {
            case SlabState.Cpu:
            case SlabState.CpuPartial:
                return;
            case SlabState.Full:
                PutCpuPartial(s, discarded);
                return;
            case SlabState.NodePartial:
                if (_inuse[s] == 0 && _nodePartial.Count >= MinPartial)
                {
                    _nodePartial.Remove(_partialNode[s]!);
                    _partialNode[s] = null;
                    Discard(s, discarded);
                }
                return;
            default:
                throw new InvalidOperationException($"{Name}: object freed into a discarded slab");
        }
    }

    // mirrors put_cpu_partial (6.1, drain = 1): a full c->partial (cpu_partial_slabs slabs) goes to the node first
    private void PutCpuPartial(int s, List<ulong> discarded)
    {
        if (_cpuPartial.Count >= CpuPartialSlabs)
        {
            UnfreezePartials(discarded);
        }
        _state[s] = SlabState.CpuPartial;
        _cpuPartial.Add(s);
    }

    // mirrors __unfreeze_partials (6.1): from c->partial's head (the newest), an empty slab is discarded when the node
    // already has min_partial partial slabs, any other goes to the tail of n->partial
    private void UnfreezePartials(List<ulong> discarded)
    {
        for (int k = _cpuPartial.Count - 1; k >= 0; k--)
        {
            int s = _cpuPartial[k];
            if (_inuse[s] == 0 && _nodePartial.Count >= MinPartial)
            {
                Discard(s, discarded);
            }
            else
            {
                _state[s] = SlabState.NodePartial;
                _partialNode[s] = _nodePartial.AddLast(s);
            }
        }
        _cpuPartial.Clear();
    }

    private void Discard(int s, List<ulong> discarded)
    {
        _state[s] = SlabState.Discarded;
        LiveSlabs--;
        discarded.Add(_pfn[s]);
    }

    /// <summary>
    /// The caches of a guest's /proc/slabinfo (slabinfo 2.1: name active num objsize objperslab pagesperslab ...):
    /// objects per slab, slab order and object size by cache name.
    /// </summary>
    public static Dictionary<string, (int ObjPerSlab, int Order, int ObjSize)> ReadSlabinfo(string text, string source)
    {
        var d = new Dictionary<string, (int, int, int)>(StringComparer.Ordinal);
        int ln = 0;
        foreach (string line in text.Split('\n'))
        {
            ln++;
            if (line.StartsWith("slabinfo", StringComparison.Ordinal) || line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length < 6 || !int.TryParse(t[3], CultureInfo.InvariantCulture, out int size) || !int.TryParse(t[4], CultureInfo.InvariantCulture, out int per) || !int.TryParse(t[5], CultureInfo.InvariantCulture, out int pages)
                || per <= 0 || pages <= 0 || (pages & (pages - 1)) != 0)
            {
                throw new ZoneLabInputException(source, ln, "expected 'name active num objsize objperslab pagesperslab ...'");
            }
            d[t[0]] = (per, System.Numerics.BitOperations.Log2((uint)pages), size);
        }
        return d;
    }
}
