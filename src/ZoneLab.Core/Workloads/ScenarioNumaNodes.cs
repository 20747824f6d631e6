using ZoneLab.Layout;

namespace ZoneLab.Workloads;

/// <summary>
/// A scenario machine's memory controllers as NUMA nodes (a variant's <c>numa: controllers</c>): what a board's device
/// tree says when each controller's <c>/memory</c> node carries <c>numa-node-id = &lt;i&gt;</c> (i = the controller's
/// index in <c>memory_controllers</c>) and a <c>numa-distance-map-v1</c> node gives REMOTE_DISTANCE (20) between every
/// two nodes: the arm64 kernel (CONFIG_NUMA, as Debian's) then has one pgdat, zonelist and kswapd per controller.
/// The equivalent .dts is tests/ZoneLab.Tests/Fixtures/dtb/bcm7278-two-node.dts.
/// </summary>
public static class ScenarioNumaNodes
{
    /// <summary>The distance between two different controllers' nodes in the generated distance map.</summary>
    public const uint Distance = NumaTopology.RemoteDistance;

    /// <summary>Sets <paramref name="b"/> up with the machine's memory ranges on their controllers' nodes.</summary>
    public static void Describe(ScenarioMachine m, LayoutBuilder b)
    {
        var ranges = new List<(ulong, ulong, int)>();
        foreach (PhysicalRange r in m.Memory)
        {
            ranges.Add((r.Start, r.Size, NodeOf(m, r)));
        }
        var matrix = new List<(uint, uint, uint)>();
        for (int a = 0; a < m.MemoryControllers.Count; a++)
        {
            for (int c = a + 1; c < m.MemoryControllers.Count; c++)
            {
                matrix.Add(((uint)a, (uint)c, Distance));
            }
        }
        b.ForArm64Memory(ranges, matrix);
    }

    /// <summary>The index of the controller that holds all of <paramref name="r"/>, or -1.</summary>
    public static int NodeOf(ScenarioMachine m, PhysicalRange r)
    {
        for (int i = 0; i < m.MemoryControllers.Count; i++)
        {
            if (m.MemoryControllers[i].Ranges.Any(c => c.Start <= r.Start && r.Start + r.Size <= c.Start + c.Size))
            {
                return i;
            }
        }
        return -1;
    }
}
