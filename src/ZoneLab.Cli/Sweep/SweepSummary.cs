using System.Globalization;
using System.Text;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// The sweep's summary: per metric, one table with a row per axis-value combination and a column per design, each
/// cell the metric's median and [min, max] over the seeds; also as long CSV (summary.csv) for notebooks.
/// </summary>
internal static class SweepSummary
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>min, median, max and count of the non-missing values (NaN when there are none).</summary>
    public readonly record struct Spread(double Min, double Median, double Max, int Count);

    /// <summary>The spread of <paramref name="values"/> (missing values skipped).</summary>
    public static Spread Of(IEnumerable<double?> values)
    {
        double[] v = [.. values.Where(x => x.HasValue).Select(x => x!.Value).Order()];
        if (v.Length == 0)
        {
            return new Spread(double.NaN, double.NaN, double.NaN, 0);
        }
        double med = v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
        return new Spread(v[0], med, v[^1], v.Length);
    }

    /// <summary>Groups: (axis-value combination label, design) → rows.</summary>
    private static (List<string> Combos, Dictionary<(string Combo, string Design), List<SweepRow>> Groups) Group(SweepShape shape, IReadOnlyList<SweepRow> rows)
    {
        int[] axisColumn = AxisColumns(shape);
        var combos = new List<string>();
        var groups = new Dictionary<(string, string), List<SweepRow>>();
        foreach (SweepRow r in rows.OrderBy(r => r.Point))
        {
            string combo = shape.Axes.Count == 0 ? "all" : string.Join(", ", shape.Axes.Select((a, i) => $"{a.Key}={r.Values[axisColumn[i]]}"));
            if (!combos.Contains(combo))
            {
                combos.Add(combo);
            }
            string design = (string)r.Values[2]!;
            if (!groups.TryGetValue((combo, design), out List<SweepRow>? list))
            {
                groups[(combo, design)] = list = [];
            }
            list.Add(r);
        }
        return (combos, groups);
    }

    /// <summary>The column index of each axis.</summary>
    public static int[] AxisColumns(SweepShape shape) =>
        [.. shape.Axes.Select(a => IndexOf(shape, a.Column))];

    /// <summary>The column index of a metric.</summary>
    public static int MetricColumn(SweepShape shape, SweepMetric m) => IndexOf(shape, m.Column);

    private static int IndexOf(SweepShape shape, string column)
    {
        for (int i = 0; i < shape.Columns.Count; i++)
        {
            if (shape.Columns[i].Name == column)
            {
                return i;
            }
        }
        throw new InvalidOperationException($"no column {column}");
    }

    /// <summary>One table per metric.</summary>
    public static List<ReportTable> Tables(SweepShape shape, IReadOnlyList<SweepRow> rows)
    {
        (List<string> combos, Dictionary<(string, string), List<SweepRow>> groups) = Group(shape, rows);
        var tables = new List<ReportTable>();
        foreach (SweepMetric m in shape.Metrics)
        {
            int col = MetricColumn(shape, m);
            var body = new List<string[]>();
            foreach (string combo in combos)
            {
                var cells = new List<string> { combo };
                foreach (string d in shape.Designs)
                {
                    cells.Add(groups.TryGetValue((combo, d), out List<SweepRow>? g) ? Cell(Of(g.Select(r => (double?)r.Values[col])), m.Unit) : "");
                }
                body.Add([.. cells]);
            }
            tables.Add(new ReportTable($"{m.Name} ({UnitLabel(m.Unit)})",
                $"{m.Description}: median [min, max] over the seeds ({shape.Seeds.Count}) per design; '-' where no run had the number.",
                [shape.Axes.Count == 0 ? "" : string.Join(", ", shape.Axes.Select(a => a.Key)), .. shape.Designs], body));
        }
        return tables;
    }

    /// <summary>summary.csv: design, axis values, metric, min, median, max, runs (long format).</summary>
    public static string Csv(SweepShape shape, IReadOnlyList<SweepRow> rows)
    {
        (List<string> combos, Dictionary<(string, string), List<SweepRow>> groups) = Group(shape, rows);
        int[] axisColumn = AxisColumns(shape);
        var sb = new StringBuilder();
        sb.AppendJoin(',', new[] { "design" }.Concat(shape.Axes.Select(a => a.Column)).Concat(["metric", "min", "median", "max", "runs"])).Append('\n');
        foreach (string d in shape.Designs)
        {
            foreach (string combo in combos)
            {
                if (!groups.TryGetValue((combo, d), out List<SweepRow>? g))
                {
                    continue;
                }
                foreach (SweepMetric m in shape.Metrics)
                {
                    Spread s = Of(g.Select(r => (double?)r.Values[MetricColumn(shape, m)]));
                    sb.Append(SweepCsv.Field(d));
                    foreach (int c in axisColumn)
                    {
                        sb.Append(',').Append(SweepCsv.Field((string)g[0].Values[c]!));
                    }
                    sb.Append(',').Append(m.Name).Append(',').Append(Num(s.Min)).Append(',').Append(Num(s.Median)).Append(',').Append(Num(s.Max))
                        .Append(',').Append(s.Count.ToString(s_inv)).Append('\n');
                }
            }
        }
        return sb.ToString();
    }

    private static string Num(double v) => double.IsNaN(v) ? "" : v.ToString("R", s_inv);

    /// <summary>"291 [280, 340]" or "-".</summary>
    public static string Cell(Spread s, SweepMetricUnit unit) =>
        s.Count == 0 ? "-" : s.Min == s.Max ? Format(s.Median, unit) : $"{Format(s.Median, unit)} [{Format(s.Min, unit)}, {Format(s.Max, unit)}]";

    /// <summary>A value in its unit, as the report tables print it.</summary>
    public static string Format(double v, SweepMetricUnit unit) => unit switch
    {
        SweepMetricUnit.Fraction => (v * 100).ToString("0.0", s_inv) + "%",
        SweepMetricUnit.Count => v.ToString("0.#", s_inv),
        SweepMetricUnit.Milliseconds => v >= 100 ? v.ToString("0", s_inv) : v.ToString("0.00", s_inv),
        _ => v.ToString("0.00", s_inv),
    };

    /// <summary>
    /// A metric's value on a plot's axis, in the unit <see cref="UnitLabel"/> names: fractions (stored 0..1) as
    /// percentages, as the tables print them; the other units as stored.
    /// </summary>
    public static double PlotValue(SweepMetricUnit unit, double value) => unit == SweepMetricUnit.Fraction ? value * 100 : value;

    /// <summary>The unit as a column label.</summary>
    public static string UnitLabel(SweepMetricUnit unit) => unit switch
    {
        SweepMetricUnit.Count => "count",
        SweepMetricUnit.Milliseconds => "ms",
        SweepMetricUnit.Seconds => "s",
        SweepMetricUnit.Fraction => "%",
        SweepMetricUnit.MiB => "MiB",
        SweepMetricUnit.GBPerSecond => "GB/s",
        SweepMetricUnit.Ratio => "ratio",
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };

    /// <summary>summary.md: the tables in markdown, then the plots.</summary>
    public static string Markdown(SweepShape shape, IReadOnlyList<SweepRow> rows, IReadOnlyList<string> plots)
    {
        var sb = new StringBuilder();
        sb.Append("# ZoneLab sweep: ").Append(shape.Scenario).Append("\n\n");
        sb.Append(rows.Count.ToString(s_inv)).Append(" of ").Append(shape.Points.ToString(s_inv)).Append(" points; rows in results.parquet and results.csv.\n\n");
        foreach (ReportTable t in Tables(shape, rows))
        {
            sb.Append("## ").Append(t.Title).Append("\n\n").Append(t.Definition).Append("\n\n");
            sb.Append("| ").AppendJoin(" | ", t.Headers).Append(" |\n|");
            for (int i = 0; i < t.Headers.Count; i++)
            {
                sb.Append(i == 0 ? " --- |" : " ---: |");
            }
            sb.Append('\n');
            foreach (string[] r in t.Rows)
            {
                sb.Append("| ").AppendJoin(" | ", r).Append(" |\n");
            }
            sb.Append('\n');
        }
        if (plots.Count > 0)
        {
            sb.Append("## plots\n\n");
            foreach (string p in plots)
            {
                sb.Append("![").Append(p).Append("](").Append(p).Append(")\n\n");
            }
        }
        return sb.ToString();
    }
}
