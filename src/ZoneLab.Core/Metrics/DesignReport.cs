using System.Text.Json.Serialization;

namespace ZoneLab.Metrics;

/// <summary>
/// What one design did on one scenario: the answers to the reviewers' questions (docs/kernel-facts.md §9.3) in numbers.
/// Every value is derived from the simulated run only (no host time), so the same scenario and seed give the same report.
/// </summary>
public sealed record DesignReport
{
    /// <summary>Design name (<c>migrate-cma</c>).</summary>
    public required string Design { get; init; }

    /// <summary>False when the design has no engine model yet (then only <see cref="SkipReason"/> is set).</summary>
    public bool Available { get; init; } = true;

    /// <summary>Why the design was skipped.</summary>
    public string? SkipReason { get; init; }

    /// <summary>Pages in the device areas (CMA areas, carve-outs).</summary>
    public long ReservedPages { get; init; }

    /// <summary>Present pages of all zones (the machine's memory the device areas are a share of).</summary>
    public long PresentPages { get; init; }

    /// <summary>Device <c>cma_alloc()</c> calls (one per buffer).</summary>
    public long DeviceRequests { get; init; }

    /// <summary>Device buffers allocated.</summary>
    public long DeviceSuccesses { get; init; }

    /// <summary>Device buffers refused (-EBUSY/-ENOMEM).</summary>
    public long DeviceFailures { get; init; }

    /// <summary>Failure reasons and counts (<c>MigrationPinned</c>: 3).</summary>
    public IReadOnlyDictionary<string, long> DeviceFailureReasons { get; init; } = new SortedDictionary<string, long>();

    /// <summary>Buffers that arrived after the actor's deadline (counted from the burst's request).</summary>
    public long DeadlineMisses { get; init; }

    /// <summary><c>cma_alloc()</c> latency from the cost model.</summary>
    public LatencySummary DeviceLatency { get; init; }

    /// <summary>Every <c>cma_alloc()</c> latency in milliseconds, in request order (for plots).</summary>
    public IReadOnlyList<double> DeviceLatenciesMs { get; init; } = [];

    /// <summary>Pages migrated out of the areas by device allocations.</summary>
    public long PagesMigrated { get; init; }

    /// <summary>Clean page-cache pages dropped instead of migrated.</summary>
    public long PagesDiscarded { get; init; }

    /// <summary>Dirty pages written back before they could move.</summary>
    public long PagesWrittenBack { get; init; }

    /// <summary>Mean fraction of the device areas the kernel used while the device did not hold them (0..1).</summary>
    public double ReservedUtilisation { get; init; }

    /// <summary>Unmovable (GFP_KERNEL slab) allocation failures.</summary>
    public long UnmovableFailures { get; init; }

    /// <summary>GFP_ATOMIC allocation failures.</summary>
    public long AtomicFailures { get; init; }

    /// <summary>Unmovable or atomic failures while movable-only memory (CMA pageblocks, ZONE_MOVABLE) had free pages.</summary>
    public long KernelFailuresWithMovableOnlyFree { get; init; }

    /// <summary>Movable (anon, page cache) allocation failures.</summary>
    public long MovableFailures { get; init; }

    /// <summary>THP faults attempted and served.</summary>
    public long ThpAttempts { get; init; }

    /// <summary>THP faults served with an order-9 page.</summary>
    public long ThpSuccesses { get; init; }

    /// <summary>Gigantic pages requested.</summary>
    public long GiganticAttempts { get; init; }

    /// <summary>Gigantic pages allocated.</summary>
    public long GiganticSuccesses { get; init; }

    /// <summary>/proc/vmstat counters at the end (kswapd wakeups, pgsteal, pswpout, allocstall, compaction, OOM).</summary>
    public IReadOnlyDictionary<string, long> VmEvents { get; init; } = new SortedDictionary<string, long>();

    /// <summary>Per-controller loads and achievable bandwidth (docs/bandwidth.md); null without memory controllers or access rates.</summary>
    public BandwidthReport? Bandwidth { get; init; }


    /// <summary>
    /// The pageblock census at the end of each phase (before the phase-end frees): pageblocks by zone and
    /// migratetype, and how many hold an unmovable allocation (<see cref="Metrics.PageblockCensus"/>).
    /// </summary>
    public IReadOnlyList<PageblockCensus> PageblockCensus { get; init; } = [];

    /// <summary>Reclaim per zone and kswapd's balancing decisions (<see cref="ZoneReclaim"/>).</summary>
    public IReadOnlyList<ZoneReclaim> ReclaimZones { get; init; } = [];

    /// <summary>How far reclaim departed from LRU order; null without a reclaim model.</summary>
    public LruOrder? LruOrder { get; init; }

    /// <summary>The device areas' pageblocks at the end of the run (<see cref="AreaCensus"/>); null without areas.</summary>
    public AreaCensus? Areas { get; init; }

    /// <summary>Unmovable and atomic failures per phase, in phase order.</summary>
    public IReadOnlyList<PhaseFailures> PhaseKernelFailures { get; init; } = [];

    /// <summary>Page-table (PTE) pages of anon actors at the end (unmovable kernel memory).</summary>
    public long PageTablePages { get; init; }

    /// <summary>Most page-table pages held at once.</summary>
    public long PageTablePagesPeak { get; init; }

    /// <summary>PTE page allocations that failed (also counted in <see cref="UnmovableFailures"/>).</summary>
    public long PageTableFailures { get; init; }

    /// <summary>Memory block online attempts of online actors.</summary>
    public long OnlineAttempts { get; init; }

    /// <summary>Memory blocks onlined.</summary>
    public long OnlineSuccesses { get; init; }

    /// <summary>Every memory block offline attempt of the scenario's offline actors, in order.</summary>
    public IReadOnlyList<OfflineRecord> Offline { get; init; } = [];

    /// <summary>Memory block offline attempts.</summary>
    public long OfflineAttempts { get; init; }

    /// <summary>Memory blocks offlined.</summary>
    public long OfflineSuccesses { get; init; }

    /// <summary>Offline failures by errno and reason (<c>-16 failure to isolate range</c>: 2).</summary>
    public IReadOnlyDictionary<string, long> OfflineFailureReasons { get; init; } = new SortedDictionary<string, long>();

    /// <summary>Swapped-out pages faulted back in (<c>pswpin</c>; pswpout is in <see cref="VmEvents"/>).</summary>
    public long Pswpin { get; init; }

    /// <summary>Swap slots still used at the end (pages swapped out whose owners still hold them).</summary>
    public long SwapUsedPages { get; init; }

    /// <summary>File pages read from disk on re-reads that missed the cache (cold reads and refaults after reclaim).</summary>
    public long PageCacheMisses { get; init; }

    /// <summary>Simulated seconds allocating tasks spent in direct reclaim (scan, drop, writeback, swap-out).</summary>
    public double DirectReclaimSeconds { get; init; }

    /// <summary>Simulated seconds allocating tasks spent in direct compaction.</summary>
    public double DirectCompactSeconds { get; init; }

    /// <summary>Simulated seconds kswapd worked (background; not part of the stall).</summary>
    public double KswapdSeconds { get; init; }

    /// <summary>
    /// Seconds the workload's tasks waited on memory: direct reclaim + direct compaction + swap-in reads + refault reads
    /// (docs/cost-model.md, "Stall time").
    /// </summary>
    public double StallSeconds { get; init; }

    /// <summary>The workload's elapsed time: the scenario's duration plus <see cref="StallSeconds"/> (stalls on the critical path).</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>Actors the model does not run, by name.</summary>
    public IReadOnlyList<string> SkippedActors { get; init; } = [];

    /// <summary>
    /// What the boot of this design's kernel warned about (a CMA area it could not reserve, a command-line value it
    /// clamps or ignores); null, and absent from the JSON, when the boot had nothing to say.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? BootWarnings { get; init; }

    /// <summary>Pages handed to the device by successful <c>cma_alloc()</c> calls.</summary>
    public long DevicePagesAllocated { get; init; }

    /// <summary>Successful <c>cma_alloc()</c> calls over all calls (0..1; 0 without calls).</summary>
    public double DeviceSuccessRate => DeviceRequests == 0 ? 0 : (double)DeviceSuccesses / DeviceRequests;

    /// <summary>Pages migrated out of the areas per MiB the device received (256 pages of 4 KiB).</summary>
    [JsonPropertyName("pages_migrated_per_mib")] // the snake-case policy would split MiB into "mi_b"
    public double PagesMigratedPerMiB => PerMiB(PagesMigrated);

    /// <summary>Page-cache pages discarded per MiB the device received.</summary>
    [JsonPropertyName("pages_discarded_per_mib")]
    public double PagesDiscardedPerMiB => PerMiB(PagesDiscarded);

    /// <summary>For each <c>cma_alloc()</c> (same order as <see cref="DeviceLatenciesMs"/>): the areas' utilisation when it was requested (0..1).</summary>
    public IReadOnlyList<double> DeviceUtilisationAtRequest { get; init; } = [];

    /// <summary>Who may allocate from the movable-only memory, per GFP class.</summary>
    public IReadOnlyList<MovableOnlyAccess> MovableOnlyAccess { get; init; } = [];

    /// <summary>Managed pages a GFP_KERNEL request can use (its zones, CMA pages excluded).</summary>
    public long KernelUsableManagedPages { get; init; }

    /// <summary>Managed pages only movable requests can use (ZONE_MOVABLE, ZONE_CMA, CMA pageblocks).</summary>
    public long MovableOnlyManagedPages { get; init; }

    /// <summary>Kernel-usable over movable-only managed pages (null without movable-only memory); memory-hotplug.rst calls MOVABLE:KERNEL up to 3:1 (even 4:1) usually fine, i.e. at least 0.33 here (docs/kernel-facts.md §4.5).</summary>
    public double? KernelToMovableOnlyRatio => MovableOnlyManagedPages == 0 ? null : (double)KernelUsableManagedPages / MovableOnlyManagedPages;

    /// <summary><c>kswapd</c> wakeups (<c>wakeup_kswapd</c> calls).</summary>
    public long KswapdWakeups => VmEvents.GetValueOrDefault("kswapd_wakeups_model");

    /// <summary>Pages reclaimed (kswapd and direct) from movable-only memory for requests that could not use it.</summary>
    public long WastedReclaimPages => VmEvents.GetValueOrDefault("pgsteal_wasted_model");

    /// <summary>OOM kills.</summary>
    public long OomKills => VmEvents.GetValueOrDefault("oom_kill");

    /// <summary>Fallback events per (requested, fallback) migratetype pair, non-zero pairs only.</summary>
    public IReadOnlyList<ExtfragCount> Extfrag { get; init; } = [];

    /// <summary>The time series, at most <see cref="MetricsCollector.MaxSamples"/> points.</summary>
    public IReadOnlyList<MetricsSample> Samples { get; init; } = [];

    /// <summary>Every pageblock's zone and migratetype at the end of the run (for the map plot; not in JSON).</summary>
    [JsonIgnore]
    public PageblockMap? Pageblocks { get; init; }

    private double PerMiB(long pages) => DevicePagesAllocated == 0 ? 0 : pages * 256.0 / DevicePagesAllocated;
}

/// <summary>Kernel-side failures in one phase.</summary>
/// <param name="Phase">Phase name.</param>
/// <param name="KernelFailures">Unmovable and atomic allocation failures.</param>
/// <param name="WithMovableOnlyFree">Of those, the ones while movable-only memory had free pages.</param>
/// <param name="OomKills">Tasks the OOM killer killed in the phase (the workload's anon and THP actors).</param>
/// <param name="OomKillsWithMovableOnlyFree">Of those, the ones while movable-only memory had free pages.</param>
public sealed record PhaseFailures(string Phase, long KernelFailures, long WithMovableOnlyFree, long OomKills = 0, long OomKillsWithMovableOnlyFree = 0);
