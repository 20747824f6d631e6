using ZoneLab.Metrics;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// Every metric a sweep can keep, one registration each; <see cref="Headline"/> are the report's headline numbers
/// (the device table, kernel failures, stalls and bandwidth), kept when a grid names none. An unknown name is an
/// error listing the known ones.
/// </summary>
internal static class SweepMetrics
{
    private const double Mib = 1048576.0;

    /// <summary>All metrics, in the order the documentation lists them.</summary>
    public static IReadOnlyList<SweepMetric> All { get; } =
    [
        new("cma_alloc.calls", "cma_alloc_calls", SweepMetricUnit.Count, "cma_alloc() calls", r => r.DeviceRequests),
        new("cma_alloc.success", "cma_alloc_success", SweepMetricUnit.Fraction, "successful cma_alloc() calls over all calls (0..1)",
            r => r.DeviceRequests == 0 ? null : r.DeviceSuccessRate),
        new("cma_alloc.failures", "cma_alloc_failures", SweepMetricUnit.Count, "cma_alloc() calls refused", r => r.DeviceFailures),
        new("cma_alloc.p50", "cma_alloc_p50_ms", SweepMetricUnit.Milliseconds, "cma_alloc() latency median (ms, cost model)",
            r => r.DeviceRequests == 0 ? null : r.DeviceLatency.P50Ms),
        new("cma_alloc.p99", "cma_alloc_p99_ms", SweepMetricUnit.Milliseconds, "cma_alloc() latency 99th percentile (ms, nearest rank)",
            r => r.DeviceRequests == 0 ? null : r.DeviceLatency.P99Ms),
        new("cma_alloc.max", "cma_alloc_max_ms", SweepMetricUnit.Milliseconds, "cma_alloc() latency maximum (ms)",
            r => r.DeviceRequests == 0 ? null : r.DeviceLatency.MaxMs),
        new("cma_alloc.late", "cma_alloc_late", SweepMetricUnit.Count, "buffers later than the actor's deadline", r => r.DeadlineMisses),
        new("cma_use", "cma_use", SweepMetricUnit.Fraction, "mean fraction of the device areas the kernel used while the device did not hold them (0..1)",
            r => r.ReservedUtilisation),
        new("area_mib", "area_mib", SweepMetricUnit.MiB, "device areas (CMA areas, carve-outs) in MiB", r => r.ReservedPages * 4096 / Mib),
        new("pages_migrated_per_mib", "pages_migrated_per_mib", SweepMetricUnit.Ratio, "pages migrated out of the areas per MiB handed to the device",
            r => r.PagesMigratedPerMiB),
        new("kernel_failures", "kernel_failures", SweepMetricUnit.Count, "unmovable (GFP_KERNEL) and atomic allocation failures",
            r => r.UnmovableFailures + r.AtomicFailures),
        new("kernel_failures_movable_only_free", "kernel_failures_movable_only_free", SweepMetricUnit.Count,
            "unmovable or atomic failures while movable-only memory had free pages", r => r.KernelFailuresWithMovableOnlyFree),
        new("unmovable_failures", "unmovable_failures", SweepMetricUnit.Count, "unmovable (GFP_KERNEL) allocation failures", r => r.UnmovableFailures),
        new("atomic_failures", "atomic_failures", SweepMetricUnit.Count, "GFP_ATOMIC allocation failures", r => r.AtomicFailures),
        new("movable_failures", "movable_failures", SweepMetricUnit.Count, "movable (anon, page cache) allocation failures", r => r.MovableFailures),
        new("oom_kills", "oom_kills", SweepMetricUnit.Count, "OOM kills", r => r.OomKills),
        new("kernel_usable_mib", "kernel_usable_mib", SweepMetricUnit.MiB, "managed memory a GFP_KERNEL request can use (MiB)",
            r => r.KernelUsableManagedPages * 4096 / Mib),
        new("movable_only_mib", "movable_only_mib", SweepMetricUnit.MiB, "managed memory only movable requests can use (MiB)",
            r => r.MovableOnlyManagedPages * 4096 / Mib),
        new("kswapd_wakeups", "kswapd_wakeups", SweepMetricUnit.Count, "kswapd wakeups", r => r.KswapdWakeups),
        new("wasted_reclaim", "wasted_reclaim", SweepMetricUnit.Count, "pages reclaimed from movable-only memory for requests that could not use them",
            r => r.WastedReclaimPages),
        new("pswpout", "pswpout", SweepMetricUnit.Count, "pages swapped out", r => r.VmEvents.GetValueOrDefault("pswpout")),
        new("thp.success", "thp_success", SweepMetricUnit.Fraction, "THP faults served with an order-9 page (0..1)",
            r => r.ThpAttempts == 0 ? null : (double)r.ThpSuccesses / r.ThpAttempts),
        new("stall_s", "stall_s", SweepMetricUnit.Seconds, "seconds the workload waited on memory (cost model)", r => r.StallSeconds),
        new("elapsed_s", "elapsed_s", SweepMetricUnit.Seconds, "the workload's elapsed time: duration plus stall", r => r.ElapsedSeconds),
        new("bandwidth.achieved", "bandwidth_achieved_gbps", SweepMetricUnit.GBPerSecond, "memory bandwidth the workload achieves (GB/s)",
            r => r.Bandwidth is BandwidthReport b ? b.AchievableBytesPerSecond / 1e9 : null),
        new("bandwidth.balance", "bandwidth_balance", SweepMetricUnit.Ratio, "lowest over highest memory-controller share",
            r => r.Bandwidth is BandwidthReport b ? b.Balance : null),
        new("unusable_index.mean", "unusable_index_mean", SweepMetricUnit.Fraction, "mean unusable free space index at pageblock order (0..1)",
            r => r.Samples.Count == 0 ? null : r.Samples.Average(s => s.UnusableIndex) / 1000.0),
    ];

    /// <summary>The report's headline numbers, kept when a grid has no <c>metrics:</c>.</summary>
    public static IReadOnlyList<SweepMetric> Headline { get; } =
    [
        .. new[]
        {
            "cma_alloc.success", "cma_alloc.p50", "cma_alloc.p99", "cma_alloc.max", "cma_alloc.late", "cma_use", "pages_migrated_per_mib",
            "kernel_failures", "kernel_failures_movable_only_free", "movable_failures", "oom_kills", "stall_s", "elapsed_s", "bandwidth.achieved",
        }.Select(n => Find(n)!),
    ];

    /// <summary>The metric of <paramref name="name"/>, or null.</summary>
    public static SweepMetric? Find(string name)
    {
        foreach (SweepMetric m in All)
        {
            if (m.Name == name)
            {
                return m;
            }
        }
        return null;
    }

    /// <summary>The known names, for error messages.</summary>
    public static string Known => string.Join(", ", All.Select(m => m.Name));
}
