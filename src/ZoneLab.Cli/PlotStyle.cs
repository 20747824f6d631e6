using System.Globalization;
using ScottPlot;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// Shared look of the report plots: the Okabe-Ito colour-blind-safe palette (one colour per design, by position in the
/// report), sizes, axis helpers, the scenario's phases shaded behind time plots.
/// </summary>
internal static class PlotStyle
{
    /// <summary>Width and height of the line plots in pixels.</summary>
    public const int Width = 1100, Height = 540;

    /// <summary>
    /// Okabe and Ito's eight colours (Color Universal Design, 2002), distinguishable with every common colour-vision
    /// deficiency: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black.
    /// </summary>
    public static readonly Color[] OkabeIto =
    [
        Color.FromHex("#0072B2"), Color.FromHex("#E69F00"), Color.FromHex("#009E73"), Color.FromHex("#D55E00"),
        Color.FromHex("#CC79A7"), Color.FromHex("#56B4E9"), Color.FromHex("#F0E442"), Color.FromHex("#000000"),
    ];

    /// <summary>The colour of the <paramref name="index"/>-th design of the report.</summary>
    public static Color Design(int index) => OkabeIto[index % OkabeIto.Length];

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

    /// <summary>
    /// Shades the phases in which a device asks for contiguous memory (a light band with the phase name on top) and
    /// marks each burst with a thin line, behind the data of a time plot.
    /// </summary>
    public static void ShadeDevicePhases(Plot plot, PlotTimeline timeline, double yTop)
    {
        foreach (PlotPhase p in timeline.Phases)
        {
            bool device = timeline.Devices.Any(d => d.BurstTimes.Any(t => t >= p.Start && t < p.End));
            if (!device)
            {
                continue;
            }
            var span = plot.Add.HorizontalSpan(p.Start, p.End);
            span.FillStyle.Color = Color.FromHex("#56B4E9").WithAlpha(0.12);
            span.LineStyle.Width = 0;
            var label = plot.Add.Text($"{p.Name} phase", p.Start + ((p.End - p.Start) / 2), yTop);
            label.LabelFontSize = 11;
            label.LabelFontColor = Color.FromHex("#444444");
            label.LabelAlignment = Alignment.UpperCenter;
        }
        foreach (PlotDevice d in timeline.Devices)
        {
            foreach (double t in d.BurstTimes)
            {
                var line = plot.Add.VerticalLine(t);
                line.LineColor = Color.FromHex("#56B4E9").WithAlpha(0.6);
                line.LineWidth = 1;
                line.LinePattern = LinePattern.Dotted;
            }
        }
    }

    /// <summary>A figure of <paramref name="n"/> panels (a new Multiplot already holds one plot; it becomes panel 0).</summary>
    public static (Multiplot Figure, List<Plot> Panels) Panels(int n)
    {
        var mp = new Multiplot();
        var panels = new List<Plot>();
        for (int i = 0; i < n; i++)
        {
            panels.Add(i < mp.Count() ? mp.GetPlot(i) : mp.AddPlot());
        }
        return (mp, panels);
    }

    /// <summary>A centred moving average over <paramref name="window"/> samples (the ends use the samples they have).</summary>
    public static double[] Smooth(double[] ys, int window)
    {
        var r = new double[ys.Length];
        int h = window / 2;
        for (int i = 0; i < ys.Length; i++)
        {
            int a = Math.Max(0, i - h), b = Math.Min(ys.Length - 1, i + h);
            double sum = 0;
            for (int k = a; k <= b; k++)
            {
                sum += ys[k];
            }
            r[i] = sum / (b - a + 1);
        }
        return r;
    }
}
