using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// sweep.json of a results folder: what sweep the folder holds (the fingerprint and the grid's shape) and which shard,
/// so that a resume checks it continues the same sweep and <c>zonelab sweep merge</c> needs no grid file.
/// </summary>
internal sealed record SweepManifest
{
    /// <summary>The plan's fingerprint.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Points in the whole grid.</summary>
    public required int Points { get; init; }

    /// <summary>The zonelab version.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>The grid file as given.</summary>
    public required string Grid { get; init; }

    /// <summary>The scenario's name.</summary>
    public required string Scenario { get; init; }

    /// <summary>The axes: key and values.</summary>
    public required IReadOnlyList<SweepManifestAxis> Axes { get; init; }

    /// <summary>Designs or variants.</summary>
    public required IReadOnlyList<string> Designs { get; init; }

    /// <summary>Seeds.</summary>
    public required IReadOnlyList<long> Seeds { get; init; }

    /// <summary>Metric names.</summary>
    public required IReadOnlyList<string> Metrics { get; init; }

    /// <summary>Row columns.</summary>
    public required IReadOnlyList<SweepManifestColumn> Columns { get; init; }

    /// <summary>The shard this folder holds, or null for the whole grid.</summary>
    public SweepShard? Shard { get; init; }

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The manifest of <paramref name="plan"/> for <paramref name="shard"/>.</summary>
    public static SweepManifest Of(SweepPlan plan, SweepShard? shard) => new()
    {
        Fingerprint = plan.Fingerprint,
        Points = plan.Count,
        ToolVersion = SweepPlan.ToolVersion,
        Grid = plan.Grid.Source,
        Scenario = plan.Grid.ScenarioName,
        Axes = [.. plan.Grid.Axes.Select(a => new SweepManifestAxis(a.Key, a.Values))],
        Designs = plan.Grid.Designs,
        Seeds = plan.Grid.Seeds,
        Metrics = [.. plan.Grid.Metrics.Select(m => m.Name)],
        Columns = [.. plan.Columns.Select(c => new SweepManifestColumn(c.Name, c.Type))],
        Shard = shard,
    };

    /// <summary>The JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json) + "\n";

    /// <summary>Reads sweep.json at <paramref name="path"/>.</summary>
    public static SweepManifest Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SweepManifest>(InputFiles.ReadAllText(path, 16L << 20), s_json)
                ?? throw new ZoneLabInputException(path, "empty sweep manifest");
        }
        catch (JsonException e)
        {
            throw new ZoneLabInputException(path, (int)(e.LineNumber ?? 0) + 1, $"not a sweep manifest: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException(path, $"cannot read: {e.Message}");
        }
    }

    /// <summary>The grid's shape as the summary and plots need it.</summary>
    public SweepShape ToShape()
    {
        var metrics = new List<SweepMetric>();
        foreach (string m in Metrics)
        {
            metrics.Add(SweepMetrics.Find(m) ?? throw new ZoneLabInputException(Grid, $"sweep.json names an unknown metric '{m}'"));
        }
        return new SweepShape(Scenario, [.. Axes.Select(a => new SweepAxis(a.Key, a.Values, 0, 0))], Designs, Seeds, metrics,
            [.. Columns.Select(c => new SweepColumn(c.Name, c.Type, ""))], Points);
    }
}

/// <summary>An axis in sweep.json.</summary>
internal sealed record SweepManifestAxis(string Key, IReadOnlyList<string> Values);

/// <summary>A column in sweep.json.</summary>
internal sealed record SweepManifestColumn(string Name, SweepColumnType Type);

/// <summary>What the summary, plots and merge need of a grid: names, axes, designs, seeds, metrics, columns, point count.</summary>
internal sealed record SweepShape(string Scenario, IReadOnlyList<SweepAxis> Axes, IReadOnlyList<string> Designs, IReadOnlyList<long> Seeds,
    IReadOnlyList<SweepMetric> Metrics, IReadOnlyList<SweepColumn> Columns, int Points);

/// <summary>Shard <see cref="Index"/> of <see cref="Count"/>: the points <c>p</c> with <c>p % Count == Index</c>.</summary>
internal sealed record SweepShard(int Index, int Count)
{
    /// <summary>Whether point <paramref name="p"/> belongs to this shard.</summary>
    public bool Owns(int p) => p % Count == Index;

    /// <summary>The folder name under the sweep's <c>--out</c>: <c>shard-0003-of-0008</c>.</summary>
    public string FolderName => $"shard-{Index:D4}-of-{Count:D4}";

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}
