using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>
/// A simulated machine's physical memory and its page allocator: per-pfn state in struct-of-arrays, free lists per
/// zone × order × migratetype as intrusive doubly linked index lists, packed pageblock flags, watermarks, and the
/// kernel's allocation and free paths. No global state: machines are independent. Not thread-safe (the model
/// runs the zone lock's critical sections sequentially).
/// </summary>
/// <remarks>
/// Per-pfn bytes: <c>_flags</c> (kind + order), <c>_zoneOf</c>, <c>_info</c> (free-list migratetype of a free head;
/// allocation migratetype and use of an allocated head), <c>_next</c>/<c>_prev</c> (free-list links of a free head,
/// LRU links of an allocated head: a head is in exactly one of the two; a pfn's two links are adjacent in one buffer,
/// see <see cref="PfnLinkArray"/>), <c>_refs</c> (an LRU head's reference bits, Machine.References.cs) = 12 bytes per
/// page, plus half a byte per pageblock. Only block heads carry state; the tail pages of a block have kind <see cref="KindTail"/>.
/// </remarks>
public sealed unsafe partial class Machine : IDisposable
{
    private const int NrMt = MigrateTypes.Count;
    private const int NrOrders = Pageblock.NrOrders;

    private readonly ulong _base;
    private readonly int _length;
    private readonly byte* _flags;
    private readonly byte* _zoneOf;
    private readonly byte* _info;
    private readonly byte* _refs;
    // free-list / LRU links, next and prev of a pfn side by side in one buffer (see PfnLinkArray)
    private readonly PfnLinkArray _next;
    private readonly PfnLinkArray _prev;
    private readonly byte* _pageblock;
    private readonly int _pageblockBytes;
    private readonly NativeBuffer[] _buffers;

    // free lists, index (zone * NrOrders + order) * NrMt + mt
    private readonly int[] _listHead;
    private readonly int[] _listTail;
    private readonly int[] _listCount;

    // free_area[order].nr_free per zone, index zone * NrOrders + order
    private readonly long[] _areaNrFree;

    private readonly Zone[] _zones;
    private int[][] _zonelists;
    private int[][] _zonelistsNoFallback;
    private readonly NumaTopology _numa;
    private readonly int[] _gfpZone;
    private int[] _preferredPos;
    private AllocFlags[] _nofragment;
    private readonly long[] _events = new long[(int)VmEvent.Count];
    private readonly long[] _extfrag = new long[NrMt * NrMt * 2];

    /// <summary>Boots a machine from a spec: memmap init, reservations, <c>memblock_free_all</c>, CMA activation, watermarks.</summary>
    public Machine(MachineSpec spec)
    {
        Spec = spec;
        Version = spec.Version;
        Sysctls = spec.Sysctls;
        MaxNrZones = spec.MaxNrZones;
        DebugChecks = spec.DebugChecks;
        PerCpuLists = spec.PerCpuLists;

        ulong lo = ulong.MaxValue, hi = 0;
        int maxNode = 0;
        foreach (ZoneSpec z in spec.Zones)
        {
            if (z.SpannedPages == 0)
            {
                continue;
            }

            lo = Math.Min(lo, z.StartPfn);
            hi = Math.Max(hi, z.EndPfn);
            maxNode = Math.Max(maxNode, z.Node);
        }

        // hot-pluggable ranges (memory blocks present but offline at boot) get map entries too
        foreach (PfnRange r in spec.HotplugRanges)
        {
            lo = Math.Min(lo, r.Start);
            hi = Math.Max(hi, r.End);
        }

        if (hi == 0)
        {
            throw new ArgumentException("machine has no memory", nameof(spec));
        }

        // Align the base so relative indices keep the absolute buddy and pageblock alignment.
        _base = lo & ~(Pageblock.MaxOrderNrPages - 1);
        ulong len = ((hi - _base) + Pageblock.MaxOrderNrPages - 1) & ~(Pageblock.MaxOrderNrPages - 1);
        if (len > int.MaxValue)
        {
            throw new ArgumentException("more than 2^31 pfns (8 TiB) per machine is not supported", nameof(spec));
        }

        _length = (int)len;
        _pageblockBytes = (_length >> Pageblock.Order) / 2 + 1;
        _buffers =
        [
            new NativeBuffer(_length), new NativeBuffer(_length), new NativeBuffer(_length),
            new NativeBuffer(8L * _length), new NativeBuffer(_pageblockBytes), new NativeBuffer(_length),
        ];
        _flags = (byte*)_buffers[0].Pointer;
        _zoneOf = (byte*)_buffers[1].Pointer;
        _info = (byte*)_buffers[2].Pointer;
        _next = new PfnLinkArray((int*)_buffers[3].Pointer);
        _prev = new PfnLinkArray((int*)_buffers[3].Pointer + 1);
        _pageblock = (byte*)_buffers[4].Pointer;
        _refs = (byte*)_buffers[5].Pointer;
        // Fresh memory is zero: kind Tail, zone 0. Boot() marks holes, zones and reservations range by range.

        NodeCount = maxNode + 1;
        int nz = NodeCount * MaxNrZones;
        if (nz > 254)
        {
            throw new ArgumentException("too many zones", nameof(spec));
        }

        _zones = new Zone[nz];
        var wms = new ZoneWatermarks[nz];
        for (int n = 0; n < NodeCount; n++)
        {
            for (int t = 0; t < MaxNrZones; t++)
            {
                int zi = n * MaxNrZones + t;
                ZoneSpec? zs = spec.Zones.FirstOrDefault(z => z.Node == n && (int)z.Type == t);
                wms[zi] = new ZoneWatermarks(n, (ZoneType)t, 0, MaxNrZones);
                _zones[zi] = new Zone(zi, n, (ZoneType)t, zs?.StartPfn ?? 0, zs?.SpannedPages ?? 0, wms[zi]);
            }
        }

        _listHead = new int[nz * NrOrders * NrMt];
        _listTail = new int[nz * NrOrders * NrMt];
        _listCount = new int[nz * NrOrders * NrMt];
        Array.Fill(_listHead, Nil);
        Array.Fill(_listTail, Nil);
        _areaNrFree = new long[nz * NrOrders];
        _pristineNext = new int[nz];
        _pristineEnd = new int[nz];
        _lruHead = new int[NodeCount * LruLists];
        _lruTail = new int[NodeCount * LruLists];
        _lruCount = new long[NodeCount * LruLists];
        _usePages = new long[NodeCount * UseKinds];
        Array.Fill(_lruHead, Nil);
        Array.Fill(_lruTail, Nil);

        Boot(spec);
        InitSticky(spec);
        if (PerCpuLists)
        {
            InitPcp();
        }

        WatermarkCalculator = new WatermarkCalculator(wms, MaxNrZones, Version, Sysctls);
        // build_all_zonelists: mobility grouping is disabled on tiny machines (vm_total_pages < pageblock * MIGRATE_TYPES)
        ulong total = 0;
        foreach (Zone z in _zones)
        {
            total += z.ManagedPages;
        }

        PageGroupByMobilityDisabled = total < Pageblock.NrPages * (ulong)NrMt;
        _numa = spec.Numa ?? NumaTopology.Uniform(NodeCount);
        _zonelists = BuildZonelists();
        _zonelistsNoFallback = _zonelists.Select((zl, n) => zl.Where(z => _zones[z].Node == n).ToArray()).ToArray();
        _gfpZone = BuildGfpZoneTable();
        BuildPreferred(out _preferredPos, out _nofragment);
        WatermarkCalculator.Boot();
        BootFreePages = TotalFreePages();
        CheckIfDebug();
    }

    /// <summary>Releases the unmanaged per-pfn memory now (otherwise the finalizer does).</summary>
    public void Dispose()
    {
        foreach (NativeBuffer b in _buffers)
        {
            b.Dispose();
        }

        LruAges?.ReleaseStamps();
    }

    /// <summary>The spec the machine was built from.</summary>
    public MachineSpec Spec { get; }

    /// <summary>Kernel behaviour generation.</summary>
    public KernelVersion Version { get; }

    /// <summary>Sysctls in force.</summary>
    public VmSysctls Sysctls { get; }

    /// <summary><c>MAX_NR_ZONES</c>.</summary>
    public int MaxNrZones { get; }

    /// <summary>Number of NUMA nodes.</summary>
    public int NodeCount { get; }

    /// <summary>Zones, node-major, every configured type per node (empty ones included, as <c>/proc/zoneinfo</c> lists them).</summary>
    public IReadOnlyList<Zone> Zones => _zones;

    internal partial ReadOnlySpan<Zone> ZoneSpan => _zones;

    /// <summary>Watermark and reserve computation over the zones (sysctl writes go through it).</summary>
    public WatermarkCalculator WatermarkCalculator { get; }

    /// <summary><c>page_group_by_mobility_disabled</c>.</summary>
    public bool PageGroupByMobilityDisabled { get; }

    /// <summary>Run the invariant checker after every operation.</summary>
    public bool DebugChecks { get; set; }

    /// <summary>Free pages right after boot (to check that freeing everything returns to it).</summary>
    public long BootFreePages { get; }

    /// <summary>Lowest pfn the per-pfn arrays cover (MAX_ORDER aligned).</summary>
    public ulong BasePfn => _base;

    /// <summary>Number of pfns the per-pfn arrays cover.</summary>
    public int PfnCount => _length;

    /// <summary>Bytes of model state (per-pfn arrays, pageblock flags, list heads): the memory footprint.</summary>
    public long StateBytes => (long)_length * (1 + 1 + 1 + 4 + 4 + 1) + _pageblockBytes
        + (long)_listHead.Length * 12 + _areaNrFree.Length * 8L;

    /// <summary>A vmstat event counter.</summary>
    public long Event(VmEvent e) => _events[(int)e];

    internal partial void Count(VmEvent e, long n) => _events[(int)e] += n;

    /// <summary>
    /// Number of <c>mm_page_alloc_extfrag</c> events: an allocation of <paramref name="start"/> type fell back to a
    /// <paramref name="fallback"/> free list; <paramref name="claimed"/> when the pageblock changed owner
    /// (the tracepoint's <c>change_ownership</c>).
    /// </summary>
    public long ExtfragEvents(MigrateType start, MigrateType fallback, bool claimed)
        => _extfrag[((int)start * NrMt + (int)fallback) * 2 + (claimed ? 1 : 0)];

    /// <summary>Σ NR_FREE_PAGES over zones.</summary>
    public long TotalFreePages()
    {
        long n = 0;
        foreach (Zone z in _zones)
        {
            n += z.NrFreePages;
        }

        return n;
    }

    /// <summary>Zone index of a pfn, or -1 for a hole.</summary>
    public int ZoneIndexOf(ulong pfn)
    {
        if (pfn < _base || pfn - _base >= (ulong)_length)
        {
            return -1;
        }

        if (IsPristine((int)(pfn - _base), out int pz))
        {
            return pz;
        }

        byte z = _zoneOf[pfn - _base];
        return z == NoZone ? -1 : z;
    }

    /// <summary>The pageblock migratetype of a pfn (<c>get_pfnblock_migratetype</c>).</summary>
    public MigrateType PageblockType(ulong pfn) => GetPageblockMt(CheckedIndex(pfn));

    // Public entry points take absolute pfns: refuse any outside the map (the arrays are unmanaged).
    // (pfn - _base wraps to above _length for a pfn below _base; the throw is out of line so this inlines)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int CheckedIndex(ulong pfn)
    {
        ulong i = pfn - _base;
        if (i >= (ulong)_length)
        {
            ThrowOutside(pfn);
        }

        return (int)i;
    }

    [DoesNotReturn]
    private void ThrowOutside(ulong pfn)
        => throw new ArgumentOutOfRangeException(nameof(pfn), $"pfn {pfn} is outside the machine [{_base}, {_base + (ulong)_length})");

    /// <summary>Number of free blocks of an order in one zone's list of one migratetype.</summary>
    public int FreeCount(int zone, int order, MigrateType mt) => _listCount[ListIndex(zone, order, (int)mt)];

    /// <summary><c>free_area[order].nr_free</c> of a zone.</summary>
    public long AreaNrFree(int zone, int order) => _areaNrFree[zone * NrOrders + order];

    /// <summary>True when <paramref name="pfn"/> is the first page of a free buddy block (<c>PageBuddy</c>); gives its order.</summary>
    public bool IsFreeHead(ulong pfn, out int order)
    {
        int i = CheckedIndex(pfn);
        if (IsPristine(i, out _))
        {
            order = Pageblock.MaxOrder;
            return (i & (int)(Pageblock.MaxOrderNrPages - 1)) == 0;
        }

        order = PageState.OrderOf(_flags[i]);
        return PageState.KindOf(_flags[i]) == KindFree;
    }

    /// <summary>True when <paramref name="pfn"/> is the first page of an allocated block; gives its order.</summary>
    public bool IsAllocatedHead(ulong pfn, out int order)
    {
        int i = CheckedIndex(pfn);
        order = PageState.OrderOf(_flags[i]);
        return PageState.KindOf(_flags[i]) == KindAlloc;
    }

    /// <summary>The pfns of one free list from head to tail (for tests and reports; allocates).</summary>
    public List<ulong> FreeListPfns(int zone, int order, MigrateType mt)
    {
        MaterializeZone(zone);
        var list = new List<ulong>();
        for (int i = _listHead[ListIndex(zone, order, (int)mt)]; i != Nil; i = _next[i])
        {
            list.Add(_base + (ulong)i);
        }

        return list;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ListIndex(int zone, int order, int mt) => (zone * NrOrders + order) * NrMt + mt;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private MigrateType GetPageblockMt(int idx)
    {
        int pb = idx >> Pageblock.Order;
        return (MigrateType)((_pageblock[pb >> 1] >> ((pb & 1) << 2)) & 0x7);
    }

    // mirrors set_pageblock_migratetype
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetPageblockMt(int idx, MigrateType mt)
    {
        int pb = idx >> Pageblock.Order;
        int shift = (pb & 1) << 2;
        _pageblock[pb >> 1] = (byte)((_pageblock[pb >> 1] & ~(0x7 << shift)) | ((int)mt << shift));
    }

    /// <summary>PB_migrate_skip of the pageblock holding <paramref name="idx"/> (compaction's skip hint).</summary>
    internal bool GetSkip(int idx)
    {
        int pb = idx >> Pageblock.Order;
        return ((_pageblock[pb >> 1] >> ((pb & 1) << 2)) & 0x8) != 0;
    }

    internal void SetSkip(int idx, bool skip)
    {
        int pb = idx >> Pageblock.Order;
        int bit = 0x8 << ((pb & 1) << 2);
        _pageblock[pb >> 1] = (byte)(skip ? _pageblock[pb >> 1] | bit : _pageblock[pb >> 1] & ~bit);
    }

    private void CheckIfDebug()
    {
        if (DebugChecks)
        {
            InvariantChecker.Check(this);
        }
    }
}

public sealed unsafe partial class Machine
{
    // Raw state for the invariant checker and the procfs writers (same assembly).
    internal ReadOnlySpan<byte> FlagsArray => new(_flags, _length);
    internal ReadOnlySpan<byte> ZoneOfArray => new(_zoneOf, _length);
    internal ReadOnlySpan<byte> InfoArray => new(_info, _length);
    internal PfnLinkArray NextArray => _next;
    internal PfnLinkArray PrevArray => _prev;

    internal int ListHeadIndex(int zone, int order, MigrateType mt) => _listHead[ListIndex(zone, order, (int)mt)];

    internal int LruHeadIndex(int node, LruList lru) => _lruHead[node * LruLists + (int)lru];

    /// <summary>Pageblocks of a zone per migratetype, counted as <c>pagetypeinfo_showblockcount_print</c> does:
    /// every pageblock_nr_pages step from the zone start whose page belongs to the zone.</summary>
    public long[] PageblockCounts(int zone)
    {
        var count = new long[NrMt];
        Zone z = _zones[zone];
        for (ulong pfn = z.StartPfn; pfn < z.EndPfn; pfn += Pageblock.NrPages)
        {
            if (pfn < _base || pfn - _base >= (ulong)_length || ZoneIndexOf(pfn) != zone)
            {
                continue;
            }

            count[(int)GetPageblockMt((int)(pfn - _base))]++;
        }

        return count;
    }
}
