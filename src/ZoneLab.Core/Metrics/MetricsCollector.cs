using System.Runtime.CompilerServices;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Reclaim;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Metrics;

/// <summary>
/// Accumulates a design's numbers during a simulation (it is the simulation's <see cref="ISimulationRecorder"/>) and
/// turns them into a <see cref="DesignReport"/>.
/// </summary>
internal sealed class MetricsCollector : ISimulationRecorder
{
    private readonly DesignMachine _dm;
    private readonly Machine _m;
    private readonly List<double> _latencies = [];
    private readonly SortedDictionary<string, long> _reasons = new(StringComparer.Ordinal);
    private readonly List<double> _utilAtRequest = [];
    private readonly List<ContigHolding> _deviceHeld;
    private readonly MetricsSample[] _samples = new MetricsSample[MaxSamples];
    private int _sampleCount;
    private int _sampleStride = 1;
    private long _sampleCalls;
    private ContigWork _work;
    private double _utilSum;
    private int _utilSamples;
    private long _devicePages;

    /// <summary>Time-series capacity: when full, every other point is dropped and the stride doubles.</summary>
    public const int MaxSamples = 512;

    private readonly ReclaimModel? _reclaim;
    private long _pswpin;
    private long _refaults;

    public MetricsCollector(DesignMachine dm, List<ContigHolding> deviceHeld, ReclaimModel? reclaim = null)
    {
        _dm = dm;
        _m = dm.Machine;
        _deviceHeld = deviceHeld;
        _reclaim = reclaim;
        _carvesOut = DesignRegistry.For(dm.Kind).CarvesOut;
    }

    // the design's registration, read once: CmaUtilisation runs every simulated second and at every cma_alloc
    private readonly bool _carvesOut;

    private readonly List<OfflineRecord> _offline = [];

    private long _pageTablesNow;
    private long _pageTablesPeak;
    private long _pageTableFailures;
    private long _onlineAttempts;
    private long _onlineSuccesses;

    /// <summary>Page-table pages of all actors changed by <paramref name="delta"/>; tracks the peak.</summary>
    public void PageTables(long delta)
    {
        _pageTablesNow += delta;
        _pageTablesPeak = Math.Max(_pageTablesPeak, _pageTablesNow);
    }

    /// <summary>A PTE page could not be allocated.</summary>
    public void PageTableFailure() => _pageTableFailures++;

    /// <summary>One memory block online attempt.</summary>
    public void Online(bool success)
    {
        _onlineAttempts++;
        if (success)
        {
            _onlineSuccesses++;
        }
    }

    private readonly List<PageblockCensus> _census = [];

    private BandwidthRecorder? _bandwidth;

    /// <summary>The phase's pageblock census, taken when its workload is done.</summary>
    public void EndPhase(string name) => _census.Add(PageblockCensus.Take(_m, name));

    /// <summary>One memory block offline attempt.</summary>
    public void Offline(string actor, double atSeconds, long block, string zone, int errno, string? reason, long pagesMigrated, double milliseconds)
        => _offline.Add(new OfflineRecord(actor, atSeconds, block, zone, errno, reason, pagesMigrated, milliseconds));

    /// <summary>The memory-controller traffic recorder; its table goes into the report.</summary>
    public IBandwidthRecorder Bandwidth(IReadOnlyList<MemoryController> controllers) => _bandwidth = new BandwidthRecorder(controllers);

    /// <summary>A swapped-out page was faulted back in (pswpin).</summary>
    public void SwapIn() => _pswpin++;

    /// <summary>A re-read missed the page cache (cold read or refault).</summary>
    public void CacheMiss() => _refaults++;

    public long MovableFailures { get; set; }

    public long UnmovableFailures { get; private set; }

    public long AtomicFailures { get; private set; }

    public long KernelFailuresWithMovableOnlyFree { get; private set; }

    public long ThpAttempts { get; set; }

    public long ThpSuccesses { get; set; }

    public long GiganticAttempts { get; set; }

    public long GiganticSuccesses { get; set; }

    public long DeadlineMisses { get; private set; }

    public long DeviceSuccesses { get; private set; }

    public long DeviceFailures { get; private set; }

    public List<string> SkippedActors { get; } = [];

    private readonly List<PhaseFailures> _phases = [];

    /// <summary>A phase begins: kernel failures are counted per phase from here.</summary>
    public void BeginPhase(string name) => _phases.Add(new PhaseFailures(name, 0, 0));

    /// <summary>An unmovable or atomic allocation failed: was movable-only memory free at that moment?</summary>
    public void KernelFailure(bool atomic)
    {
        bool movableFree = MovableOnlyFreePages(_m) > 0;
        if (_phases.Count > 0)
        {
            PhaseFailures p = _phases[^1];
            _phases[^1] = p with { KernelFailures = p.KernelFailures + 1, WithMovableOnlyFree = p.WithMovableOnlyFree + (movableFree ? 1 : 0) };
        }
        if (atomic)
        {
            AtomicFailures++;
        }
        else
        {
            UnmovableFailures++;
        }
        if (movableFree)
        {
            KernelFailuresWithMovableOnlyFree++;
        }
    }

    /// <summary>The OOM killer chose a task: was movable-only memory free at that moment?</summary>
    public void OomKill()
    {
        if (_phases.Count > 0)
        {
            PhaseFailures p = _phases[^1];
            long movableFree = MovableOnlyFreePages(_m) > 0 ? 1 : 0;
            _phases[^1] = p with { OomKills = p.OomKills + 1, OomKillsWithMovableOnlyFree = p.OomKillsWithMovableOnlyFree + movableFree };
        }
    }

    /// <summary>Free pages only movable allocations may take: free MIGRATE_CMA pages and free pages of ZONE_MOVABLE/ZONE_CMA.</summary>
    public static long MovableOnlyFreePages(Machine m)
    {
        long free = 0;
        foreach (Zone z in m.Zones)
        {
            free += z.Type is ZoneType.Movable or ZoneType.Cma ? z.NrFreePages : z.NrFreeCmaPages;
        }
        return free;
    }

    /// <summary>Fraction of the device areas the kernel uses right now while the device does not (0..1, 0 for a carve-out).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    public double CmaUtilisation()
    {
        if (_carvesOut)
        {
            // no-map memory is never managed: the engine's carve-out model only lowers managed counts, so the pfns of
            // the area say nothing about kernel use there; by construction it is 0
            return 0;
        }

        long used = 0, available = 0;
        foreach (CmaAllocator area in _dm.Areas)
        {
            long areaUsed = AllocatedPages(area.BasePfn, area.BasePfn + area.Count), held = 0;
            foreach (ContigHolding c in _deviceHeld)
            {
                if (c.Area == area)
                {
                    // the device's own buffers are not kernel use (under GCMA they are not buddy allocations at all)
                    held += (long)c.Count;
                    areaUsed -= AllocatedPages(c.Pfn, c.Pfn + c.Count);
                }
            }

            used += areaUsed;
            available += (long)area.Count - held;
        }

        return available > 0 ? (double)used / available : 0;
    }

    private long AllocatedPages(ulong start, ulong end) => _m.AllocatedPages(start, end);

    /// <summary>One <c>cma_alloc()</c>: its outcome, latency, size and the areas' utilisation when it was requested.</summary>
    public void DeviceResult(bool success, string reason, double ms, bool missed, ulong pages, double utilisationAtRequest)
    {
        _latencies.Add(ms);
        _utilAtRequest.Add(utilisationAtRequest);
        if (success)
        {
            DeviceSuccesses++;
            _devicePages += (long)pages;
        }
        else
        {
            DeviceFailures++;
            _reasons[reason] = _reasons.GetValueOrDefault(reason) + 1;
        }
        if (missed)
        {
            DeadlineMisses++;
        }
    }

    public void AddWork(ContigWork w) => _work.Add(w);

    /// <summary>
    /// Samples the time series: free memory split kernel-usable/movable-only, the unusable free index at pageblock
    /// order and the device areas' utilisation. Bounded: past <see cref="MaxSamples"/> points the series keeps every
    /// other point and samples at half the rate, so long runs cost no more memory.
    /// </summary>
    public void Sample(double now)
    {
        double util = CmaUtilisation();
        _utilSum += util;
        _utilSamples++;
        if (_sampleCalls++ % _sampleStride != 0)
        {
            return;
        }

        if (_sampleCount == MaxSamples)
        {
            for (int k = 0; k < MaxSamples / 2; k++)
            {
                _samples[k] = _samples[2 * k];
            }

            _sampleCount = MaxSamples / 2;
            _sampleStride *= 2;
            if ((_sampleCalls - 1) % _sampleStride != 0)
            {
                return;
            }
        }

        long movableOnly = MovableOnlyFreePages(_m);
        _samples[_sampleCount++] = new MetricsSample(now, _m.TotalFreePages() - movableOnly, movableOnly,
            UnusableIndex(_m, kernelOnly: false), UnusableIndex(_m, kernelOnly: true), util);
    }

    /// <summary>
    /// mirrors <c>unusable_free_index</c> at pageblock order, with <c>fill_contig_page_info</c> summed over the zones;
    /// <paramref name="kernelOnly"/> counts only free lists a GFP_KERNEL request may use (its zones, no MIGRATE_CMA).
    /// </summary>
    public static int UnusableIndex(Machine m, bool kernelOnly)
    {
        int high = m.GfpZoneIndex(Gfp.Kernel);
        long pages = 0, total = 0, suitable = 0;
        for (int zi = 0; zi < m.Zones.Count; zi++)
        {
            Zone z = m.Zones[zi];
            if (kernelOnly && ((int)z.Type > high || z.Type is ZoneType.Movable or ZoneType.Cma))
            {
                continue;
            }

            for (int o = 0; o <= Pageblock.MaxOrder; o++)
            {
                long blocks = m.AreaNrFree(zi, o);
                if (kernelOnly)
                {
                    blocks -= m.FreeCount(zi, o, MigrateType.Cma) + m.FreeCount(zi, o, MigrateType.Isolate);
                }

                total += blocks;
                pages += blocks << o;
                if (o >= Pageblock.Order)
                {
                    suitable += blocks << (o - Pageblock.Order);
                }
            }
        }

        return FragmentationIndex.Unusable(Pageblock.Order, new ContigPageInfo(pages, total, suitable));
    }

    public DesignReport Report(Scenario scenario)
    {
        var events = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var e = (VmEvent)0; e < VmEvent.Count; e++)
        {
            events[VmEvents.Name(e)] = _m.Event(e);
        }
        long kernelManaged = MovableOnlyMemory.KernelUsableManagedPages(_m);
        long movableManaged = MovableOnlyMemory.MovableOnlyManagedPages(_m);
        // docs/cost-model.md "Stall time": what allocating and faulting tasks wait for
        double stallNs = _reclaim == null ? 0 : _reclaim.DirectReclaimNs + _reclaim.DirectCompactNs + (_pswpin * _reclaim.CostModel.SwapInNs) + (_refaults * _reclaim.CostModel.RefaultReadNs);
        return new DesignReport
        {
            PhaseKernelFailures = _phases,
            PageblockCensus = _census,
            ReclaimZones = _reclaim == null ? [] : ZoneReclaim.Of(_m, _reclaim.ZoneStats),
            LruOrder = _reclaim == null ? null : LruOrder.Of(_reclaim.ZoneStats),
            Areas = AreaCensus.Take(_m, _dm.Areas, _deviceHeld.Select(c => (c.Pfn, c.Count)).ToList()),
            PageTablePages = _pageTablesNow,
            PageTablePagesPeak = _pageTablesPeak,
            PageTableFailures = _pageTableFailures,
            OnlineAttempts = _onlineAttempts,
            OnlineSuccesses = _onlineSuccesses,
            Offline = _offline,
            OfflineAttempts = _offline.Count,
            OfflineSuccesses = _offline.Count(o => o.Errno == 0),
            OfflineFailureReasons = OfflineReasons(),
            Pswpin = _pswpin,
            SwapUsedPages = _m.SwapUsedPages,
            PageCacheMisses = _refaults,
            DirectReclaimSeconds = (_reclaim?.DirectReclaimNs ?? 0) / 1e9,
            DirectCompactSeconds = (_reclaim?.DirectCompactNs ?? 0) / 1e9,
            KswapdSeconds = (_reclaim?.KswapdNs ?? 0) / 1e9,
            StallSeconds = stallNs / 1e9,
            ElapsedSeconds = scenario.DurationSeconds + (stallNs / 1e9),
            Design = DesignNames.Name(_dm.Kind),
            DevicePagesAllocated = _devicePages,
            DeviceUtilisationAtRequest = _utilAtRequest,
            MovableOnlyAccess = MovableOnlyMemory.Access(_m),
            KernelUsableManagedPages = kernelManaged,
            MovableOnlyManagedPages = movableManaged,
            Extfrag = Extfrag(_m),
            Samples = _samples[.._sampleCount],
            Pageblocks = PageblockMap.Of(_m, _dm.Areas.Select(a => new PfnRange(a.BasePfn, a.BasePfn + a.Count)).ToList()),
            ReservedPages = _dm.Areas.Sum(a => (long)a.Count),
            PresentPages = _m.Zones.Sum(z => (long)z.PresentPages),
            DeviceRequests = _latencies.Count,
            DeviceSuccesses = DeviceSuccesses,
            DeviceFailures = DeviceFailures,
            DeviceFailureReasons = _reasons,
            DeadlineMisses = DeadlineMisses,
            DeviceLatency = LatencySummary.Of(_latencies),
            DeviceLatenciesMs = _latencies,
            PagesMigrated = _work.Migrated,
            PagesDiscarded = _work.Discarded,
            PagesWrittenBack = _work.WrittenBack,
            ReservedUtilisation = _utilSamples == 0 ? 0 : _utilSum / _utilSamples,
            UnmovableFailures = UnmovableFailures,
            AtomicFailures = AtomicFailures,
            KernelFailuresWithMovableOnlyFree = KernelFailuresWithMovableOnlyFree,
            MovableFailures = MovableFailures,
            ThpAttempts = ThpAttempts,
            ThpSuccesses = ThpSuccesses,
            GiganticAttempts = GiganticAttempts,
            GiganticSuccesses = GiganticSuccesses,
            VmEvents = events,
            SkippedActors = SkippedActors,
            Bandwidth = _bandwidth?.Report(),
        };
    }

    // the mm_page_alloc_extfrag counters of the three allocating types, non-zero pairs only
    private static ExtfragCount[] Extfrag(Machine m)
    {
        var rows = new List<ExtfragCount>();
        for (var start = MigrateType.Unmovable; start <= MigrateType.Reclaimable; start++)
        {
            for (var fb = (MigrateType)0; (int)fb < MigrateTypes.Count; fb++)
            {
                long stolen = m.ExtfragEvents(start, fb, claimed: false), claimed = m.ExtfragEvents(start, fb, claimed: true);
                if (stolen + claimed > 0)
                {
                    rows.Add(new ExtfragCount(MigrateTypes.Name(start), MigrateTypes.Name(fb), stolen, claimed));
                }
            }
        }

        return rows.ToArray();
    }

    // failures by errno and reason ("-16 failure to isolate range": 3), sorted for a stable report
    private SortedDictionary<string, long> OfflineReasons()
    {
        var d = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (OfflineRecord o in _offline)
        {
            if (o.Errno != 0)
            {
                string k = o.Reason == null ? o.Errno.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{o.Errno} {o.Reason}";
                d[k] = d.GetValueOrDefault(k) + 1;
            }
        }
        return d;
    }
}
