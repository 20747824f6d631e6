using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// The shape shared by the over-time plots: per design, one solid line for a quantity of all memory and, for designs
/// with movable-only memory, a dashed line for its split; legend on the right, PNG of <see cref="PlotStyle"/> size.
/// </summary>
internal static class TimeSeriesPlot
{
    /// <summary>Draws the series of every design that ran and writes the PNG.</summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="reports">The designs, in report order (their position picks the colour).</param>
    /// <param name="solid">The solid line's value of a sample, and its legend suffix.</param>
    /// <param name="dashed">The dashed line's value of a sample (designs with movable-only memory only), and its legend suffix.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="yLabel">Y axis label with unit.</param>
    /// <param name="yMax">Upper y limit, or null to fit the data (from 0).</param>
    public static void Save(string path, IReadOnlyList<DesignReport> reports, (Func<MetricsSample, double> Value, string Legend) solid,
        (Func<MetricsSample, double> Value, string Legend) dashed, string title, string yLabel, double? yMax)
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
            double[] t = new double[r.Samples.Count], a = new double[t.Length], b = new double[t.Length];
            for (int k = 0; k < t.Length; k++)
            {
                t[k] = r.Samples[k].TimeSeconds;
                a[k] = solid.Value(r.Samples[k]);
                b[k] = dashed.Value(r.Samples[k]);
            }
            var line = plot.Add.ScatterLine(t, a, PlotStyle.Design(i));
            line.LegendText = $"{r.Design}: {solid.Legend}";
            line.LineWidth = 2;
            if (r.MovableOnlyManagedPages > 0)
            {
                var split = plot.Add.ScatterLine(t, b, PlotStyle.Design(i));
                split.LegendText = $"{r.Design}: {dashed.Legend}";
                split.LineWidth = 2;
                split.LinePattern = ScottPlot.LinePattern.Dashed;
            }
        }
        plot.Title(title);
        plot.XLabel("simulated time (s)");
        plot.YLabel(yLabel);
        if (yMax is double max)
        {
            plot.Axes.SetLimitsY(0, max);
        }
        else
        {
            plot.Axes.AutoScale();
            plot.Axes.SetLimitsY(0, plot.Axes.GetLimits().Top); // quantities of memory start at 0
        }
        if (any)
        {
            plot.ShowLegend(ScottPlot.Edge.Right); // an empty legend would blank the image
        }
        plot.SavePng(path, PlotStyle.Width, PlotStyle.Height);
    }
}
