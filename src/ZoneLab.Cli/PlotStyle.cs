using System.Globalization;
using ScottPlot;

namespace ZoneLab.Cli;

/// <summary>Shared look of the report plots: one colour per design (by position in the report), sizes, axis helpers.</summary>
internal static class PlotStyle
{
    /// <summary>Width and height of the line plots in pixels.</summary>
    public const int Width = 1100, Height = 540;

    private static readonly IPalette s_palette = new ScottPlot.Palettes.Category10();

    /// <summary>The colour of the <paramref name="index"/>-th design of the report.</summary>
    public static Color Design(int index) => s_palette.GetColor(index);

    /// <summary>Log10 x or y axis labelled with the plain values (0.01, 0.1, 1, 10 ...).</summary>
    public static void Log10Ticks(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = v => Math.Pow(10, v).ToString("0.###", CultureInfo.InvariantCulture),
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
        };
    }
}
