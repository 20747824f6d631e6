namespace ZoneLab.Metrics;

/// <summary>Results of <c>EngineBench.Run</c> (src/ZoneLab.Cli, behind <c>zonelab bench</c>), with the JSON names <c>zonelab bench --json</c> prints.</summary>
public sealed record EngineBenchResult(
    double Order0AllocFreeNs,
    double Order0AllocFreeNs1Tib,
    double Order3AllocFreeNs,
    double MixedChurnNsPerOp,
    double BytesPerPage,
    double Build1TibSeconds,
    long Build1TibPeakBytes,
    double Materialize1TibSeconds,
    long Materialized1TibBytes)
{
    /// <summary>One JSON object (a figure not measured, NaN, is <c>null</c>; <see cref="EngineBenchJson"/>).</summary>
    public string ToJson() => ZoneLabJson.Bench(EngineBenchJson.From(this));

    /// <summary>Events read and replayed by the replay benchmark (a recorded trace repeated).</summary>
    public long ReplayEvents { get; init; }

    /// <summary>Events per second of the replay benchmark, text to engine; NaN when it was not run.</summary>
    public double ReplayEventsPerSecond { get; init; } = double.NaN;

    /// <summary>Events per CPU-second of the process in the replay benchmark (both threads).</summary>
    public double ReplayEventsPerCpuSecond { get; init; } = double.NaN;

    /// <summary>Wall seconds of <c>zonelab compare</c> on its default scenario, every design; NaN when not run.</summary>
    public double CompareDefaultSeconds { get; init; } = double.NaN;
}
