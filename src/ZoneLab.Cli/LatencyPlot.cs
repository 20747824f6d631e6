using System.Globalization;
using ScottPlot;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// cma-latency-cdf.png: the cumulative distribution of device allocation times per design, log time axis (the
/// designs differ by decades: a carve-out 0 ms, GCMA ~1 ms, migration hundreds). Left: each <c>cma_alloc()</c> call.
/// Right, when the scenario has one device with a deadline: when each buffer is ready, counted from its burst's
/// request (the calls of a burst run one after another, as the simulation runs them), with the deadline drawn.
/// </summary>
internal static class LatencyPlot
{
    /// <summary>Where a 0 ms latency is drawn on the log axis.</summary>
    public const double ZeroMs = 0.01;

    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, string scenario, IReadOnlyList<DesignReport> reports, PlotTimeline? timeline = null)
    {
        timeline ??= PlotTimeline.Empty;
        var withCalls = reports.Select((r, i) => (Report: r, Index: i)).Where(x => x.Report.Available && x.Report.DeviceLatenciesMs.Count > 0).ToList();
        if (withCalls.Count == 0)
        {
            // a workload without devices: say so instead of drawing empty axes with meaningless log ticks
            var empty = new Plot();
            empty.Add.Annotation("no cma_alloc() calls in this scenario", Alignment.MiddleCenter);
            empty.Axes.SetLimits(-3, 3, 0, 100);
            empty.Title($"{scenario}: cma_alloc latency per design");
            empty.SavePng(path, PlotStyle.Width, PlotStyle.Height);
            return;
        }

        PlotDevice? device = timeline.Devices.Count == 1 && timeline.Devices[0].DeadlineMs is double ? timeline.Devices[0] : null;
        var ready = new List<(DesignReport Report, int Index, double[] Ms, double P50, double P99)>();
        if (device != null)
        {
            foreach ((DesignReport r, int i) in withCalls)
            {
                double[] ms = ReadyTimes(r.DeviceLatenciesMs, device.Count);
                // only when the reconstruction reproduces the run's own deadline count
                if (ms.Count(v => v > device.DeadlineMs!.Value) == r.DeadlineMisses)
                {
                    double[] sorted = ms.Order().ToArray();
                    ready.Add((r, i, ms, Percentile(sorted, 0.5), Percentile(sorted, 0.99)));
                }
            }
        }

        (Multiplot mp, List<Plot> panels) = PlotStyle.Panels(ready.Count > 0 ? 2 : 1);
        Plot calls = panels[0];
        // the calls' p50/p99 are the report table's (LatencySummary)
        Cdf(calls, withCalls.Select(x => (x.Report, x.Index, x.Report.DeviceLatenciesMs.ToArray(), x.Report.DeviceLatency.P50Ms, x.Report.DeviceLatency.P99Ms)).ToList(), device?.DeadlineMs);
        calls.Title($"{scenario}: each cma_alloc() call", 13);
        calls.XLabel("cma_alloc latency (ms, log scale)", 12);
        if (ready.Count > 0)
        {
            Plot buffers = panels[1];
            Cdf(buffers, ready, device!.DeadlineMs);
            buffers.Title($"buffer ready after its burst's request ({device.Count} per burst)", 13);
            buffers.XLabel("time from the burst's request (ms, log scale)", 12);
            mp.Layout = new ScottPlot.MultiplotLayouts.Grid(1, 2);
            mp.SavePng(path, 2 * 660, 700);
        }
        else
        {
            mp.SavePng(path, PlotStyle.Width, 700);
        }
    }

    /// <summary>Each buffer's time from its burst's request: the running sum of the burst's <paramref name="count"/> call latencies.</summary>
    public static double[] ReadyTimes(IReadOnlyList<double> latenciesMs, int count)
    {
        var r = new double[latenciesMs.Count];
        double sum = 0;
        for (int k = 0; k < r.Length; k++)
        {
            sum = (k % Math.Max(1, count) == 0 ? 0 : sum) + latenciesMs[k];
            r[k] = sum;
        }
        return r;
    }

    private static void Cdf(Plot plot, List<(DesignReport Report, int Index, double[] Ms, double P50, double P99)> series, double? deadlineMs)
    {
        double lo = double.MaxValue, hi = 0;
        foreach ((DesignReport r, int i, double[] ms, double p50, double p99) in series)
        {
            double[] xs = ms.Order().Select(v => Math.Max(v, ZeroMs)).ToArray();
            double[] ys = Enumerable.Range(1, xs.Length).Select(k => 100.0 * k / xs.Length).ToArray();
            // start each curve at 0 % just left of its first value so a design whose calls all take the same time
            // is a step, not a vertical line at an unreadable position
            double[] sx = [xs[0], .. xs], sy = [0, .. ys];
            var line = plot.Add.ScatterLine(sx.Select(Math.Log10).ToArray(), sy, PlotStyle.Design(i));
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LineWidth = 2.5f;
            line.LegendText = $"{r.Design}: p50 {Ms(p50)}, p99 {Ms(p99)} ms";
            var marks = plot.Add.ScatterPoints(new[] { Math.Log10(Math.Max(p50, ZeroMs)), Math.Log10(Math.Max(p99, ZeroMs)) }, new[] { 50.0, 99.0 }, PlotStyle.Design(i));
            marks.MarkerSize = 7;
            lo = Math.Min(lo, xs[0]);
            hi = Math.Max(hi, xs[^1]);
        }
        if (deadlineMs is double d)
        {
            var dl = plot.Add.VerticalLine(Math.Log10(d));
            dl.LineColor = Color.FromHex("#000000");
            dl.LineWidth = 2;
            dl.LinePattern = LinePattern.Dashed;
            dl.LegendText = $"deadline {Ms(d)} ms";
            hi = Math.Max(hi, d);
        }
        if (lo <= ZeroMs)
        {
            var zero = plot.Add.Text("0 ms drawn here", Math.Log10(ZeroMs), 104);
            zero.LabelFontSize = 10;
            zero.LabelAlignment = Alignment.UpperLeft;
        }
        plot.YLabel("requests at or below (%)", 12);
        PlotStyle.Log10Ticks(plot.Axes.Bottom);
        plot.Axes.SetLimits(Math.Floor(Math.Log10(lo)) - 0.2, Math.Ceiling(Math.Log10(hi)) + 0.2, 0, 106);
        plot.Legend.FontSize = 11;
        plot.ShowLegend(Edge.Bottom); // below the axes: the curves reach both ends of the time axis
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Ms(double v) => v < 10 ? v.ToString("0.##", CultureInfo.InvariantCulture) : v.ToString("0", CultureInfo.InvariantCulture);
}
