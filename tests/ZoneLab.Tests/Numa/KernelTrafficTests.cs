using ZoneLab.Layout;
using ZoneLab.Metrics;
using ZoneLab.Workloads;

namespace ZoneLab.Tests.Numa;

/// <summary>The kernel's own traffic in the bandwidth model (docs/bandwidth.md), derived by hand.</summary>
public class KernelTrafficTests
{
    private static readonly MemoryController[] s_two =
    [
        new("memc0", [new PhysicalRange(0x40000000, 1UL << 30)], 8e9),
        new("memc1", [new PhysicalRange(0x300000000, 1UL << 30)], 8e9),
    ];

    [Fact]
    public void TrafficGoesWhereTheKernelsPagesAre()
    {
        // slab: 3 pages on memc0, 1 on memc1, 400 B/s -> 300 / 100. The actor (1000 B/s) has its one PTE page on memc1:
        // page_tables 0.1 -> 100 on memc1; its struct pages (memmap 0.01 -> 10 B/s) all lie on memc0.
        var bw = new BandwidthSampler(s_two);
        var k = new KernelTrafficSampler(bw, 2);
        var actor = new AnonActor { Name = "t", Rate = ScenarioDistribution.Constant(1, QuantityUnit.BytesPerSecond), AccessBytesPerSecond = 1000 };
        k.AddSlab(0x40000, 2);
        k.AddSlab(0x40010, 1);
        k.AddSlab(0x300000, 1);
        k.AddPageTable(actor, 0x300100);
        k.AddStructPage(actor, 0x40000000 + 64);
        k.AddStructPage(actor, 0x40000000 + 128);
        double[] loads = k.Loads(new KernelTraffic(400, 0.1, 0.01)).ToArray();
        Assert.Equal(310, loads[0], 9);
        Assert.Equal(200, loads[1], 9);
        // the counts are cleared for the next sample
        Assert.Equal([0.0, 0.0], k.Loads(new KernelTraffic(400, 0.1, 0.01)).ToArray());
    }

    [Fact]
    public void KernelLoadSlowsTheWorkloadAndIsReported()
    {
        // workload 8 GB/s all on memc0 plus 1 GB/s of kernel traffic there: load 9 > 8, achieved = 8 x 8/9
        var bw = new BandwidthSampler(s_two);
        var actor = new AnonActor { Name = "t", Rate = ScenarioDistribution.Constant(1, QuantityUnit.BytesPerSecond), AccessBytesPerSecond = 8e9 };
        bw.AddPages(actor, 0x40000, 10);
        bw.AddKernelLoad([1e9, 0]);
        bw.EndSample(1);
        BandwidthReport r = bw.Report();
        Assert.Equal(1e9, r.Controllers[0].KernelBytesPerSecond, 3);
        Assert.Equal(9e9, r.Controllers[0].LoadBytesPerSecond, 3);
        Assert.Equal(8e9 * 8 / 9, r.AchievableBytesPerSecond, 3);
    }

    [Fact]
    public void StructPagesLieWhereSparseInitPutThem()
    {
        // one node over both controllers: sparse_buffer_init() takes 16 sections x 2 MiB (128 MiB / 4 KiB x 64 B)
        // top-down from the node, i.e. on MEMC1 even for MEMC0's sections; with a node per controller each node's
        // memmap is on its own controller (memblock_alloc_exact_nid_raw on the node).
        BootLayout uma = new LayoutBuilder().ForArm64Memory([(0x40000000UL, 1UL << 30), (0x300000000UL, 1UL << 30)]).Build();
        Assert.Equal(16, uma.Memmap.Count);
        Assert.All(uma.Memmap, r => Assert.InRange(r.Phys, 0x300000000UL, 0x340000000UL - 1));
        Assert.Equal(2UL << 20, uma.Memmap[1].Phys - uma.Memmap[0].Phys);

        BootLayout numa = new LayoutBuilder().ForArm64Memory([(0x40000000UL, 1UL << 30, 0), (0x300000000UL, 1UL << 30, 1)], [(0, 1, 20)]).Build();
        Assert.All(numa.Memmap.Where(r => r.StartPfn < 0x80000), r => Assert.InRange(r.Phys, 0x40000000UL, 0x80000000UL - 1));
        Assert.All(numa.Memmap.Where(r => r.StartPfn >= 0x300000), r => Assert.InRange(r.Phys, 0x300000000UL, 0x340000000UL - 1));
        Assert.Equal(0x40000000UL + 64 * 5 + (numa.Memmap[0].Phys - 0x40000000UL), numa.Memmap[0].StructPage(0x40005));
    }
}
