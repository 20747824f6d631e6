using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>
/// Guaranteed CMA (Minchan Kim / Suren Baghdasaryan; RFC with cleancache 20 Mar 2025,
/// <c>20250320173931.1583800-1-surenb@google.com</c>; PATCH series 10 Oct 2025, <c>20251010011951.2136980-1-surenb@google.com</c>;
/// Android ACK <c>mm/gcma.c</c>): the area is never given to the buddy allocator; it backs a cleancache, so the only
/// pages it ever holds are clean page-cache pages evicted by reclaim (<c>gcma_cc_store_page</c>), which can be dropped at
/// any time. <c>cma_alloc</c> (<c>gcma_alloc_range</c>) never migrates: it discards what the range holds.
/// </summary>
public sealed class GcmaDesign : IDesign
{
    /// <inheritdoc/>
    public DesignKind Kind => DesignKind.Gcma;

    /// <inheritdoc/>
    public string Summary => "GCMA: the area only holds clean, droppable page cache (cleancache); nothing else may use it; cma_alloc discards, never migrates.";

    /// <inheritdoc/>
    public string Name => "gcma";

    /// <inheritdoc/>
    public KernelFeatures Features => KernelFeatures.Mainline;

    /// <inheritdoc/>
    public bool CarvesOut => false;

    /// <inheritdoc/>
    public bool LayoutZoneinfo => false;

    /// <inheritdoc/>
    public BootLayout Layout(BootLayout layout) => DesignZones.WithZones(layout, DesignZones.Unmanaged(layout, DesignZones.CmaRanges(layout)));

    /// <inheritdoc/>
    public DesignMachine Build(BootLayout layout, KernelVersion version, VmSysctls? sysctls = null, bool debugChecks = false, long swapPages = 0)
    {
        var areas = layout.CmaAreas.Where(a => a.Count > 0).ToList();
        List<PfnRange> ranges = DesignZones.CmaRanges(layout);
        // The buddy never sees the area: present but not managed, like the carve-out (gcma_register_area takes the
        // pages from memblock and keeps them out of __free_pages).
        List<ZoneSpec> zones = DesignZones.Unmanaged(layout, ranges);

        Machine machine = DesignZones.Boot(layout, zones, version, sysctls, debugChecks, swapPages, reserved: DesignZones.ReservedWith(layout, ranges));
        var contig = new ContigRangeAllocator(machine);
        var cache = new GcmaCleanCache(ranges);
        var allocators = areas.Select(a => new CmaAllocator(a.Name, a.BasePfn, a.Count, a.OrderPerBit, cache)).ToList();
        return new DesignMachine(Kind, DesignZones.WithZones(layout, zones), machine, contig, allocators) { MovableOnly = ranges, CleanCache = cache };
    }
}

/// <summary>
/// The GCMA areas as a cleancache backend: slots hold clean page-cache pages (stored on eviction, dropped on demand);
/// slots taken by <c>cma_alloc</c> belong to the device until <c>cma_release</c>.
/// </summary>
public sealed class GcmaCleanCache : IContigRangeAllocator
{
    private readonly List<PfnRange> _ranges;
    private readonly Dictionary<ulong, byte> _state = new(); // absent: free; 1: clean page cache; 2: device
    private readonly Queue<ulong> _lru = new();

    /// <summary>Creates the store over the areas.</summary>
    public GcmaCleanCache(IReadOnlyList<PfnRange> ranges) => _ranges = ranges.ToList();

    /// <summary>Clean page-cache pages held.</summary>
    public long Stored { get; private set; }

    /// <summary>Pages held for the device.</summary>
    public long DevicePages { get; private set; }

    /// <summary>Clean pages dropped because <c>cma_alloc</c> needed their slot (refaults the workload will pay).</summary>
    public long DiscardedForDevice { get; private set; }

    /// <summary>Stores refused (area full of device memory or page cache that could not be evicted).</summary>
    public long Rejected { get; private set; }

    /// <summary>Total pages of the areas.</summary>
    public ulong Capacity => (ulong)_ranges.Sum(r => (long)r.Pages);

    /// <summary>
    /// mirrors the cleancache put (<c>gcma_cc_store_page</c>): a clean page-cache page evicted from the LRU is copied
    /// into a free slot; when none is free the oldest stored page is dropped for it. Returns the slot's pfn, or null
    /// when every slot belongs to the device. Only page cache ever reaches this call: the invariant of the design.
    /// </summary>
    public ulong? StoreCleanPage()
    {
        foreach (PfnRange r in _ranges)
        {
            for (ulong pfn = r.Start; pfn < r.End; pfn++)
            {
                if (!_state.ContainsKey(pfn))
                {
                    _state[pfn] = 1;
                    _lru.Enqueue(pfn);
                    Stored++;
                    return pfn;
                }
            }
        }

        while (_lru.Count > 0)
        {
            ulong victim = _lru.Dequeue();
            if (_state.TryGetValue(victim, out byte s) && s == 1)
            {
                _lru.Enqueue(victim);
                return victim; // the old page is dropped, the new one takes its slot
            }
        }

        Rejected++;
        return null;
    }

    /// <summary>The cleancache get/invalidate: the page at <paramref name="pfn"/> leaves the store.</summary>
    public bool Drop(ulong pfn)
    {
        if (_state.TryGetValue(pfn, out byte s) && s == 1)
        {
            _state.Remove(pfn);
            Stored--;
            return true;
        }

        return false;
    }

    /// <summary>Whether <paramref name="pfn"/> holds a stored clean page.</summary>
    public bool HoldsCleanPage(ulong pfn) => _state.TryGetValue(pfn, out byte s) && s == 1;

    /// <summary>mirrors <c>gcma_alloc_range</c>: every stored page of the range is discarded, nothing is migrated.</summary>
    public ContigResult AllocContigRange(ulong startPfn, ulong endPfn, bool cmaMode)
    {
        var work = new ContigWork { Attempts = 1 };
        for (ulong pfn = startPfn; pfn < endPfn; pfn++)
        {
            if (_state.TryGetValue(pfn, out byte s) && s == 2)
            {
                return new ContigResult(ContigResult.EBusy, ContigFailure.IsolationUnmovable, work);
            }
        }

        for (ulong pfn = startPfn; pfn < endPfn; pfn++)
        {
            if (_state.TryGetValue(pfn, out byte s) && s == 1)
            {
                Stored--;
                DiscardedForDevice++;
                work.Discarded++;
            }

            _state[pfn] = 2;
            DevicePages++;
        }

        return ContigResult.Ok(work);
    }

    /// <summary>mirrors <c>gcma_free_range</c>: the slots become free for the cleancache again.</summary>
    public void FreeContigRange(ulong pfn, ulong count)
    {
        for (ulong p = pfn; p < pfn + count; p++)
        {
            if (_state.TryGetValue(p, out byte s) && s == 2)
            {
                _state.Remove(p);
                DevicePages--;
            }
        }
    }
}
