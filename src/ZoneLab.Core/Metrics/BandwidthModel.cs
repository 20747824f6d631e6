using ZoneLab.Workloads;

namespace ZoneLab.Metrics;

/// <summary>
/// The per-controller bandwidth model (docs/bandwidth.md). An actor with <c>access: X/s</c> sends its accesses to the
/// controllers in proportion to where its pages are; a controller's load is the sum of what is sent to it. Each
/// workload stream interleaves its accesses over its controllers, so it runs at the pace of the slowest one it uses:
/// throughput = demand × min(1, min over controllers carrying workload load of bw / load).
/// </summary>
public static class BandwidthModel
{
    /// <summary>
    /// The fraction of its demand the workload achieves: min(1, bw_c / load_c) over the controllers that carry
    /// workload load (a controller busy only with device traffic does not slow the workload down).
    /// </summary>
    /// <param name="controllers">The controllers (bandwidths).</param>
    /// <param name="workloadLoad">Workload bytes/s sent to each controller.</param>
    /// <param name="deviceLoad">Device bytes/s sent to each controller.</param>
    public static double AchievedFraction(IReadOnlyList<MemoryController> controllers, ReadOnlySpan<double> workloadLoad, ReadOnlySpan<double> deviceLoad)
    {
        double f = 1;
        for (int c = 0; c < controllers.Count; c++)
        {
            double load = workloadLoad[c] + deviceLoad[c];
            if (workloadLoad[c] > 0 && load > controllers[c].BandwidthBytesPerSecond)
            {
                f = Math.Min(f, controllers[c].BandwidthBytesPerSecond / load);
            }
        }

        return f;
    }

    /// <summary>Smallest share over largest share of the loads; 0 when some controller has none, 1 for a single one.</summary>
    public static double Balance(ReadOnlySpan<double> loads)
    {
        double min = double.MaxValue, max = 0;
        foreach (double l in loads)
        {
            min = Math.Min(min, l);
            max = Math.Max(max, l);
        }

        return max <= 0 ? 0 : min / max;
    }
}
