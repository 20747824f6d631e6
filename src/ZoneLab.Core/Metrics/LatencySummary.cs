namespace ZoneLab.Metrics;

/// <summary>Percentiles of a set of latencies in milliseconds (nearest-rank, as <c>perf</c> and fio report them).</summary>
/// <param name="Count">How many samples.</param>
/// <param name="P50Ms">Median.</param>
/// <param name="P99Ms">99th percentile.</param>
/// <param name="MaxMs">Largest sample.</param>
public readonly record struct LatencySummary(int Count, double P50Ms, double P99Ms, double MaxMs)
{
    /// <summary>Summarises <paramref name="samplesMs"/> (any order).</summary>
    public static LatencySummary Of(IReadOnlyList<double> samplesMs)
    {
        if (samplesMs.Count == 0)
        {
            return default;
        }
        double[] s = samplesMs.ToArray();
        Array.Sort(s);
        return new LatencySummary(s.Length, Rank(s, 0.50), Rank(s, 0.99), s[^1]);
    }

    private static double Rank(double[] sorted, double p)
    {
        int k = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(k, 0, sorted.Length - 1)];
    }
}
