namespace ZoneLab.Cli.Sweep;

/// <summary>
/// A sweep grid file (docs/sweeps.md): the base scenario as YAML text, the axes, the designs (or scenario variants),
/// the seeds and the metrics to keep. Points are the cross product, numbered axis by axis in file order, then design,
/// then seed (the seed varies fastest).
/// </summary>
internal sealed record SweepGrid
{
    /// <summary>The grid file (or a name for a grid built in memory, as <c>zonelab size</c> does).</summary>
    public required string Source { get; init; }

    /// <summary>The scenario as written in the grid (<c>android-camera</c> or a path).</summary>
    public required string ScenarioSpec { get; init; }

    /// <summary>The scenario's YAML text, before any axis is applied.</summary>
    public required string ScenarioYaml { get; init; }

    /// <summary>Name the scenario's errors are reported under.</summary>
    public required string ScenarioSource { get; init; }

    /// <summary>The folder the scenario's relative files are resolved against (null for built-ins).</summary>
    public string? ScenarioBaseDirectory { get; init; }

    /// <summary>The scenario's name (its <c>name:</c> or file name).</summary>
    public required string ScenarioName { get; init; }

    /// <summary>The axes, outermost first.</summary>
    public required IReadOnlyList<SweepAxis> Axes { get; init; }

    /// <summary>Design names or scenario variant names, in order.</summary>
    public required IReadOnlyList<string> Designs { get; init; }

    /// <summary>Seeds, in order.</summary>
    public required IReadOnlyList<long> Seeds { get; init; }

    /// <summary>The metrics kept per run, in column order.</summary>
    public required IReadOnlyList<SweepMetric> Metrics { get; init; }

    /// <summary>Simulated seconds per step.</summary>
    public double TickSeconds { get; init; } = 0.1;

    /// <summary>Number of points: the product of the axes' sizes, the designs and the seeds.</summary>
    public int PointCount
    {
        get
        {
            long n = (long)Designs.Count * Seeds.Count;
            foreach (SweepAxis a in Axes)
            {
                n *= a.Values.Count;
            }
            return checked((int)n);
        }
    }
}

/// <summary>One axis of a grid: a key (a scenario key path, <c>cmdline.NAME</c> or <c>kernel</c>) and its values.</summary>
/// <param name="Key">The key as written in the grid (<c>cmdline.cma</c>, <c>actors.camera.size</c>).</param>
/// <param name="Values">The values as text, in order.</param>
/// <param name="Line">Line of the key in the grid file (for errors).</param>
/// <param name="Col">Column of the key in the grid file.</param>
internal sealed record SweepAxis(string Key, IReadOnlyList<string> Values, int Line, int Col)
{
    /// <summary>The column name in results: the key with every character other than a letter, digit or '_' as '_'.</summary>
    public string Column => SweepColumns.Sanitize(Key);

    /// <summary>Whether every value is a size (<c>128M</c>, <c>1G</c>): then results also hold the size in bytes.</summary>
    public bool IsSize => Values.All(v => SweepValues.TryBytes(v, out _));

    /// <summary>Whether every value is a plain number (seeds, counts, fractions without %).</summary>
    public bool IsNumber => Values.All(v => double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _));

    /// <summary>The x position of value <paramref name="i"/> in plots: MiB for sizes, the number for numbers, else the index.</summary>
    public double Position(int i)
    {
        if (IsSize && SweepValues.TryBytes(Values[i], out ulong b))
        {
            return b / 1048576.0;
        }
        return IsNumber ? double.Parse(Values[i], System.Globalization.CultureInfo.InvariantCulture) : i;
    }
}
