namespace ZoneLab.Workloads.Simulation;

/// <summary>The seeds of a run's random streams: one per actor, so adding an actor does not move the others' draws.</summary>
internal static class SimulationSeeds
{
    /// <summary>A deterministic 64-bit mix (SplitMix64) of the seed and an actor's position, as an Int32 seed.</summary>
    internal static int StreamSeed(long seed, int phase, int actor)
    {
        ulong z = unchecked((ulong)seed + ((ulong)phase * 0x9E3779B97F4A7C15UL) + ((ulong)(actor + 1) * 0xBF58476D1CE4E5B9UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)z);
    }
}
