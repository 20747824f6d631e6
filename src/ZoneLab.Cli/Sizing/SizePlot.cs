using ScottPlot;
using ZoneLab.Cli.Sweep;

namespace ZoneLab.Cli.Sizing;

/// <summary>
/// The sizing plot: the goal's deciding metric (the condition failing runs violate most) against size per design (median over the seeds, band min-max, a marker per
/// evaluated size), the goal's threshold as a dashed line, and each design's answer as a larger marker.
/// </summary>
internal static class SizePlot
{
    /// <summary>Writes the PNG.</summary>
    public static void Save(string path, string scenario, string vary, SizeSearch search)
    {
        // the condition that decides the answer: the one the failing runs violate most often (the first one on a tie)
        SizeCondition cond = search.Goal.Conditions.OrderByDescending(c => search.Designs.Sum(d => d.Evaluations.Values
            .Sum(e => e.Seeds.Count(x => !c.Holds(x.Values[c.Metric.Name]))))).First();
        SweepMetric m = cond.Metric;
        var plot = new Plot();
        for (int d = 0; d < search.Designs.Count; d++)
        {
            DesignSearch ds = search.Designs[d];
            var xs = new List<double>();
            var med = new List<double>();
            var lo = new List<double>();
            var hi = new List<double>();
            foreach (SizeEvaluation e in ds.Evaluations.Values)
            {
                SweepSummary.Spread s = SweepSummary.Of(e.Seeds.Select(x => x.Values[m.Name]));
                if (s.Count == 0)
                {
                    continue;
                }
                xs.Add(e.Size / 1048576.0);
                med.Add(SweepSummary.PlotValue(m.Unit, s.Median));
                lo.Add(SweepSummary.PlotValue(m.Unit, s.Min));
                hi.Add(SweepSummary.PlotValue(m.Unit, s.Max));
            }
            Color c = PlotStyle.Design(d);
            if (xs.Count > 1)
            {
                var band = plot.Add.FillY(xs.ToArray(), lo.ToArray(), hi.ToArray());
                band.FillColor = c.WithAlpha(0.2);
                band.LineWidth = 0;
            }
            if (xs.Count > 0)
            {
                var line = plot.Add.ScatterLine(xs.ToArray(), med.ToArray(), c);
                line.MarkerSize = 7;
                line.LineWidth = 2;
                line.LegendText = ds.Design + (ds.Answer is int a ? $": {SweepValues.Format(ds.Sizes[a])}" : ": none");
            }
            if (ds.Answer is int ans && SweepSummary.Of(ds.Evaluations[ans].Seeds.Select(x => x.Values[m.Name])) is { Count: > 0 } sp)
            {
                var mark = plot.Add.Marker(ds.Sizes[ans] / 1048576.0, SweepSummary.PlotValue(m.Unit, sp.Median), MarkerShape.OpenCircle, 18, c);
                mark.LineWidth = 2;
            }
        }
        var goal = plot.Add.HorizontalLine(SweepSummary.PlotValue(m.Unit, cond.Value), 2, Colors.Red, LinePattern.Dashed);
        goal.LegendText = "goal: " + cond.Text;
        // two lines: one long line is centred over the data area and ran off the left edge when the legend took the right
        plot.Title($"{scenario}: {m.Name} vs {vary} size\n(circle: smallest size meeting the whole goal)");
        plot.XLabel($"{vary} size (MiB)");
        plot.YLabel($"{m.Name} ({SweepSummary.UnitLabel(m.Unit)})");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, PlotStyle.Width, PlotStyle.Height);
    }
}
