using System.Text.Json.Serialization;

namespace ZoneLab.Metrics;

/// <summary>
/// The document <c>zonelab bench --json</c> prints (written by <see cref="ZoneLabJson.Bench"/>): the figures of an
/// <see cref="EngineBenchResult"/> rounded as reported; a figure not measured is <c>null</c>, and the replay and
/// compare figures are left out when they were not run.
/// </summary>
public sealed record EngineBenchJson
{
    [JsonPropertyName("order0_alloc_free_ns")] public double? Order0AllocFreeNs { get; init; }
    [JsonPropertyName("order0_alloc_free_ns_1tib")] public double? Order0AllocFreeNs1Tib { get; init; }
    [JsonPropertyName("order3_alloc_free_ns")] public double? Order3AllocFreeNs { get; init; }
    [JsonPropertyName("mixed_churn_ns_per_op")] public double? MixedChurnNsPerOp { get; init; }
    [JsonPropertyName("bytes_per_page")] public double? BytesPerPage { get; init; }
    [JsonPropertyName("build_1tib_seconds")] public double? Build1TibSeconds { get; init; }
    [JsonPropertyName("build_1tib_peak_bytes")] public long Build1TibPeakBytes { get; init; }
    [JsonPropertyName("materialize_1tib_seconds")] public double? Materialize1TibSeconds { get; init; }
    [JsonPropertyName("materialized_1tib_bytes")] public long Materialized1TibBytes { get; init; }

    [JsonPropertyName("replay_events"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ReplayEvents { get; init; }

    [JsonPropertyName("replay_events_per_second"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ReplayEventsPerSecond { get; init; }

    [JsonPropertyName("replay_events_per_cpu_second"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ReplayEventsPerCpuSecond { get; init; }

    [JsonPropertyName("compare_default_seconds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CompareDefaultSeconds { get; init; }

    /// <summary>The document of <paramref name="r"/>: ns to 0.1, seconds and bytes per page to 0.01, events/s to 1.</summary>
    public static EngineBenchJson From(EngineBenchResult r) => new()
    {
        Order0AllocFreeNs = Round(r.Order0AllocFreeNs, 1),
        Order0AllocFreeNs1Tib = Round(r.Order0AllocFreeNs1Tib, 1),
        Order3AllocFreeNs = Round(r.Order3AllocFreeNs, 1),
        MixedChurnNsPerOp = Round(r.MixedChurnNsPerOp, 1),
        BytesPerPage = Round(r.BytesPerPage, 2),
        Build1TibSeconds = Round(r.Build1TibSeconds, 2),
        Build1TibPeakBytes = r.Build1TibPeakBytes,
        Materialize1TibSeconds = Round(r.Materialize1TibSeconds, 2),
        Materialized1TibBytes = r.Materialized1TibBytes,
        ReplayEvents = double.IsNaN(r.ReplayEventsPerSecond) ? null : r.ReplayEvents,
        ReplayEventsPerSecond = Round(r.ReplayEventsPerSecond, 0),
        ReplayEventsPerCpuSecond = Round(r.ReplayEventsPerCpuSecond, 0),
        CompareDefaultSeconds = Round(r.CompareDefaultSeconds, 2),
    };

    private static double? Round(double v, int digits) => double.IsNaN(v) ? null : Math.Round(v, digits, MidpointRounding.AwayFromZero);
}
