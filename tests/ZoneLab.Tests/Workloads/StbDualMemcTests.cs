using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// The built-in <c>stb-dual-memc</c> scenario (BCM7278, DMB v4 cover letter): memc0 = 1 GiB at 0x40000000, memc1 =
/// 1 GiB at 0x300000000, 8 GB/s each; four threads of 64 MiB at 3 GB/s each (12 GB/s of demand, 256 MiB in all); a
/// video decoder at 2 GB/s in the default 64 MiB CMA area, which arm64 places top-down below the 4 GiB DMA limit, i.e.
/// at the top of memc0 (0x7c000000). The kernel's own traffic (machine.kernel_traffic): 0.4 GB/s on the slab actor's
/// pages, 0.002 of each thread's access on its PTE pages, 0.005 on its pages' struct pages; in the one-node variants
/// all of it is on memc1 (GFP_KERNEL takes ZONE_NORMAL = memc1 first; sparse_init()'s memmap is allocated top-down,
/// at the top of memc1): 0.4 + 12 x (0.002 + 0.005) = 0.484 GB/s.
/// </summary>
public class StbDualMemcTests
{
    private static readonly Lazy<(Scenario S, DesignReport[] Reports)> s_run = new(() =>
    {
        using Stream stream = System.Reflection.Assembly.Load("zonelab").GetManifestResourceStream("scenarios/stb-dual-memc.yaml")!;
        using var reader = new StreamReader(stream);
        Scenario s = ScenarioLoader.Load(reader.ReadToEnd(), "stb-dual-memc.yaml", null, "stb-dual-memc");
        return (s, [.. s.Variants.Select(v => SimulationRunner.Run(s, v))]);
    });

    private static DesignReport Variant(string name) => s_run.Value.Reports.Single(r => r.Design == name);

    [Fact]
    public void TheFourVariantsRunUnderTheirNames()
    {
        Assert.Equal(["no-movablecore", "movablecore-600M", "dmb-300M-each", "numa-2-nodes"], s_run.Value.Reports.Select(r => r.Design));
        Assert.All(s_run.Value.Reports, r => Assert.Equal(0, r.MovableFailures));
        Assert.All(s_run.Value.Reports, r => Assert.Equal(4, r.DeviceSuccesses));
    }

    [Theory]
    // no movablecore: GFP_HIGHUSER_MOVABLE tries ZONE_NORMAL first, which is all of memc1 and has ~1 GiB free.
    [InlineData("no-movablecore")]
    // movablecore=600M: ZONE_MOVABLE is the top 600 MiB of memory, [0x31A800000, 0x340000000), all on memc1.
    [InlineData("movablecore-600M")]
    public void ClassicLayoutsPutEveryUserPageOnMemc1(string variant)
    {
        BandwidthReport b = Variant(variant).Bandwidth!;
        Assert.Equal(0.0, b.Controllers[0].WorkloadShare);
        Assert.Equal(1.0, b.Controllers[1].WorkloadShare);
        Assert.Equal(12e9, b.Controllers[1].WorkloadBytesPerSecond, 1);
        Assert.Equal(2e9, b.Controllers[0].DeviceBytesPerSecond, 1);
        // the kernel's own traffic is all on memc1 too (class comment): 0.484 GB/s
        Assert.Equal(0.0, b.Controllers[0].KernelBytesPerSecond, 1);
        Assert.Equal(0.484e9, b.Controllers[1].KernelBytesPerSecond, 1);
        // memc1 carries 12.484 GB/s of 8: the workload gets 12 * 8/12.484 GB/s, less than one controller's bandwidth
        Assert.Equal(12e9, b.DemandBytesPerSecond, 1);
        Assert.Equal(12e9 * 8 / 12.484, b.AchievableBytesPerSecond, 1);
        // loads 2 and 12.484 GB/s
        Assert.Equal(2.0 / 12.484, b.Balance, 9);
    }

    [Fact]
    public void DmbsSpreadUserPagesOverBothControllers()
    {
        // ZONE_MOVABLE = dmb0 [0x60000000, +300M) on memc0 and dmb1 [0x320000000, +300M) on memc1 (plus the CMA area,
        // which the dmb design turns into a DMB too, on memc0): user pages land on both controllers. The workload
        // gains over the classic 8 GB/s exactly when neither controller carries all of it: memc1's load 12 * s1 < 12
        // needs s1 < 1, memc0's 12 * s0 + 2 < 12 needs s0 < 5/6.
        BandwidthReport b = Variant("dmb-300M-each").Bandwidth!;
        double s0 = b.Controllers[0].WorkloadShare;
        Assert.InRange(s0, 0.01, (5.0 / 6) - 0.01);
        Assert.Equal(12e9, b.Controllers[0].WorkloadBytesPerSecond + b.Controllers[1].WorkloadBytesPerSecond, 1);
        Assert.Equal(0.484e9, b.Controllers[1].KernelBytesPerSecond, 1); // the kernel stays on memc1 (ZONE_NORMAL, memmap)
        double worst = Math.Max((12e9 * s0) + 2e9, (12e9 * (1 - s0)) + 0.484e9);
        Assert.True(b.AchievableBytesPerSecond > 8e9);
        Assert.True(b.AchievableBytesPerSecond <= 12e9 * Math.Min(1, 8e9 / worst) * 1.05, $"{b.AchievableBytesPerSecond}");
    }

    [Fact]
    public void WithoutShuffleTheDmbsDoNotHelp()
    {
        // dmb_init_region() frees the DMB pageblocks with FPI_NONE: the order-10 list is in descending pfn order,
        // dmb1's 75 blocks first. The 256 MiB workload takes 64 blocks: all from dmb1, all on memc1, 8 GB/s.
        Scenario s = s_run.Value.S;
        ScenarioVariant dmb = s.Variants.Single(v => v.Design == "dmb");
        BandwidthReport b = SimulationRunner.Run(s, dmb with { Cmdline = dmb.Cmdline.Replace(" page_alloc.shuffle=1", "", StringComparison.Ordinal) }).Bandwidth!;
        Assert.Equal(1.0, b.Controllers[1].WorkloadShare);
        Assert.Equal(12e9 * 8 / 12.484, b.AchievableBytesPerSecond, 1);
    }

    [Fact]
    public void TwoNumaNodesSplitThreadsAndKernelByNode()
    {
        // node 0 = memc0, node 1 = memc1; threads 0-1 and the slab actor run on node 0, threads 2-3 on node 1. The local
        // mempolicy puts each thread's 64 MiB on its node (both nodes have ~1 GiB free): user 6 GB/s per controller.
        // Kernel: slab 0.4 + node 0's threads' PTE and struct pages 6 x 0.007 = 0.442 on memc0 (each node's memmap is on
        // the node), 6 x 0.007 = 0.042 on memc1. memc0 = 2 (decoder) + 6 + 0.442 = 8.442 > 8: achieved 12 x 8/8.442.
        BandwidthReport b = Variant("numa-2-nodes").Bandwidth!;
        Assert.Equal(0.5, b.Controllers[0].WorkloadShare, 9);
        Assert.Equal(0.442e9, b.Controllers[0].KernelBytesPerSecond, 1);
        Assert.Equal(0.042e9, b.Controllers[1].KernelBytesPerSecond, 1);
        Assert.Equal(12e9 * 8 / 8.442, b.AchievableBytesPerSecond, 1);
    }
}
