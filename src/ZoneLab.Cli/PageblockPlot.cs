using System.Globalization;
using ScottPlot;
using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// pageblocks-DESIGN.png: "a photograph of physical memory" at the end of the run: one cell per pageblock (2 MiB) in
/// pfn order, rows of a power-of-two width, coloured by migratetype (Okabe-Ito colours); zones are outlined with
/// black borders and named where they start; a device area the kernel never uses (carve-out, GCMA) is its own colour;
/// holes grey. Every row is drawn full height.
/// </summary>
internal static class PageblockPlot
{
    private static readonly Color s_hole = Color.FromHex("#D9D9D9");
    private static readonly Color s_device = Color.FromHex("#F0E442");

    /// <summary>Writes the map of <paramref name="r"/> to <paramref name="path"/>.</summary>
    public static void Save(string path, string scenario, DesignReport r)
    {
        PageblockMap map = r.Pageblocks ?? throw new InvalidOperationException($"{r.Design} has no pageblock map");
        int cols = Columns(map.Count);
        int rows = (map.Count + cols - 1) / cols;
        var plot = new Plot();

        // cells: one rectangle per run of equal cells within a row, so every row is exactly one unit tall
        var seen = new SortedSet<int>();
        bool device = false, hole = false, movableZone = false;
        for (int y = 0; y < rows; y++)
        {
            int x = 0;
            while (x < cols && (y * cols) + x < map.Count)
            {
                int b = (y * cols) + x;
                Color c = ColourOf(map, b, seen, ref device, ref hole);
                int end = x + 1;
                while (end < cols && (y * cols) + end < map.Count && map[(y * cols) + end] == map[b])
                {
                    end++;
                }
                var rect = plot.Add.Rectangle(x, end, Bottom(rows, y), Bottom(rows, y) + 1);
                rect.FillStyle.Color = c;
                rect.LineStyle.Color = c; // outline in the fill colour: no anti-aliasing seams between rows
                rect.LineStyle.Width = 1;
                if (map.TryGet(b, out ZoneType zone, out _) && zone is ZoneType.Movable or ZoneType.Cma)
                {
                    // the movable-only zones are striped, whatever their pageblocks' migratetype
                    rect.FillStyle.Hatch = new ScottPlot.Hatches.Striped();
                    rect.FillStyle.HatchColor = Colors.White.WithAlpha(0.55);
                    movableZone = true;
                }
                x = end;
            }
        }

        DrawZones(plot, map, cols, rows);

        foreach (int mt in seen)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = MigrateTypes.Name((MigrateType)mt), FillColor = Hue((MigrateType)mt), LineWidth = 0 });
        }
        if (device)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "device area (kernel never uses it)", FillColor = s_device, LineWidth = 0 });
        }
        if (hole)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "hole", FillColor = s_hole, LineWidth = 0 });
        }
        if (movableZone)
        {
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = "striped: ZONE_MOVABLE / ZONE_CMA",
                FillStyle = new FillStyle { Color = Color.FromHex("#009E73"), Hatch = new ScottPlot.Hatches.Striped(), HatchColor = Colors.White.WithAlpha(0.55) },
                LineWidth = 0,
            });
        }
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "zone border", LineColor = Colors.Black, LineWidth = 3 });

        double rowMib = cols * 2.0;
        plot.Title($"{scenario}: {r.Design} pageblocks at the end of the run");
        plot.XLabel($"pageblock within the row (2 MiB each; a row is {rowMib.ToString("0", CultureInfo.InvariantCulture)} MiB)");
        plot.YLabel("physical address of the row start");
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        int step = Math.Max(1, rows / 8);
        for (int y = 0; y < rows; y += step)
        {
            ulong pfn = map.BasePfn + ((ulong)y * (ulong)cols * Pageblock.NrPages);
            ticks.AddMajor(Bottom(rows, y) + 0.5, Address(pfn));
        }
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimits(0, cols, 0, rows);
        plot.ShowLegend(Edge.Right);
        int px = Math.Clamp(900 / cols, 3, 24);
        plot.SavePng(path, Math.Max(700, (cols * px) + 420), Math.Max(360, (rows * px * 2) + 140));
    }

    // row 0 (the lowest pfns) at the top: the y of a row's lower edge
    private static double Bottom(int rows, int row) => rows - row - 1;

    /// <summary>Pageblocks per row: a power of two, about twice as many columns as rows.</summary>
    public static int Columns(int count)
    {
        int cols = 16;
        while ((long)cols * cols < 2L * count)
        {
            cols *= 2;
        }
        return cols;
    }

    private static Color ColourOf(PageblockMap map, int b, SortedSet<int> seen, ref bool device, ref bool hole)
    {
        if (!map.TryGet(b, out _, out MigrateType mt))
        {
            hole = true;
            return s_hole;
        }
        if (map.IsDeviceOnly(b))
        {
            device = true;
            return s_device;
        }
        seen.Add((int)mt);
        return Hue(mt);
    }

    // black borders between cells of different zones, and the zone's name where it starts
    private static void DrawZones(Plot plot, PageblockMap map, int cols, int rows)
    {
        int? ZoneAt(int x, int y)
        {
            int b = (y * cols) + x;
            return x < 0 || x >= cols || y < 0 || y >= rows || b >= map.Count || !map.TryGet(b, out ZoneType z, out _) ? null : (int)z;
        }
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                int? z = ZoneAt(x, y);
                if (z == null)
                {
                    continue;
                }
                if (ZoneAt(x + 1, y) is int right && right != z)
                {
                    Border(plot, x + 1, Bottom(rows, y), x + 1, Bottom(rows, y) + 1);
                }
                if (ZoneAt(x, y + 1) is int below && below != z)
                {
                    Border(plot, x, Bottom(rows, y), x + 1, Bottom(rows, y));
                }
            }
        }
        int? last = null;
        for (int b = 0; b < map.Count; b++)
        {
            if (!map.TryGet(b, out ZoneType zone, out _))
            {
                continue;
            }
            if (last != (int)zone)
            {
                var t = plot.Add.Text(ZoneTypes.Name(zone), (b % cols) + 0.15, Bottom(rows, b / cols) + 0.9);
                t.LabelFontSize = 12;
                t.LabelBold = true;
                t.LabelAlignment = Alignment.UpperLeft;
                t.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
                t.LabelBorderColor = Colors.Black;
                t.LabelBorderWidth = 1;
                t.LabelPadding = 2;
            }
            last = (int)zone;
        }
    }

    private static void Border(Plot plot, double x1, double y1, double x2, double y2)
    {
        var l = plot.Add.Line(x1, y1, x2, y2);
        l.LineColor = Colors.Black;
        l.LineWidth = 3;
    }

    private static string Address(ulong pfn)
    {
        double mib = pfn / 256.0;
        return mib >= 1024 ? (mib / 1024).ToString("0.##", CultureInfo.InvariantCulture) + " GiB" : mib.ToString("0", CultureInfo.InvariantCulture) + " MiB";
    }

    /// <summary>One Okabe-Ito colour per migratetype, as pagetypeinfo's columns.</summary>
    public static Color Hue(MigrateType mt) => mt switch
    {
        MigrateType.Unmovable => Color.FromHex("#D55E00"),
        MigrateType.Movable => Color.FromHex("#009E73"),
        MigrateType.Reclaimable => Color.FromHex("#E69F00"),
        MigrateType.HighAtomic => Color.FromHex("#CC79A7"),
        MigrateType.Cma => Color.FromHex("#0072B2"),
        MigrateType.Isolate => Color.FromHex("#000000"),
        _ => throw new ArgumentOutOfRangeException(nameof(mt), mt, "no colour for this migratetype"),
    };
}
