using System.Globalization;
using ScottPlot;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// cma-utilisation-vs-latency.png: each <c>cma_alloc()</c> as a point, how much of the device areas the kernel was
/// using when it was requested against its latency; one panel per design, both axes fitted to the panel's points (the
/// designs sit at opposite ends of 0-100 % and decades apart in latency).
/// </summary>
internal static class UtilisationLatencyPlot
{
    /// <summary>
    /// The utilisation axis of a panel: the points' range with 10 % padding, at least 10 points wide, within
    /// -0.5..100.5 % (utilisation cannot leave 0-100 %).
    /// </summary>
    public static (double Left, double Right) XRange(double xMin, double xMax)
    {
        double pad = Math.Max(0.5, (xMax - xMin) * 0.1);
        double left = xMin - pad, right = xMax + pad;
        double missing = 10 - (right - left);
        if (missing > 0)
        {
            left -= missing / 2;
            right += missing / 2;
        }
        if (left < -0.5)
        {
            right += -0.5 - left;
            left = -0.5;
        }
        if (right > 100.5)
        {
            left -= right - 100.5;
            right = 100.5;
        }
        return (Math.Max(-0.5, left), right);
    }

    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, string scenario, IReadOnlyList<DesignReport> reports)
    {
        var shown = reports.Select((r, i) => (Report: r, Index: i)).Where(x => x.Report.Available && x.Report.DeviceLatenciesMs.Count > 0).ToList();
        if (shown.Count == 0)
        {
            // a workload without devices: say so instead of drawing empty axes with meaningless log ticks
            var empty = new Plot();
            empty.Add.Annotation("no cma_alloc() calls in this scenario", Alignment.MiddleCenter);
            empty.Axes.SetLimitsY(-3, 3);
            empty.Title($"{scenario}: cma_alloc latency vs CMA utilisation at the request");
            empty.SavePng(path, PlotStyle.Width, PlotStyle.Height);
            return;
        }
        int cols = shown.Count <= 2 ? shown.Count : shown.Count == 4 ? 2 : 3;
        int rows = (shown.Count + cols - 1) / cols;
        (Multiplot mp, List<Plot> panels) = PlotStyle.Panels(shown.Count);
        for (int panel = 0; panel < shown.Count; panel++)
        {
            (DesignReport r, int i) = shown[panel];
            Plot plot = panels[panel];
            int n = r.DeviceLatenciesMs.Count;
            double[] xs = new double[n], ys = new double[n];
            for (int k = 0; k < n; k++)
            {
                xs[k] = r.DeviceUtilisationAtRequest[k] * 100;
                ys[k] = r.DeviceLatenciesMs[k];
            }
            var pts = plot.Add.ScatterPoints(xs, ys, PlotStyle.Design(i).WithAlpha(0.7));
            pts.MarkerSize = 8;
            double xMin = xs.Min(), xMax = xs.Max();
            (double left, double right) = XRange(xMin, xMax);
            // the latency axis fitted to the panel's points too: within one design the calls differ by far less than
            // a decade, so a linear axis shows their spread (the designs' decades apart are in cma-latency-cdf.png)
            double lo = ys.Min(), hi = ys.Max(), span = Math.Max(hi - lo, Math.Max(1, hi * 0.2));
            double bottom = Math.Max(0, lo - (span * 0.25)), top = hi + (span * 0.35);
            var note = plot.Add.Text(
                $"{n} requests, use {xMin.ToString("0", CultureInfo.InvariantCulture)}-{xMax.ToString("0", CultureInfo.InvariantCulture)} %",
                left + ((right - left) * 0.03), top - ((top - bottom) * 0.02));
            note.LabelFontSize = 10;
            note.LabelAlignment = Alignment.UpperLeft;
            plot.Title(r.Design, 13);
            plot.XLabel("kernel use of the device areas at the request (%)", 11);
            plot.YLabel("cma_alloc latency (ms)", 11);
            plot.Axes.SetLimits(left, right, bottom, top);
        }
        mp.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, cols);
        mp.SavePng(path, cols * TimeSeriesPlot.PanelWidth, rows * TimeSeriesPlot.PanelHeight);
    }
}
