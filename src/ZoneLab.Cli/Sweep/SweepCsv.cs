using System.Globalization;
using System.Text;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// results.csv (RFC 4180): a header of the column names, one line per row in point order; numbers in invariant
/// culture with doubles round-tripping ("R"), an empty field for a missing metric, text quoted when it holds a comma,
/// quote or line break.
/// </summary>
internal static class SweepCsv
{
    /// <summary>The CSV text of <paramref name="rows"/>.</summary>
    public static string Write(IReadOnlyList<SweepColumn> columns, IReadOnlyList<SweepRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', columns.Select(c => Field(c.Name))).Append('\n');
        foreach (SweepRow r in rows)
        {
            for (int c = 0; c < columns.Count; c++)
            {
                if (c > 0)
                {
                    sb.Append(',');
                }
                sb.Append(r.Values[c] switch
                {
                    null => "",
                    double d => d.ToString("R", CultureInfo.InvariantCulture),
                    int i => i.ToString(CultureInfo.InvariantCulture),
                    long l => l.ToString(CultureInfo.InvariantCulture),
                    string s => Field(s),
                    object o => throw new InvalidOperationException($"column {columns[c].Name}: unexpected {o.GetType().Name}"),
                });
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>A CSV field, quoted when needed.</summary>
    public static string Field(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
