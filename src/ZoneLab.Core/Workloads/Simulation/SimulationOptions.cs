namespace ZoneLab.Workloads.Simulation;

/// <summary>How a scenario is stepped.</summary>
public sealed record SimulationOptions
{
    /// <summary>Simulated seconds per tick (default 100 ms).</summary>
    public double TickSeconds { get; init; } = 0.1;

    /// <summary>Overrides the scenario's seed.</summary>
    public long? Seed { get; init; }

    /// <summary>Seconds between samples of the device areas' utilisation.</summary>
    public double SampleSeconds { get; init; } = 1.0;

    /// <summary>Folder relative machine files (dmesg, dtb) are resolved against.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>
    /// Called on the simulation thread every <see cref="WatchSeconds"/> of simulated time with the time and the machine
    /// (for live /proc views); the machine must only be read, and only during the call.
    /// </summary>
    public Action<double, Allocator.Machine>? Watch { get; init; }

    /// <summary>Simulated seconds between <see cref="Watch"/> calls.</summary>
    public double WatchSeconds { get; init; } = 1.0;

    /// <summary>
    /// Runs kswapd to completion at each wakeup (an infinitely fast kswapd, the engine's default) instead of as a
    /// background thread that reclaims one tick's worth of time per tick (default; docs/cost-model.md).
    /// </summary>
    public bool SynchronousKswapd { get; init; }

    /// <summary>Runs the engine's invariant checker after every step (slow; for tests).</summary>
    public bool DebugChecks { get; init; }

    /// <summary>
    /// A device snapshot (<c>--from DIR</c>): the machine is the device's (its boot log, zoneinfo and device tree replace
    /// the scenario's machine) and is brought to the recorded state before the actors start (docs/snapshot.md).
    /// </summary>
    public DeviceState.DeviceSnapshot? From { get; init; }
}
