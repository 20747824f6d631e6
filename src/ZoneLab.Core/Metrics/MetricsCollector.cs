using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Reclaim;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Metrics;

/// <summary>Accumulates a design's numbers during a simulation and turns them into a <see cref="DesignReport"/>.</summary>
internal sealed class MetricsCollector
{
    private readonly DesignMachine _dm;
    private readonly Machine _m;
    private readonly List<double> _latencies = [];
    private readonly SortedDictionary<string, long> _reasons = new(StringComparer.Ordinal);
    private ContigWork _work;
    private double _utilSum;
    private int _utilSamples;

    private readonly ReclaimModel? _reclaim;
    private long _pswpin;
    private long _refaults;

    public MetricsCollector(DesignMachine dm, ReclaimModel? reclaim = null)
    {
        _dm = dm;
        _m = dm.Machine;
        _reclaim = reclaim;
    }

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

    /// <summary>A pageblock census taken at the end of a phase.</summary>
    public void Census(PageblockCensus c) => _census.Add(c);

    /// <summary>One memory block offline attempt.</summary>
    public void Offline(OfflineRecord r) => _offline.Add(r);

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

    public void DeviceResult(bool success, string reason, double ms, bool missed)
    {
        _latencies.Add(ms);
        if (success)
        {
            DeviceSuccesses++;
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
    /// Samples how much of the device areas the kernel uses while the device does not: allocated pages in each area
    /// outside the device's own buffers, over the area's pages not held by the device.
    /// </summary>
    public void Sample(IReadOnlyList<ContigHolding> deviceHeld)
    {
        if (_dm.Kind == DesignKind.Carveout)
        {
            // no-map memory is never managed: the engine's carve-out model only lowers managed counts, so the pfns of
            // the area say nothing about kernel use there; by construction it is 0
            _utilSamples++;
            return;
        }
        long used = 0, available = 0;
        foreach (CmaAllocator area in _dm.Areas)
        {
            ulong start = area.BasePfn, end = area.BasePfn + area.Count;
            var own = deviceHeld.Where(c => c.Area == area).OrderBy(c => c.Pfn).ToList();
            long held = own.Sum(c => (long)c.Count);
            int next = 0;
            ulong p = start;
            while (p < end)
            {
                if (next < own.Count && p >= own[next].Pfn)
                {
                    p = Math.Max(p, own[next].Pfn + own[next].Count);
                    next++;
                    continue;
                }
                if (_m.IsFreeHead(p, out int o))
                {
                    p += 1UL << o;
                }
                else if (_m.IsAllocatedHead(p, out o))
                {
                    ulong stop = Math.Min(end, p + (1UL << o));
                    if (next < own.Count)
                    {
                        stop = Math.Min(stop, own[next].Pfn);
                    }
                    used += (long)(stop - p);
                    p += 1UL << o;
                }
                else
                {
                    p++;
                }
            }
            available += (long)area.Count - held;
        }
        if (available > 0)
        {
            _utilSum += (double)used / available;
            _utilSamples++;
        }
    }

    public DesignReport Report(Scenario scenario)
    {
        var events = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var e = (VmEvent)0; e < VmEvent.Count; e++)
        {
            events[VmEvents.Name(e)] = _m.Event(e);
        }
        // docs/cost-model.md "Stall time": what allocating and faulting tasks wait for
        double stallNs = _reclaim == null ? 0 : _reclaim.DirectReclaimNs + _reclaim.DirectCompactNs + (_pswpin * _reclaim.CostModel.SwapInNs) + (_refaults * _reclaim.CostModel.RefaultReadNs);
        return new DesignReport
        {
            PhaseKernelFailures = _phases,
            PageblockCensus = _census,
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
            ReservedPages = _dm.Areas.Sum(a => (long)a.Count),
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
        };
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
