using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// reclaim-age.png: the age distribution of the pages reclaim freed, per design (share of reclaimed pages per age
/// bucket [0, 1) s, [1, 2) s, [2, 4) s, ...): how far reclaim got from the oldest pages.
/// </summary>
internal static class ReclaimAgePlot
{
    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, string scenario, IReadOnlyList<DesignReport> reports)
    {
        var plot = new ScottPlot.Plot();
        bool any = false;
        for (int i = 0; i < reports.Count; i++)
        {
            DesignReport r = reports[i];
            if (!r.Available || r.LruOrder is not { AgedPages: > 0 } o)
            {
                continue;
            }

            any = true;
            double[] xs = Enumerable.Range(0, o.AgeHistogram.Length).Select(k => (double)k).ToArray();
            double[] ys = o.AgeHistogram.Select(v => 100.0 * v / o.AgedPages).ToArray();
            var line = plot.Add.ScatterLine(xs, ys, PlotStyle.Design(i));
            line.LegendText = $"{r.Design} ({ReportTables.Pct(o.InvertedFraction)} inverted)";
            line.LineWidth = 2;
        }

        if (!any)
        {
            plot.Add.Annotation("no page was reclaimed in this scenario", ScottPlot.Alignment.MiddleCenter);
        }

        plot.Title($"{scenario}: age of reclaimed pages per design");
        plot.XLabel("age bucket: 0 = under 1 s, k = [2^(k-1), 2^k) s");
        plot.YLabel("reclaimed pages (%)");
        if (any)
        {
            plot.ShowLegend(ScottPlot.Edge.Right);
        }

        plot.SavePng(path, PlotStyle.Width, PlotStyle.Height);
    }
}
