namespace ZoneLab.Metrics;

/// <summary>
/// The bandwidth model's result for one run (docs/bandwidth.md): per memory controller the time-averaged load and
/// share, the workload's demand and the aggregate bandwidth it can achieve, and the balance between controllers.
/// </summary>
public sealed record BandwidthReport
{
    /// <summary>The controllers, in scenario order.</summary>
    public required IReadOnlyList<ControllerLoad> Controllers { get; init; }

    /// <summary>What the workload (every actor with <c>access</c> except devices) asks for, bytes/s, time-averaged.</summary>
    public double DemandBytesPerSecond { get; init; }

    /// <summary>The aggregate bandwidth the workload achieves: demand × min(1, bw/load) of its slowest controller, time-averaged.</summary>
    public double AchievableBytesPerSecond { get; init; }

    /// <summary>Smallest controller share of the total load over the largest (1: even, 0: one controller idle).</summary>
    public double Balance { get; init; }
}

/// <summary>One controller's time-averaged load.</summary>
/// <param name="Name">The controller's name.</param>
/// <param name="BandwidthBytesPerSecond">Its peak bandwidth.</param>
/// <param name="WorkloadBytesPerSecond">Load from the workload's pages on it.</param>
/// <param name="DeviceBytesPerSecond">Load from device buffers (cma actors) on it.</param>
/// <param name="Share">Its part of the total load over all controllers (0..1).</param>
/// <param name="WorkloadShare">Its part of the workload's load (0..1).</param>
public sealed record ControllerLoad(string Name, double BandwidthBytesPerSecond, double WorkloadBytesPerSecond, double DeviceBytesPerSecond, double Share, double WorkloadShare)
{
    /// <summary>The kernel's own traffic on it (slab, page tables, struct pages: <c>machine.kernel_traffic</c>), bytes/s.</summary>
    public double KernelBytesPerSecond { get; init; }

    /// <summary>Total load, bytes/s.</summary>
    public double LoadBytesPerSecond => WorkloadBytesPerSecond + DeviceBytesPerSecond + KernelBytesPerSecond;

    /// <summary>Load over bandwidth (above 1: saturated).</summary>
    public double Utilisation => LoadBytesPerSecond / BandwidthBytesPerSecond;
}
