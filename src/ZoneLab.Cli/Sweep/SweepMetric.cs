using ZoneLab.Metrics;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// A number kept per sweep run, computed from the run's <see cref="DesignReport"/>: its name in grids and goals
/// (<c>cma_alloc.p99</c>), its column (<c>cma_alloc_p99_ms</c>), its unit and how to compute it (null when the run has
/// no such number, e.g. a latency without <c>cma_alloc</c> calls).
/// </summary>
internal sealed record SweepMetric(string Name, string Column, SweepMetricUnit Unit, string Description, Func<DesignReport, double?> Value);

/// <summary>Units of metrics; goals take values in them (<c>500ms</c>, <c>100%</c>, <c>11GB/s</c>).</summary>
internal enum SweepMetricUnit
{
    /// <summary>A count of events or pages.</summary>
    Count,

    /// <summary>Milliseconds (a goal may say <c>500ms</c> or <c>0.5s</c>).</summary>
    Milliseconds,

    /// <summary>Seconds.</summary>
    Seconds,

    /// <summary>A fraction 0..1 (a goal may say <c>100%</c>).</summary>
    Fraction,

    /// <summary>MiB.</summary>
    MiB,

    /// <summary>GB/s (10^9 bytes per second; a goal may say <c>11GB/s</c>).</summary>
    GBPerSecond,

    /// <summary>A plain ratio.</summary>
    Ratio,
}
