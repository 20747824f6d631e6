using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// A PNG of the bandwidth model's result (docs/bandwidth.md), with ScottPlot: one group of bars per design or variant,
/// one bar per memory controller, its share of the total load in percent; the title line of each group gives the
/// achieved aggregate bandwidth.
/// </summary>
internal static class BandwidthPlot
{
    /// <summary>
    /// Writes the plot to <paramref name="path"/> (800 × 500); reports without bandwidth data are left out. Returns
    /// false (and writes nothing) when no report has any.
    /// </summary>
    public static bool Save(string path, string scenario, IReadOnlyList<DesignReport> reports)
    {
        var withData = reports.Where(r => r.Available && r.Bandwidth is { Controllers.Count: > 0 }).ToList();
        if (withData.Count == 0)
        {
            return false;
        }

        var plot = new ScottPlot.Plot();

        int nc = withData.Max(r => r.Bandwidth!.Controllers.Count);
        var bars = new List<ScottPlot.Bar>();
        var ticks = new List<ScottPlot.Tick>();
        for (int g = 0; g < withData.Count; g++)
        {
            BandwidthReport b = withData[g].Bandwidth!;
            double groupStart = g * (nc + 1);
            for (int c = 0; c < b.Controllers.Count; c++)
            {
                bars.Add(new ScottPlot.Bar
                {
                    Position = groupStart + c,
                    Value = b.Controllers[c].Share * 100,
                    FillColor = PlotStyle.Design(c),
                    Label = $"{b.Controllers[c].Share * 100:0} %",
                });
            }

            string label = $"{withData[g].Design}\n{b.AchievableBytesPerSecond / 1e9:0.0} of {b.DemandBytesPerSecond / 1e9:0.0} GB/s";
            ticks.Add(new ScottPlot.Tick(groupStart + ((b.Controllers.Count - 1) / 2.0), label));
        }

        var series = plot.Add.Bars(bars);
        series.ValueLabelStyle.FontSize = 11;
        BandwidthReport first = withData[0].Bandwidth!;
        for (int c = 0; c < first.Controllers.Count; c++)
        {
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = first.Controllers[c].Name, FillColor = PlotStyle.Design(c) });
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsY(0, 110);
        plot.Title($"{scenario}: share of memory traffic per controller");
        plot.YLabel("share of the total load (%)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 800, 500);
        return true;
    }
}
