using System.Text;

namespace ZoneLab.Cli.Sweep;

/// <summary>The columns of a sweep's rows (results.parquet, results.csv), in order.</summary>
internal static class SweepColumns
{
    /// <summary>A column name readers need not quote: letters, digits and '_', lower case.</summary>
    public static string Sanitize(string key)
    {
        var sb = new StringBuilder(key.Length);
        foreach (char c in key)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        }
        return sb.ToString();
    }

    /// <summary>
    /// The columns of <paramref name="grid"/>'s rows: <c>point</c>, <c>scenario</c>, <c>design</c>, <c>seed</c>, each
    /// axis (its value as text, plus <c>AXIS_bytes</c> for size axes), each metric, then <c>tool_version</c>.
    /// </summary>
    public static List<SweepColumn> For(SweepGrid grid)
    {
        var cols = new List<SweepColumn>
        {
            new("point", SweepColumnType.Int32, "the run's index in the grid (0..N-1)"),
            new("scenario", SweepColumnType.String, "the scenario's name"),
            new("design", SweepColumnType.String, "the design or scenario variant"),
            new("seed", SweepColumnType.Int64, "the random seed of every actor"),
        };
        var seen = new HashSet<string>(cols.Select(c => c.Name), StringComparer.Ordinal);
        void Add(SweepColumn c)
        {
            if (!seen.Add(c.Name))
            {
                throw new ZoneLabInputException(grid.Source, $"two columns would be named '{c.Name}'; rename an axis or drop a metric");
            }
            cols.Add(c);
        }
        foreach (SweepAxis a in grid.Axes)
        {
            Add(new SweepColumn(a.Column, SweepColumnType.String, $"axis {a.Key}: the value as written"));
            if (a.IsSize)
            {
                Add(new SweepColumn(a.Column + "_bytes", SweepColumnType.Int64, $"axis {a.Key}: the size in bytes"));
            }
        }
        foreach (SweepMetric m in grid.Metrics)
        {
            Add(new SweepColumn(m.Column, SweepColumnType.Double, $"{m.Name}: {m.Description}"));
        }
        Add(new SweepColumn("tool_version", SweepColumnType.String, "the zonelab version that ran the point"));
        return cols;
    }
}

/// <summary>A column: its name, type and what it holds.</summary>
internal sealed record SweepColumn(string Name, SweepColumnType Type, string Description);

/// <summary>Column types; metrics are nullable doubles (null when the run has no such number, e.g. no cma_alloc calls).</summary>
internal enum SweepColumnType
{
    /// <summary>32-bit integer.</summary>
    Int32,

    /// <summary>64-bit integer.</summary>
    Int64,

    /// <summary>UTF-8 text.</summary>
    String,

    /// <summary>Nullable double.</summary>
    Double,
}
