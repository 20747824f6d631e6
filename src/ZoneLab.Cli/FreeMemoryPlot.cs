using ScottPlot;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// free-memory.png: free memory over simulated time, one panel per design on the same scale, stacked: the free
/// memory any request can take (kernel-usable, dark) and on top of it the free memory only movable requests can take
/// (movable-only, light); the device phases shaded.
/// </summary>
internal static class FreeMemoryPlot
{
    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, CompareResult r)
    {
        double top = 1;
        foreach (DesignReport d in r.Designs.Where(d => d.Available))
        {
            foreach (MetricsSample s in d.Samples)
            {
                top = Math.Max(top, (s.KernelUsableFreePages + s.MovableOnlyFreePages) / 256.0);
            }
        }
        TimeSeriesPlot.Save(path, r.Designs, r.Timeline, "free memory (MiB)", top * 1.12, (plot, d, colour) =>
        {
            (double[] t, double[] kernel) = TimeSeriesPlot.Series(d, s => s.KernelUsableFreePages / 256.0);
            (_, double[] all) = TimeSeriesPlot.Series(d, s => (s.KernelUsableFreePages + s.MovableOnlyFreePages) / 256.0);
            var zero = new double[t.Length];
            var k = plot.Add.FillY(t, zero, kernel);
            k.FillStyle.Color = colour.WithAlpha(0.55);
            k.LineStyle.Width = 0;
            k.LegendText = "kernel-usable free";
            if (d.MovableOnlyManagedPages > 0)
            {
                var m = plot.Add.FillY(t, kernel, all);
                m.FillStyle.Color = colour.WithAlpha(0.3);
                m.FillStyle.HatchColor = Colors.Black.WithAlpha(0.55);
                m.FillStyle.Hatch = new ScottPlot.Hatches.Striped();
                m.LineStyle.Width = 0;
                m.LegendText = "+ movable-only free";
            }
            var line = plot.Add.ScatterLine(t, kernel, colour);
            line.LineWidth = 1.5f;
            return true;
        });
    }
}
