using ScottPlot;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// The shape shared by the over-time plots: small multiples, one panel per design on the same axes (so panels compare
/// at a glance and no design's lines hide another's), the phases in which a device asks for memory shaded and its
/// bursts marked, PNG written in one piece.
/// </summary>
internal static class TimeSeriesPlot
{
    /// <summary>Width of one panel and height of one panel row in pixels.</summary>
    public const int PanelWidth = 560, PanelHeight = 300;

    /// <summary>Draws one panel per design that ran and writes the PNG.</summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="reports">The designs, in report order (their position picks the colour).</param>
    /// <param name="timeline">Phases and device bursts to mark.</param>
    /// <param name="yLabel">Y axis label with unit.</param>
    /// <param name="yMax">Upper y limit shared by the panels.</param>
    /// <param name="draw">Draws a design's series into its panel; returns true when it added legend items.</param>
    public static void Save(string path, IReadOnlyList<DesignReport> reports, PlotTimeline timeline, string yLabel, double yMax,
        Func<Plot, DesignReport, Color, bool> draw)
    {
        var shown = reports.Select((r, i) => (Report: r, Index: i)).Where(x => x.Report.Available && x.Report.Samples.Count > 0).ToList();
        if (shown.Count == 0)
        {
            var empty = new Plot();
            empty.Add.Annotation("no design produced a time series", Alignment.MiddleCenter);
            empty.SavePng(path, PlotStyle.Width, PlotStyle.Height);
            return;
        }
        int cols = shown.Count <= 2 ? shown.Count : shown.Count == 4 ? 2 : 3;
        int rows = (shown.Count + cols - 1) / cols;
        double tMax = shown.Max(x => x.Report.Samples[^1].TimeSeconds);
        (Multiplot mp, List<Plot> panels) = PlotStyle.Panels(shown.Count);
        for (int k = 0; k < shown.Count; k++)
        {
            (DesignReport r, int i) = shown[k];
            Plot plot = panels[k];
            PlotStyle.ShadeDevicePhases(plot, timeline, yMax);
            if (draw(plot, r, PlotStyle.Design(i)))
            {
                plot.Legend.Alignment = Alignment.UpperRight;
                plot.Legend.FontSize = 10;
                plot.ShowLegend();
            }
            plot.Title(r.Design, 13);
            plot.XLabel("simulated time (s)", 11);
            plot.YLabel(yLabel, 11);
            plot.Axes.SetLimits(0, tMax, 0, yMax); // the same scale in every panel
        }
        mp.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, cols);
        mp.SavePng(path, cols * PanelWidth, rows * PanelHeight);
    }

    /// <summary>The samples' times and one quantity of them.</summary>
    public static (double[] T, double[] Y) Series(DesignReport r, Func<MetricsSample, double> value)
    {
        double[] t = new double[r.Samples.Count], y = new double[t.Length];
        for (int k = 0; k < t.Length; k++)
        {
            t[k] = r.Samples[k].TimeSeconds;
            y[k] = value(r.Samples[k]);
        }
        return (t, y);
    }
}
