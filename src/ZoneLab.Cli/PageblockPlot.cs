using System.Globalization;
using ScottPlot;
using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// pageblocks-DESIGN.png: "a photograph of physical memory" at the end of the run — one cell per pageblock (2 MiB) in
/// pfn order, rows of a power-of-two width, coloured by migratetype (hue) and zone (shade), holes grey.
/// </summary>
internal static class PageblockPlot
{
    private static readonly Color s_hole = Color.FromHex("#BDBDBD");

    /// <summary>Writes the map of <paramref name="r"/> to <paramref name="path"/>.</summary>
    public static void Save(string path, string scenario, DesignReport r)
    {
        PageblockMap map = r.Pageblocks ?? throw new InvalidOperationException($"{r.Design} has no pageblock map");
        int cols = 16;
        while ((long)cols * cols < 2L * map.Count)
        {
            cols *= 2; // about twice as wide as tall
        }
        int rows = (map.Count + cols - 1) / cols;

        // the (zone, migratetype) pairs present, in a fixed order, each one colour
        var present = new SortedSet<byte>();
        for (int b = 0; b < map.Count; b++)
        {
            if (map[b] != PageblockMap.Hole)
            {
                present.Add(map[b]);
            }
        }
        var index = new Dictionary<byte, int>();
        var colours = new List<Color>();
        var plot = new Plot();
        foreach (byte cell in present)
        {
            index[cell] = colours.Count;
            var zone = (ZoneType)(cell >> 3);
            var mt = (MigrateType)(cell & 7);
            Color c = Shade(Hue(mt), zone);
            colours.Add(c);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"{ZoneTypes.Name(zone)} / {MigrateTypes.Name(mt)}", FillColor = c, LineWidth = 0 });
        }
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "hole", FillColor = s_hole, LineWidth = 0 });

        var data = new double[rows, cols];
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                int b = (y * cols) + x;
                // the heatmap draws its first data row at the bottom: store row y upside down so pfn 0 is at the top
                data[rows - 1 - y, x] = b < map.Count && map[b] != PageblockMap.Hole ? index[map[b]] : double.NaN;
            }
        }
        var hm = plot.Add.Heatmap(data);
        hm.Colormap = new Categorical(colours);
        hm.ManualRange = new ScottPlot.Range(0, Math.Max(1, colours.Count - 1));
        hm.NaNCellColor = s_hole;
        hm.Extent = new CoordinateRect(0, cols, rows, 0);

        double rowMib = cols * 2.0;
        plot.Title($"{scenario}: {r.Design} pageblocks at the end of the run");
        plot.XLabel($"pageblock within the row (2 MiB each; a row is {rowMib.ToString("0", CultureInfo.InvariantCulture)} MiB)");
        plot.YLabel("physical address of the row start");
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        int step = Math.Max(1, rows / 8);
        for (int y = 0; y < rows; y += step)
        {
            ulong pfn = map.BasePfn + ((ulong)y * (ulong)cols * Pageblock.NrPages);
            ticks.AddMajor(y + 0.5, Address(pfn));
        }
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimits(0, cols, rows, 0); // row 0 (lowest pfn) at the top
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.ShowLegend(Edge.Right);
        int px = Math.Clamp(900 / cols, 3, 24);
        plot.SavePng(path, Math.Max(700, (cols * px) + 420), Math.Max(360, (rows * px) + 140));
    }

    private static string Address(ulong pfn)
    {
        double mib = pfn / 256.0;
        return mib >= 1024 ? (mib / 1024).ToString("0.##", CultureInfo.InvariantCulture) + " GiB" : mib.ToString("0", CultureInfo.InvariantCulture) + " MiB";
    }

    // one hue per migratetype, as pagetypeinfo's columns
    private static Color Hue(MigrateType mt) => mt switch
    {
        MigrateType.Unmovable => Color.FromHex("#D62728"),
        MigrateType.Movable => Color.FromHex("#2CA02C"),
        MigrateType.Reclaimable => Color.FromHex("#FF7F0E"),
        MigrateType.HighAtomic => Color.FromHex("#9467BD"),
        MigrateType.Cma => Color.FromHex("#1F77B4"),
        _ => Color.FromHex("#000000"),
    };

    // the zone as a shade: low zones darker, ZONE_MOVABLE/ZONE_CMA lighter
    private static Color Shade(Color c, ZoneType zone) => zone switch
    {
        ZoneType.Dma => c.Darken(0.55),
        ZoneType.Dma32 => c.Darken(0.3),
        ZoneType.Movable => c.Lighten(0.45),
        ZoneType.Cma => c.Lighten(0.25),
        ZoneType.Device => c.Lighten(0.65),
        _ => c,
    };

    private sealed class Categorical(List<Color> colours) : IColormap
    {
        public string Name => "zone/migratetype";

        public Color GetColor(double normalizedIntensity)
        {
            if (double.IsNaN(normalizedIntensity))
            {
                return s_hole;
            }
            int i = (int)Math.Round(normalizedIntensity * Math.Max(1, colours.Count - 1));
            return colours[Math.Clamp(i, 0, colours.Count - 1)];
        }
    }
}
