using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>free-memory.png: free memory over simulated time per design, kernel-usable (solid) vs movable-only (dashed).</summary>
internal static class FreeMemoryPlot
{
    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, string scenario, IReadOnlyList<DesignReport> reports)
    {
        var plot = new ScottPlot.Plot();
        bool any = false;
        for (int i = 0; i < reports.Count; i++)
        {
            DesignReport r = reports[i];
            if (!r.Available || r.Samples.Count == 0)
            {
                continue;
            }
            any = true;
            double[] t = new double[r.Samples.Count], kernel = new double[t.Length], movable = new double[t.Length];
            for (int k = 0; k < t.Length; k++)
            {
                t[k] = r.Samples[k].TimeSeconds;
                kernel[k] = r.Samples[k].KernelUsableFreePages / 256.0;
                movable[k] = r.Samples[k].MovableOnlyFreePages / 256.0;
            }
            var a = plot.Add.ScatterLine(t, kernel, PlotStyle.Design(i));
            a.LegendText = $"{r.Design}: kernel-usable";
            a.LineWidth = 2;
            if (r.MovableOnlyManagedPages > 0)
            {
                var b = plot.Add.ScatterLine(t, movable, PlotStyle.Design(i));
                b.LegendText = $"{r.Design}: movable-only";
                b.LineWidth = 2;
                b.LinePattern = ScottPlot.LinePattern.Dashed;
            }
        }
        plot.Title($"{scenario}: free memory over time");
        plot.XLabel("simulated time (s)");
        plot.YLabel("free memory (MiB)");
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(0, plot.Axes.GetLimits().Top); // free memory starts at 0 MiB
        if (any)
        {
            plot.ShowLegend(ScottPlot.Edge.Right); // an empty legend would blank the image
        }
        plot.SavePng(path, PlotStyle.Width, PlotStyle.Height);
    }
}
