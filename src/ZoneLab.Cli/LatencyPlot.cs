using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>A PNG of the cma_alloc latency distribution (CDF) of each design, with ScottPlot.</summary>
internal static class LatencyPlot
{
    /// <summary>Writes the plot to <paramref name="path"/> (800 × 500).</summary>
    public static void Save(string path, string scenario, IReadOnlyList<DesignReport> reports)
    {
        var plot = new ScottPlot.Plot();
        foreach (DesignReport r in reports.Where(r => r.Available && r.DeviceLatenciesMs.Count > 0))
        {
            double[] xs = r.DeviceLatenciesMs.Order().Select(v => Math.Max(v, 1e-3)).ToArray();
            double[] ys = Enumerable.Range(1, xs.Length).Select(i => 100.0 * i / xs.Length).ToArray();
            var line = plot.Add.ScatterLine(xs.Select(Math.Log10).ToArray(), ys);
            line.LegendText = $"{r.Design} (p99 {r.DeviceLatency.P99Ms:0.#} ms)";
            line.LineWidth = 2;
            line.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
        }
        plot.Title($"{scenario}: cma_alloc latency per design");
        plot.XLabel("cma_alloc latency (ms, log scale)");
        plot.YLabel("requests at or below (%)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = v => Math.Pow(10, v).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
        };
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 800, 500);
    }
}
