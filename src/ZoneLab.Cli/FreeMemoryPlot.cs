using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>free-memory.png: free memory over simulated time per design, kernel-usable (solid) vs movable-only (dashed).</summary>
internal static class FreeMemoryPlot
{
    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, string scenario, IReadOnlyList<DesignReport> reports) =>
        TimeSeriesPlot.Save(path, reports, (s => s.KernelUsableFreePages / 256.0, "kernel-usable"), (s => s.MovableOnlyFreePages / 256.0, "movable-only"),
            $"{scenario}: free memory over time", "free memory (MiB)", null);
}
