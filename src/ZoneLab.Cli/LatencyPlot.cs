using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>A PNG of the cma_alloc latency distribution (CDF) of each design, with ScottPlot.</summary>
internal static class LatencyPlot
{
    /// <summary>Writes the plot to <paramref name="path"/> (<see cref="PlotStyle.Width"/> × <see cref="PlotStyle.Height"/>).</summary>
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
            double[] xs = r.DeviceLatenciesMs.Order().Select(v => Math.Max(v, 1e-3)).ToArray();
            double[] ys = Enumerable.Range(1, xs.Length).Select(k => 100.0 * k / xs.Length).ToArray();
            var line = plot.Add.ScatterLine(xs.Select(Math.Log10).ToArray(), ys, PlotStyle.Design(i));
            line.LegendText = $"{r.Design} (p99 {ReportTables.Ms(r.DeviceLatency.P99Ms)} ms)";
            line.LineWidth = 2;
            line.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
        }
        if (!any)
        {
            // a workload without devices: say so instead of drawing empty axes with meaningless log ticks
            plot.Add.Annotation("no cma_alloc() calls in this scenario", ScottPlot.Alignment.MiddleCenter);
            plot.Axes.SetLimits(-3, 3, 0, 100);
        }
        plot.Title($"{scenario}: cma_alloc latency per design");
        plot.XLabel("cma_alloc latency (ms, log scale; 0 drawn at 0.001)");
        plot.YLabel("requests at or below (%)");
        PlotStyle.Log10Ticks(plot.Axes.Bottom);
        if (any)
        {
            plot.ShowLegend(ScottPlot.Edge.Right); // outside: the curves reach both ends of the axis
        }
        plot.SavePng(path, PlotStyle.Width, PlotStyle.Height);
    }
}
