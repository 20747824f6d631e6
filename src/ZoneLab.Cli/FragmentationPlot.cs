using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// fragmentation.png: the unusable free space index at pageblock order (mirrors <c>unusable_free_index</c>) over
/// simulated time per design: all free memory (solid) and the kernel-usable free lists (dashed).
/// </summary>
internal static class FragmentationPlot
{
    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, string scenario, IReadOnlyList<DesignReport> reports) =>
        TimeSeriesPlot.Save(path, reports, (s => s.UnusableIndex / 1000.0, "all free memory"), (s => s.KernelUnusableIndex / 1000.0, "kernel-usable"),
            $"{scenario}: unusable free space index at pageblock order (2 MiB)", "unusable free space index (0 to 1)", 1.05);
}
