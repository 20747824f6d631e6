using ZoneLab.Cli.Sweep;

namespace ZoneLab.Tests.Sweep;

/// <summary>The plots' axes are in the unit their label names, the unit the tables print.</summary>
public class SweepPlotScaleTests
{
    [Fact]
    public void AFractionIsPlottedInPercentAsItsLabelAndTableSay()
    {
        // cma_alloc.success is stored 0..1 (7 of 8 calls succeeded: 0.875); the label says "%", the table prints
        // 87.5%, and the plot drew 0.875 under "(%)" with the goal "==100%" as a line at 1
        Assert.Equal("%", SweepSummary.UnitLabel(SweepMetricUnit.Fraction));
        Assert.Equal("87.5%", SweepSummary.Format(0.875, SweepMetricUnit.Fraction));
        Assert.Equal(87.5, SweepSummary.PlotValue(SweepMetricUnit.Fraction, 0.875), 9);
        Assert.Equal(100, SweepSummary.PlotValue(SweepMetricUnit.Fraction, 1.0), 9);

        // other units are plotted as stored: 11.5 GB/s, 480 ms
        Assert.Equal(11.5, SweepSummary.PlotValue(SweepMetricUnit.GBPerSecond, 11.5), 9);
        Assert.Equal(480, SweepSummary.PlotValue(SweepMetricUnit.Milliseconds, 480), 9);
    }
}
