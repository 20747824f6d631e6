using ScottPlot;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// The sweep's plots (ScottPlot): each metric against each axis, one line per design (the median over the seeds and
/// the other axes) with a band from the minimum to the maximum; with two or more axes, a heatmap per design of the
/// first metric's median over the first two axes.
/// </summary>
internal static class SweepPlots
{
    /// <summary>
    /// Writes the PNGs into <paramref name="dir"/> (on every core; skipped with one warning without the plotting
    /// library's native part); returns their paths relative to its parent.
    /// </summary>
    public static List<string> Write(string dir, SweepShape shape, IReadOnlyList<SweepRow> rows)
    {
        if (shape.Axes.Count == 0 || rows.Count == 0)
        {
            return [];
        }
        Directory.CreateDirectory(dir);
        int[] axisCol = SweepSummary.AxisColumns(shape);
        var batch = new PlotBatch();
        for (int a = 0; a < shape.Axes.Count; a++)
        {
            foreach (SweepMetric m in shape.Metrics)
            {
                int axis = a;
                batch.AddOptional($"{m.Column}-vs-{shape.Axes[a].Column}.png", path => Line(path, shape, rows, axis, axisCol[axis], m));
            }
        }
        if (shape.Axes.Count >= 2)
        {
            SweepMetric m = shape.Metrics[0];
            foreach (string d in shape.Designs)
            {
                batch.Add($"heatmap-{m.Column}-{SweepColumns.Sanitize(d)}.png", path => Heatmap(path, shape, rows, axisCol, m, d));
            }
        }
        return [.. batch.Write(dir, new PlotGuard()).Select(name => Path.GetFileName(dir) + "/" + name)];
    }

    private static bool Line(string path, SweepShape shape, IReadOnlyList<SweepRow> rows, int axis, int axisColumn, SweepMetric m)
    {
        SweepAxis ax = shape.Axes[axis];
        int mc = SweepSummary.MetricColumn(shape, m);
        var plot = new Plot();
        bool any = false;
        for (int d = 0; d < shape.Designs.Count; d++)
        {
            var xs = new List<double>();
            var med = new List<double>();
            var lo = new List<double>();
            var hi = new List<double>();
            for (int v = 0; v < ax.Values.Count; v++)
            {
                SweepSummary.Spread s = SweepSummary.Of(rows.Where(r => (string)r.Values[2]! == shape.Designs[d] && (string)r.Values[axisColumn]! == ax.Values[v])
                    .Select(r => (double?)r.Values[mc]));
                if (s.Count == 0)
                {
                    continue;
                }
                xs.Add(ax.Position(v));
                med.Add(SweepSummary.PlotValue(m.Unit, s.Median));
                lo.Add(SweepSummary.PlotValue(m.Unit, s.Min));
                hi.Add(SweepSummary.PlotValue(m.Unit, s.Max));
            }
            if (xs.Count == 0)
            {
                continue;
            }
            any = true;
            Color c = PlotStyle.Design(d);
            var band = plot.Add.FillY(xs.ToArray(), lo.ToArray(), hi.ToArray());
            band.FillColor = c.WithAlpha(0.2);
            band.LineWidth = 0;
            var line = plot.Add.ScatterLine(xs.ToArray(), med.ToArray(), c);
            line.LegendText = shape.Designs[d];
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
        if (!any)
        {
            return false;
        }
        if (!ax.IsSize && !ax.IsNumber)
        {
            plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, ax.Values.Count).Select(i => (double)i)], [.. ax.Values]);
        }
        // two lines: one long line is centred over the data area and ran off the left edge when the legend took the right
        plot.Title($"{shape.Scenario}: {m.Name} vs {ax.Key}\n(median, band min-max over {shape.Seeds.Count} seeds)");
        plot.XLabel(ax.IsSize ? $"{ax.Key} (MiB)" : ax.Key);
        plot.YLabel($"{m.Name} ({SweepSummary.UnitLabel(m.Unit)})");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, PlotStyle.Width, PlotStyle.Height);
        return true;
    }

    private static void Heatmap(string path, SweepShape shape, IReadOnlyList<SweepRow> rows, int[] axisCol, SweepMetric m, string design)
    {
        SweepAxis ax = shape.Axes[0], ay = shape.Axes[1];
        int mc = SweepSummary.MetricColumn(shape, m);
        var z = new double[ay.Values.Count, ax.Values.Count];
        for (int y = 0; y < ay.Values.Count; y++)
        {
            for (int x = 0; x < ax.Values.Count; x++)
            {
                // ScottPlot draws row 0 at the top: flip so that the first value of the y axis is at the bottom
                z[ay.Values.Count - 1 - y, x] = SweepSummary.Of(rows.Where(r => (string)r.Values[2]! == design
                    && (string)r.Values[axisCol[0]]! == ax.Values[x] && (string)r.Values[axisCol[1]]! == ay.Values[y])
                    .Select(r => (double?)r.Values[mc])).Median is double v ? SweepSummary.PlotValue(m.Unit, v) : double.NaN;
            }
        }
        var plot = new Plot();
        var hm = plot.Add.Heatmap(z);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        hm.NaNCellColor = Colors.LightGray;
        // the extent spans the centres of the outer cells: cell i is centred on tick i
        hm.Extent = new CoordinateRect(0, Math.Max(ax.Values.Count - 1, 1), 0, Math.Max(ay.Values.Count - 1, 1));
        plot.Add.ColorBar(hm).Label = $"{m.Name} ({SweepSummary.UnitLabel(m.Unit)})";
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, ax.Values.Count).Select(i => (double)i)], [.. ax.Values]);
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, ay.Values.Count).Select(i => (double)i)], [.. ay.Values]);
        plot.Title($"{shape.Scenario}, {design}: median {m.Name}");
        plot.XLabel(ax.Key);
        plot.YLabel(ay.Key);
        plot.SavePng(path, PlotStyle.Width, PlotStyle.Height);
    }
}
