namespace ZoneLab.Metrics;

/// <summary>
/// <c>run.json</c> of a report folder: the only file with host data (time, host, wall seconds), so that the other
/// files are reproducible. Properties are in the ordinal order of their JSON names.
/// </summary>
public sealed record RunMetadata
{
    /// <summary>The command line that made the report.</summary>
    public required string Command { get; init; }

    /// <summary>The .NET runtime.</summary>
    public required string Dotnet { get; init; }

    /// <summary>The host's name.</summary>
    public required string Host { get; init; }

    /// <summary>The operating system.</summary>
    public required string Os { get; init; }

    /// <summary>Logical processors.</summary>
    public required int Processors { get; init; }

    /// <summary>When the report was written (UTC, ISO 8601 to the second).</summary>
    public required string Utc { get; init; }

    /// <summary>Wall seconds per design, by design name.</summary>
    public required SortedDictionary<string, double> WallSeconds { get; init; }

    /// <summary>The sum of <see cref="WallSeconds"/>.</summary>
    public required double WallSecondsSum { get; init; }
}
