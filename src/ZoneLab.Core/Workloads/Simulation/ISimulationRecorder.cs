using ZoneLab.Contiguous;

namespace ZoneLab.Workloads.Simulation;

/// <summary>
/// What a <see cref="Simulation"/> reports while it runs: allocation outcomes, device requests, hotplug attempts, and
/// when to sample and take the phase-end census. The simulation owns this interface and only calls it; the metrics
/// layer above implements it (ZoneLab.Metrics.MetricsCollector) and turns the calls into a report, so the dependency
/// points from Metrics to Workloads and never back (docs/architecture.md).
/// </summary>
internal interface ISimulationRecorder
{
    /// <summary>Movable allocations (user pages, page cache) that failed.</summary>
    long MovableFailures { get; set; }

    /// <summary>Transparent huge page allocations tried.</summary>
    long ThpAttempts { get; set; }

    /// <summary>Transparent huge page allocations that succeeded.</summary>
    long ThpSuccesses { get; set; }

    /// <summary>Gigantic (1 GiB) page allocations tried.</summary>
    long GiganticAttempts { get; set; }

    /// <summary>Gigantic page allocations that succeeded.</summary>
    long GiganticSuccesses { get; set; }

    /// <summary>A phase begins.</summary>
    void BeginPhase(string name);

    /// <summary>The phase's workload is done (before its phase-end expiry): the moment for its pageblock census.</summary>
    void EndPhase(string name);

    /// <summary>A time-series sample is due at simulated second <paramref name="now"/>.</summary>
    void Sample(double now);

    /// <summary>An unmovable (or, with <paramref name="atomic"/>, atomic) allocation failed.</summary>
    void KernelFailure(bool atomic);

    /// <summary>The OOM killer chose one of the workload's tasks (before its memory is freed).</summary>
    void OomKill();

    /// <summary>A PTE page could not be allocated.</summary>
    void PageTableFailure();

    /// <summary>Page-table pages of all actors changed by <paramref name="delta"/>.</summary>
    void PageTables(long delta);

    /// <summary>A swapped-out page was faulted back in (pswpin).</summary>
    void SwapIn();

    /// <summary>A re-read missed the page cache (cold read or refault).</summary>
    void CacheMiss();

    /// <summary>Fraction of the device areas the kernel uses right now while the device does not (0..1).</summary>
    double CmaUtilisation();

    /// <summary>One <c>cma_alloc()</c>: its outcome, failure reason, latency, deadline miss, size and the utilisation when requested.</summary>
    void DeviceResult(bool success, string reason, double ms, bool missed, ulong pages, double utilisationAtRequest);

    /// <summary>The migration and isolation work of one contiguous allocation.</summary>
    void AddWork(ContigWork w);

    /// <summary>One memory block offline attempt: actor, time, block index, zone, errno and reason, pages migrated, cost.</summary>
    void Offline(string actor, double atSeconds, long block, string zone, int errno, string? reason, long pagesMigrated, double milliseconds);

    /// <summary>One memory block online attempt.</summary>
    void Online(bool success);

    /// <summary>
    /// The recorder of memory-controller traffic (docs/bandwidth.md), made once when the machine has controllers and
    /// some actor an access rate; the simulation adds each sample's pages to it.
    /// </summary>
    IBandwidthRecorder Bandwidth(IReadOnlyList<MemoryController> controllers);
}
