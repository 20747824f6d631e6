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
    private const byte Free = 0, Clean = 1, Device = 2;
    private readonly List<PfnRange> _ranges;

    // A slot's state, one byte per pfn of each area (Free, Clean, Device): gcma_alloc_range and gcma_free_range take
    // and give back every slot of a buffer (android-camera: 48 buffers of 8,192 slots, ~400,000 slots each way a run),
    // which with a hash map keyed by pfn meant hashing each and growing the map to the area's size in fresh memory
    // every run (4.8 MB allocated and a gen-2 collection per run).
    private readonly byte[][] _slots;

    // per area, the lowest slot that may be free (every slot below it holds a page): StoreCleanPage's search for the
    // first free slot in pfn order starts there instead of at the area's start; a slot that becomes free lowers it
    private readonly int[] _firstFree;

    // the state of pfns outside the areas (no caller passes one; kept so every pfn behaves as before)
    private readonly Dictionary<ulong, byte> _outside = new();
    private readonly Queue<ulong> _lru = new();

    /// <summary>Creates the store over the areas.</summary>
    public GcmaCleanCache(IReadOnlyList<PfnRange> ranges)
    {
        _ranges = ranges.ToList();
        _slots = new byte[_ranges.Count][];
        for (int r = 0; r < _ranges.Count; r++)
        {
            _slots[r] = new byte[checked((int)(_ranges[r].End - _ranges[r].Start))];
        }
        _firstFree = new int[_ranges.Count];
    }

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
        for (int r = 0; r < _slots.Length; r++)
        {
            byte[] slots = _slots[r];
            int k = _firstFree[r];
            while (k < slots.Length && slots[k] != Free)
            {
                k++;
            }
            _firstFree[r] = k;
            if (k < slots.Length)
            {
                ulong pfn = _ranges[r].Start + (ulong)k;
                slots[k] = Clean;
                _firstFree[r] = k + 1;
                _lru.Enqueue(pfn);
                Stored++;
                return pfn;
            }
        }

        while (_lru.Count > 0)
        {
            ulong victim = _lru.Dequeue();
            if (State(victim) == Clean)
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
        if (State(pfn) == Clean)
        {
            SetState(pfn, Free);
            Stored--;
            return true;
        }

        return false;
    }

    /// <summary>Whether <paramref name="pfn"/> holds a stored clean page.</summary>
    public bool HoldsCleanPage(ulong pfn) => State(pfn) == Clean;

    /// <summary>mirrors <c>gcma_alloc_range</c>: every stored page of the range is discarded, nothing is migrated.</summary>
    public ContigResult AllocContigRange(ulong startPfn, ulong endPfn, bool cmaMode)
    {
        var work = new ContigWork { Attempts = 1 };
        for (ulong pfn = startPfn; pfn < endPfn; pfn++)
        {
            if (State(pfn) == Device)
            {
                return new ContigResult(ContigResult.EBusy, ContigFailure.IsolationUnmovable, work);
            }
        }

        for (ulong pfn = startPfn; pfn < endPfn; pfn++)
        {
            if (State(pfn) == Clean)
            {
                Stored--;
                DiscardedForDevice++;
                work.Discarded++;
            }

            SetState(pfn, Device);
            DevicePages++;
        }

        return ContigResult.Ok(work);
    }

    /// <summary>mirrors <c>gcma_free_range</c>: the slots become free for the cleancache again.</summary>
    public void FreeContigRange(ulong pfn, ulong count)
    {
        for (ulong p = pfn; p < pfn + count; p++)
        {
            if (State(p) == Device)
            {
                SetState(p, Free);
                DevicePages--;
            }
        }
    }

    // the area holding pfn and its slot there, or false for a pfn outside every area
    private bool Slot(ulong pfn, out int area, out int slot)
    {
        for (int r = 0; r < _slots.Length; r++)
        {
            if (pfn >= _ranges[r].Start && pfn < _ranges[r].End)
            {
                area = r;
                slot = (int)(pfn - _ranges[r].Start);
                return true;
            }
        }

        area = slot = -1;
        return false;
    }

    private byte State(ulong pfn) => Slot(pfn, out int r, out int k) ? _slots[r][k] : _outside.GetValueOrDefault(pfn);

    private void SetState(ulong pfn, byte state)
    {
        if (!Slot(pfn, out int r, out int k))
        {
            if (state == Free)
            {
                _outside.Remove(pfn);
            }
            else
            {
                _outside[pfn] = state;
            }
            return;
        }

        _slots[r][k] = state;
        if (state == Free && k < _firstFree[r])
        {
            _firstFree[r] = k;
        }
    }
}
