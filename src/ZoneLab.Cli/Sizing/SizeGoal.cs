using System.Globalization;
using ZoneLab.Cli.Sweep;
using ZoneLab.Workloads;

namespace ZoneLab.Cli.Sizing;

/// <summary>
/// A goal such as <c>cma_alloc.p99&lt;=500ms and kernel_failures==0 and cma_alloc.success==100%</c>: conditions
/// <c>METRIC OP VALUE</c> joined by <c>and</c>, OP one of <c>&lt;= &lt; &gt;= &gt; == !=</c>, VALUE in the metric's unit
/// (ms or s for latencies, % or 0..1 for fractions, GB/s for bandwidth). A run meets the goal when every condition
/// holds; a metric the run does not have (a latency without calls) fails its condition.
/// </summary>
internal sealed class SizeGoal
{
    private static readonly string[] s_ops = ["<=", ">=", "==", "!=", "<", ">"];

    private SizeGoal(string text, IReadOnlyList<SizeCondition> conditions)
    {
        Text = text;
        Conditions = conditions;
    }

    /// <summary>The goal as given.</summary>
    public string Text { get; }

    /// <summary>The conditions, in order.</summary>
    public IReadOnlyList<SizeCondition> Conditions { get; }

    /// <summary>The metrics the goal reads, in order, without repeats.</summary>
    public IReadOnlyList<SweepMetric> Metrics => [.. Conditions.Select(c => c.Metric).Distinct()];

    /// <summary>Parses <paramref name="text"/>; errors name <c>--goal</c> and the condition.</summary>
    public static SizeGoal Parse(string text)
    {
        var conditions = new List<SizeCondition>();
        string[] parts = System.Text.RegularExpressions.Regex.Split(text.Trim(), @"\s+and(?:\s+|$)|\s*&&\s*");
        foreach (string raw in parts)
        {
            string c = raw.Trim();
            if (c.Length == 0)
            {
                throw new ZoneLabInputException("--goal", $"empty condition in '{text}'; expected METRIC OP VALUE joined by 'and'");
            }
            int at = -1;
            string? op = null;
            foreach (string o in s_ops)
            {
                int i = c.IndexOf(o, StringComparison.Ordinal);
                if (i > 0 && (at < 0 || i < at || (i == at && o.Length > op!.Length)))
                {
                    at = i;
                    op = o;
                }
            }
            if (op is null)
            {
                throw new ZoneLabInputException("--goal", $"'{c}': expected METRIC OP VALUE with OP one of {string.Join(" ", s_ops)}");
            }
            string name = c[..at].Trim();
            string value = c[(at + op.Length)..].Trim();
            SweepMetric m = SweepMetrics.Find(name) ?? throw new ZoneLabInputException("--goal", $"'{c}': unknown metric '{name}' (known: {SweepMetrics.Known})");
            double v = Value(value, m) ?? throw new ZoneLabInputException("--goal", $"'{c}': expected {Expected(m.Unit)}, found '{value}'");
            conditions.Add(new SizeCondition(m, op, v, c));
        }
        return new SizeGoal(text, conditions);
    }

    /// <summary>Whether every condition holds on <paramref name="values"/> (metric name → value or null).</summary>
    public bool Holds(IReadOnlyDictionary<string, double?> values) => Conditions.All(c => c.Holds(values[c.Metric.Name]));

    private static double? Value(string t, SweepMetric m)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        switch (m.Unit)
        {
            case SweepMetricUnit.Milliseconds:
                if (Quantities.TryParse(t, QuantityUnit.Seconds, out double s, out _) && !double.TryParse(t, NumberStyles.Float, inv, out _))
                {
                    return s * 1000;
                }
                return double.TryParse(t, NumberStyles.Float, inv, out double ms) ? ms : null;
            case SweepMetricUnit.Seconds:
                return Quantities.TryParse(t, QuantityUnit.Seconds, out double sec, out _) ? sec
                    : double.TryParse(t, NumberStyles.Float, inv, out double plain) ? plain : null;
            case SweepMetricUnit.Fraction:
                return Quantities.TryParse(t, QuantityUnit.Fraction, out double f, out _) ? f : null;
            case SweepMetricUnit.GBPerSecond:
                return Quantities.TryParse(t, QuantityUnit.BytesPerSecond, out double bps, out _) ? bps / 1e9
                    : double.TryParse(t, NumberStyles.Float, inv, out double g) ? g : null;
            case SweepMetricUnit.MiB:
                return SweepValues.TryBytes(t, out ulong b) && !double.TryParse(t, NumberStyles.Float, inv, out _) ? b / 1048576.0
                    : double.TryParse(t, NumberStyles.Float, inv, out double mib) ? mib : null;
            case SweepMetricUnit.Count:
            case SweepMetricUnit.Ratio:
                return double.TryParse(t, NumberStyles.Float, inv, out double n) ? n : null;
            default:
                throw new ArgumentOutOfRangeException(nameof(m), m.Unit, "no goal syntax for this unit");
        }
    }

    private static string Expected(SweepMetricUnit u) => u switch
    {
        SweepMetricUnit.Milliseconds => "a time such as 500ms, 0.5s or 500 (ms)",
        SweepMetricUnit.Seconds => "a time such as 2s or 500ms",
        SweepMetricUnit.Fraction => "a fraction 0..1 or a percentage such as 100%",
        SweepMetricUnit.GBPerSecond => "a bandwidth such as 11GB/s or 11 (GB/s)",
        SweepMetricUnit.MiB => "a size such as 256M or 256 (MiB)",
        _ => "a number",
    };
}

/// <summary>One condition of a goal.</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Op">The comparison.</param>
/// <param name="Value">The threshold in the metric's unit.</param>
/// <param name="Text">The condition as written.</param>
internal sealed record SizeCondition(SweepMetric Metric, string Op, double Value, string Text)
{
    /// <summary>Whether <paramref name="v"/> meets the condition (a missing value does not).</summary>
    public bool Holds(double? v) => v is double x && Op switch
    {
        "<=" => x <= Value,
        "<" => x < Value,
        ">=" => x >= Value,
        ">" => x > Value,
        "==" => Math.Abs(x - Value) <= 1e-9 * Math.Max(1, Math.Abs(Value)),
        "!=" => Math.Abs(x - Value) > 1e-9 * Math.Max(1, Math.Abs(Value)),
        _ => throw new InvalidOperationException($"unknown operator {Op}"),
    };
}
