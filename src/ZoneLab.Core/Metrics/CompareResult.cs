namespace ZoneLab.Metrics;

/// <summary>A compare run: the scenario, its seed and the per-design reports in order (<c>report.json</c>).</summary>
public sealed record CompareResult(string Scenario, long Seed, double DurationSeconds, double TickSeconds, IReadOnlyList<DesignReport> Designs)
{
    /// <summary>Phases and device bursts for the plots (not part of report.json).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public PlotTimeline Timeline { get; init; } = PlotTimeline.Empty;
}
