using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// fragmentation.png: the unusable free space index at pageblock order (mirrors <c>unusable_free_index</c>) over
/// simulated time per design: all free memory (solid) and the kernel-usable free lists (dashed).
/// </summary>
internal static class FragmentationPlot
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
            double[] t = new double[r.Samples.Count], all = new double[t.Length], kernel = new double[t.Length];
            for (int k = 0; k < t.Length; k++)
            {
                t[k] = r.Samples[k].TimeSeconds;
                all[k] = r.Samples[k].UnusableIndex / 1000.0;
                kernel[k] = r.Samples[k].KernelUnusableIndex / 1000.0;
            }
            var a = plot.Add.ScatterLine(t, all, PlotStyle.Design(i));
            a.LegendText = $"{r.Design}: all free memory";
            a.LineWidth = 2;
            if (r.MovableOnlyManagedPages > 0)
            {
                var b = plot.Add.ScatterLine(t, kernel, PlotStyle.Design(i));
                b.LegendText = $"{r.Design}: kernel-usable";
                b.LineWidth = 2;
                b.LinePattern = ScottPlot.LinePattern.Dashed;
            }
        }
        plot.Title($"{scenario}: unusable free space index at pageblock order (2 MiB)");
        plot.XLabel("simulated time (s)");
        plot.YLabel("unusable free space index (0 to 1)");
        plot.Axes.SetLimitsY(0, 1.05);
        if (any)
        {
            plot.ShowLegend(ScottPlot.Edge.Right); // an empty legend would blank the image
        }
        plot.SavePng(path, PlotStyle.Width, PlotStyle.Height);
    }
}
