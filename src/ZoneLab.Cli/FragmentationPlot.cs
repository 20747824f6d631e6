using ScottPlot;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// fragmentation.png: the unusable free space index at pageblock order (mirrors <c>unusable_free_index</c>) over
/// simulated time, one panel per design on the same scale: a 5-second moving average of all free memory (solid) over
/// the raw samples (faint), and of the kernel-usable free lists (dashed) for designs with movable-only memory.
/// </summary>
internal static class FragmentationPlot
{
    /// <summary>Simulated seconds the moving average spans.</summary>
    public const double SmoothingSeconds = 5;

    // the samples in SmoothingSeconds (the collector's sample spacing doubles on long runs)
    private static int Window(double[] t) => t.Length < 2 ? 1 : (int)Math.Max(1, Math.Round(SmoothingSeconds / ((t[^1] - t[0]) / (t.Length - 1)))) | 1;

    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, CompareResult r) =>
        TimeSeriesPlot.Save(path, r.Designs, r.Timeline, "unusable free space index", 1.1, (plot, d, colour) =>
        {
            (double[] t, double[] all) = TimeSeriesPlot.Series(d, s => s.UnusableIndex / 1000.0);
            var raw = plot.Add.ScatterLine(t, all, colour.WithAlpha(0.25));
            raw.LineWidth = 1;
            var avg = plot.Add.ScatterLine(t, PlotStyle.Smooth(all, Window(t)), colour);
            avg.LineWidth = 2.5f;
            avg.LegendText = "all free memory";
            if (d.MovableOnlyManagedPages > 0)
            {
                (_, double[] kernel) = TimeSeriesPlot.Series(d, s => s.KernelUnusableIndex / 1000.0);
                var k = plot.Add.ScatterLine(t, PlotStyle.Smooth(kernel, Window(t)), Color.FromHex("#000000"));
                k.LineWidth = 1.5f;
                k.LinePattern = LinePattern.Dashed;
                k.LegendText = "kernel-usable free lists";
            }
            return true;
        });
}
