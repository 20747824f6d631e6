namespace ZoneLab.Metrics;

/// <summary>A compare run: the scenario, its seed and the per-design reports in order (<c>report.json</c>).</summary>
public sealed record CompareResult(string Scenario, long Seed, double DurationSeconds, double TickSeconds, IReadOnlyList<DesignReport> Designs);
