using System.Runtime.CompilerServices;

namespace ZoneLab.Allocator;

/// <summary>
/// The LRU age of every page on the anon/file LRU lists, for measuring how far reclaim departs from LRU order. A
/// page's stamp is the clock tick at which it was last referenced: when it was added to the LRU (fault, page-cache
/// insertion) or activated (<c>folio_mark_accessed</c>). Deactivation, the splice of skipped folios back to the
/// list head (<c>isolate_lru_folios</c>) and migration keep it: they move the page in the list without a reference.
/// Resident pages are counted per (node, LRU list) and stamp in a Fenwick tree, so "how many resident pages of
/// this list are older than the one being reclaimed" costs O(log ticks). The tree lags behind the counts by up to
/// <see cref="PendingSlots"/> (list, stamp) deltas per list, one per slot (the stamp modulo the slot count): updates at
/// a stamp whose slot holds it (a tick's new pages, a holding freed at once, a migrated page leaving at its age when
/// it was isolated and its copy arriving at that age) are summed, and reach the tree as one update when another stamp
/// takes the slot or the tree is read, so the sums it answers with are the same as with eager updates (integer
/// addition), at a fraction of the O(log ticks) walks.
/// </summary>
public sealed unsafe partial class LruAgeTracker
{
    private const int Lists = 4; // inactive/active anon/file: the kernel's evictable LRUs

    /// <summary>Pending (stamp, delta) slots per list, a power of two at most 64 (one occupancy bit each).</summary>
    internal const int PendingSlots = 64;

    // a stamp per pfn (4 bytes a page: 4 MiB for 4 GiB) in unmanaged memory, as the machine's per-pfn arrays: a managed
    // array this size went to the large object heap once per run and brought a gen-2 collection with it; the buffer
    // goes back to NativeBufferPool with the machine (Machine.Dispose)
    private readonly NativeBuffer _stampBuffer;
    private readonly int* _stamp;
    private readonly int _nodes;
    private long[][] _tree;
    private long[][] _count;
    private int _capacity;

    // per list and slot (index list * PendingSlots + stamp % PendingSlots): the stamp whose summed delta has not
    // reached the tree yet (-1: none) and that delta; per list, a bit per occupied slot. Alloc_contig_range isolates
    // up to 32 pages (their stamps out) before it migrates them (their copies' stamps in): with one slot per list the
    // two walked a tree path each per page (sticky-movable: ~4M a run), with 64 they mostly cancel in their slot.
    private readonly int[] _pendingStamp;
    private readonly long[] _pendingPages;
    private readonly ulong[] _pendingMask;

    // per list: the stamp of the last OlderThan query (-1: none) and its answer, kept exact by every update below that
    // stamp. Reclaim asks about each page it takes from a list's tail, and neighbours there mostly share a tick.
    private readonly int[] _olderStamp;
    private readonly long[] _olderPages;

    internal LruAgeTracker(int pfns, int nodes)
    {
        _stampBuffer = new NativeBuffer(4L * pfns);
        _stamp = (int*)_stampBuffer.Pointer;
        _nodes = nodes;
        _capacity = 1024;
        _tree = new long[nodes * Lists][];
        _count = new long[nodes * Lists][];
        _pendingStamp = new int[nodes * Lists * PendingSlots];
        _pendingPages = new long[nodes * Lists * PendingSlots];
        _pendingMask = new ulong[nodes * Lists];
        Array.Fill(_pendingStamp, -1);
        _olderStamp = new int[nodes * Lists];
        _olderPages = new long[nodes * Lists];
        Array.Fill(_olderStamp, -1);
        for (int k = 0; k < _tree.Length; k++)
        {
            _tree[k] = new long[_capacity + 1];
            _count[k] = new long[_capacity];
        }
    }

    /// <summary>The current tick (the simulation advances it every step).</summary>
    public int Clock { get; private set; }

    /// <summary>Moves the clock forward (never back).</summary>
    public void Advance(int tick)
    {
        if (tick <= Clock)
        {
            return;
        }

        Clock = tick;
        if (tick >= _capacity)
        {
            Grow(tick + 1);
        }
    }

    internal int StampOf(int i) => _stamp[i];

    // the machine is disposed: its pfns' stamps are no longer read
    internal void ReleaseStamps() => _stampBuffer.Dispose();

    internal void SetStamp(int i, int stamp) => _stamp[i] = stamp;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Add(int node, LruList lru, int i, long pages)
    {
        if ((int)lru < Lists)
        {
            Update(node * Lists + (int)lru, _stamp[i], pages);
        }
    }

    // Add for pages at a known stamp: a run of faults (Machine.AllocateOrder0Run) adds its pages of one list and tick
    // at once, which leaves the counts, the pending slot and the last query's answer as adding them one by one does
    // (each is a sum over the pages)
    internal void AddAt(int node, LruList lru, int stamp, long pages)
    {
        if ((int)lru < Lists)
        {
            Update(node * Lists + (int)lru, stamp, pages);
        }
    }

    /// <summary>Resident pages of (node, list) whose stamp is older than <paramref name="stamp"/>.</summary>
    internal long OlderThan(int node, LruList lru, int stamp)
    {
        if ((int)lru >= Lists || stamp <= 0)
        {
            return 0;
        }

        int list = node * Lists + (int)lru;
        if (_olderStamp[list] == stamp)
        {
            return _olderPages[list];
        }

        FlushAll(list);
        long[] t = _tree[list];
        long sum = 0;
        for (int k = Math.Min(stamp, _capacity); k > 0; k -= k & -k)
        {
            sum += t[k];
        }

        _olderStamp[list] = stamp;
        _olderPages[list] = sum;
        return sum;
    }

    // every LRU add and delete comes here (the order-0 fault and free paths: about four million a run); inlined into
    // its callers, which the JIT no longer did on its own, with the O(log ticks) Flush kept out of line
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Update(int list, int stamp, long pages)
    {
        _count[list][stamp] += pages;
        if (stamp < _olderStamp[list])
        {
            _olderPages[list] += pages;
        }

        int slot = stamp & (PendingSlots - 1);
        int ps = list * PendingSlots + slot;
        if (_pendingStamp[ps] != stamp)
        {
            if (_pendingStamp[ps] >= 0)
            {
                Flush(list, ps);
            }

            _pendingStamp[ps] = stamp;
            _pendingMask[list] |= 1UL << slot;
        }

        _pendingPages[ps] += pages;
    }

    // adds the delta pending in slot ps of the list to its Fenwick tree and frees the slot
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Flush(int list, int ps)
    {
        int stamp = _pendingStamp[ps];
        long pages = _pendingPages[ps];
        _pendingStamp[ps] = -1;
        _pendingPages[ps] = 0;
        _pendingMask[list] &= ~(1UL << (ps & (PendingSlots - 1)));
        if (pages == 0)
        {
            // deltas that cancelled (a migrated page's source and copy at one stamp) leave the tree as it is
            return;
        }

        long[] t = _tree[list];
        for (int k = stamp + 1; k <= _capacity; k += k & -k)
        {
            t[k] += pages;
        }
    }

    // every pending delta of the list to its tree (before the tree is read)
    private void FlushAll(int list)
    {
        for (ulong m = _pendingMask[list]; m != 0; m &= m - 1)
        {
            Flush(list, list * PendingSlots + System.Numerics.BitOperations.TrailingZeroCount(m));
        }
    }

    // doubles the tick capacity and rebuilds each tree from its per-tick counts (O(capacity) per list)
    private void Grow(int need)
    {
        int cap = _capacity;
        while (cap < need)
        {
            cap *= 2;
        }

        for (int l = 0; l < _tree.Length; l++)
        {
            // the rebuild reads the counts, which already hold the pending deltas
            Array.Fill(_pendingStamp, -1, l * PendingSlots, PendingSlots);
            Array.Fill(_pendingPages, 0, l * PendingSlots, PendingSlots);
            _pendingMask[l] = 0;
            long[] counts = new long[cap];
            Array.Copy(_count[l], counts, _capacity);
            long[] tree = new long[cap + 1];
            for (int k = 1; k <= cap; k++)
            {
                tree[k] += counts[k - 1];
                int parent = k + (k & -k);
                if (parent <= cap)
                {
                    tree[parent] += tree[k];
                }
            }

            _count[l] = counts;
            _tree[l] = tree;
        }

        _capacity = cap;
    }
}
