using ZoneLab.Designs;

namespace ZoneLab.Workloads;

/// <summary>
/// A workload scenario (docs/scenarios.md): the machine, the designs to compare, a seed and a timeline of phases.
/// Loaded and validated by <see cref="ScenarioLoader"/>, printed back by <see cref="ScenarioWriter"/>.
/// </summary>
public sealed record Scenario
{
    /// <summary>A short name (<c>android-camera</c>); the file name without extension when absent.</summary>
    public required string Name { get; init; }

    /// <summary>Free text: what the scenario reproduces and the source it cites.</summary>
    public string? Description { get; init; }

    /// <summary>The kernel generation to mirror (<c>4.10</c>, <c>6.1</c>, <c>6.12</c>; default 6.1).</summary>
    public string Kernel { get; init; } = "6.1";

    /// <summary>The random seed of every actor.</summary>
    public long Seed { get; init; }

    /// <summary>The machine.</summary>
    public required ScenarioMachine Machine { get; init; }

    /// <summary>The designs to run side by side (<see cref="ScenarioDesigns.All"/>); all of them when the file omits it.</summary>
    public IReadOnlyList<string> Designs { get; init; } = ScenarioDesigns.All;

    /// <summary>Design + command-line variants to run instead of <see cref="Designs"/>; empty when the file has none.</summary>
    public IReadOnlyList<ScenarioVariant> Variants { get; init; } = [];

    /// <summary>The timeline, in order.</summary>
    public required IReadOnlyList<ScenarioPhase> Phases { get; init; }

    /// <summary>The file the scenario was read from (null when read from text); not part of equality.</summary>
    public string? SourcePath { get; init; }

    /// <summary>The folder relative paths of the scenario (<c>dmesg</c>, <c>dtb</c>, histogram files) are taken from.</summary>
    public string? BaseDirectory => SourcePath is null ? null : Path.GetDirectoryName(Path.GetFullPath(SourcePath));

    /// <summary>The total duration of all phases, in seconds.</summary>
    public double DurationSeconds => Phases.Sum(p => p.DurationSeconds);

    /// <inheritdoc/>
    public bool Equals(Scenario? other) =>
        other is not null && Name == other.Name && Description == other.Description && Kernel == other.Kernel
        && Seed == other.Seed && Machine.Equals(other.Machine) && Designs.SequenceEqual(other.Designs)
        && Variants.SequenceEqual(other.Variants) && Phases.SequenceEqual(other.Phases);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Seed, Phases.Count);
}

/// <summary>The design names a scenario may list: those of <see cref="DesignNames"/>, as <c>--design</c> takes them.</summary>
public static class ScenarioDesigns
{
    /// <summary>Every design, in report order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. DesignNames.All.Select(DesignNames.Name)];

    /// <summary>The design of a name the loader accepted.</summary>
    public static DesignKind Kind(string name) => DesignNames.Parse(name);
}
