using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>cma-utilisation-vs-latency.png: each cma_alloc() as a point, the areas' utilisation at the request against its latency.</summary>
internal static class UtilisationLatencyPlot
{
    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, string scenario, IReadOnlyList<DesignReport> reports)
    {
        var plot = new ScottPlot.Plot();
        bool any = false;
        for (int i = 0; i < reports.Count; i++)
        {
            DesignReport r = reports[i];
            if (!r.Available || r.DeviceLatenciesMs.Count == 0)
            {
                continue;
            }
            any = true;
            int n = r.DeviceLatenciesMs.Count;
            double[] xs = new double[n], ys = new double[n];
            for (int k = 0; k < n; k++)
            {
                xs[k] = r.DeviceUtilisationAtRequest[k] * 100;
                ys[k] = Math.Log10(Math.Max(r.DeviceLatenciesMs[k], 1e-3));
            }
            var s = plot.Add.ScatterPoints(xs, ys, PlotStyle.Design(i));
            s.LegendText = $"{r.Design} ({n} requests)";
            s.MarkerSize = 7;
        }
        if (!any)
        {
            // a workload without devices: say so instead of drawing empty axes with meaningless log ticks
            plot.Add.Annotation("no cma_alloc() calls in this scenario", ScottPlot.Alignment.MiddleCenter);
            plot.Axes.SetLimitsY(-3, 3);
        }
        plot.Title($"{scenario}: cma_alloc latency vs CMA utilisation at the request");
        plot.XLabel("kernel use of the device areas at the request (%)");
        plot.YLabel("cma_alloc latency (ms, log scale; 0 drawn at 0.001)");
        PlotStyle.Log10Ticks(plot.Axes.Left);
        plot.Axes.SetLimitsX(-2, 102);
        if (any)
        {
            plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        }
        plot.SavePng(path, PlotStyle.Width, PlotStyle.Height);
    }
}
