namespace ZoneLab.Workloads;

/// <summary>One phase of a scenario's timeline: its actors run together for <paramref name="DurationSeconds"/>.</summary>
/// <param name="Name">A name for reports.</param>
/// <param name="DurationSeconds">How long the phase lasts.</param>
/// <param name="Actors">What allocates and frees during it.</param>
public sealed record ScenarioPhase(string Name, double DurationSeconds, IReadOnlyList<ScenarioActor> Actors)
{
    /// <inheritdoc/>
    public bool Equals(ScenarioPhase? other) =>
        other is not null && Name == other.Name && DurationSeconds.Equals(other.DurationSeconds) && Actors.SequenceEqual(other.Actors);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, DurationSeconds, Actors.Count);
}
