using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Metrics;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>The compare report's engine-derived metrics on hand-built machines (docs/report.md).</summary>
public class ReportMetricsTests
{
    private const ulong CmaStart = 8192, CmaEnd = 12288;

    // TestMachines.Small with CMA [8192, 12288): ZONE_DMA [1, 4096) = 4,095 pages, ZONE_DMA32 [4096, 16384) = 12,288
    // pages of which 4,096 are MIGRATE_CMA (zone->cma_pages), no reserved pages, so managed = present.
    private static Machine SmallWithCma() => new(new MachineSpec(TestMachines.Small(cma: new PfnRange(CmaStart, CmaEnd))) { DebugChecks = false });

    [Fact]
    public void CmaPageblocksAreOpenExactlyToMovableClasses()
    {
        using Machine m = SmallWithCma();
        MovableOnlyAccess[] rows = MovableOnlyMemory.Access(m);

        // gfp_zone: every class reaches at most ZONE_NORMAL (no ZONE_MOVABLE here), so only the ALLOC_CMA rule
        // (gfp_to_alloc_flags_cma: gfp_migratetype == MIGRATE_MOVABLE) decides: classes with __GFP_MOVABLE may use CMA
        Assert.Equal(
            ["GFP_KERNEL:no", "GFP_ATOMIC:no", "GFP_USER:no", "GFP_HIGHUSER:no", "GFP_USER|__GFP_MOVABLE:CMA", "GFP_HIGHUSER_MOVABLE:CMA", "GFP_TRANSHUGE:CMA"],
            rows.Select(r => r.Gfp + ":" + (r.MovableZone ? "zone" : r.CmaPageblocks ? "CMA" : "no")));
        Assert.Equal("Normal", rows[0].HighestZone);
        Assert.Equal("Movable", rows[5].HighestZone); // 0xa in GFP_ZONE_TABLE, even without a populated ZONE_MOVABLE
    }

    [Fact]
    public void KernelToMovableOnlyRatioCountsCmaPagesAsMovableOnly()
    {
        using Machine m = SmallWithCma();
        // kernel-usable = DMA 4,095 + DMA32 12,288 - 4,096 CMA = 12,287; movable-only = 4,096 CMA pages
        Assert.Equal(12287, MovableOnlyMemory.KernelUsableManagedPages(m));
        Assert.Equal(4096, MovableOnlyMemory.MovableOnlyManagedPages(m));
    }

    [Fact]
    public void ZoneMovableIsReachedOnlyWithMovableAndHighmem()
    {
        // ZONE_DMA32 [4096, 12288) = 8,192 pages, ZONE_MOVABLE [12288, 16384) = 4,096 pages, no CMA
        var spec = new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 12288), MachineSpec.Zone(0, ZoneType.Movable, 12288, 16384)]);
        using var m = new Machine(spec);
        MovableOnlyAccess[] rows = MovableOnlyMemory.Access(m);

        // only __GFP_MOVABLE|__GFP_HIGHMEM (0xa) maps to ZONE_MOVABLE; GFP_USER|__GFP_MOVABLE (0x8) stops at NORMAL:
        // page cache cannot use ZONE_MOVABLE although it may use CMA pageblocks
        Assert.Equal(
            ["GFP_KERNEL:no", "GFP_ATOMIC:no", "GFP_USER:no", "GFP_HIGHUSER:no", "GFP_USER|__GFP_MOVABLE:no", "GFP_HIGHUSER_MOVABLE:zone", "GFP_TRANSHUGE:zone"],
            rows.Select(r => r.Gfp + ":" + (r.MovableZone ? "zone" : r.CmaPageblocks ? "CMA" : "no")));
        Assert.Equal(8192, MovableOnlyMemory.KernelUsableManagedPages(m));
        Assert.Equal(4096, MovableOnlyMemory.MovableOnlyManagedPages(m));
    }

    // Every LRU page sits in the CMA pageblocks: whatever reclaim frees for an unmovable request is wasted, and
    // nothing is wasted when a movable (ALLOC_CMA) request triggers the same reclaim.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReclaimOfCmaPagesIsWastedOnlyForRequestsWithoutAllocCma(bool movableTrigger) => WastedReclaimCase(movableTrigger, background: false);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BackgroundKswapdReclaimIsWastedWhenARequestWithoutAllocCmaWokeIt(bool movableTrigger) => WastedReclaimCase(movableTrigger, background: true);

    // the same machine either way: every reclaimable page is page cache in the CMA pageblocks, so all that kswapd
    // or direct reclaim frees is wasted for an unmovable trigger and none of it for a movable one; the background
    // kswapd is attributed to the request that woke it and runs after the allocation returns
    private static void WastedReclaimCase(bool movableTrigger, bool background)
    {
        using Machine m = SmallWithCma();
        // 1. no reclaim attached yet: __GFP_MEMALLOC ignores watermarks and unmovable requests never take MIGRATE_CMA,
        //    so this takes every non-CMA page
        while (m.Allocate(0, Gfp.Kernel | GfpFlags.Memalloc, use: PageUse.Kernel).Success)
        {
        }

        Assert.Equal(m.Zones.Sum(z => z.NrFreeCmaPages), m.TotalFreePages());
        // 2. page cache fills the CMA pageblocks (the only free memory) down to the min watermark
        var file = new List<ulong>();
        for (AllocResult r; (r = m.Allocate(0, Gfp.HighUserMovable, use: PageUse.File)).Success;)
        {
            file.Add(r.Pfn);
        }

        Assert.NotEmpty(file);
        Assert.All(file, p => Assert.InRange(p, CmaStart, CmaEnd - 1));
        // 3. now reclaim: a request below its watermarks wakes kswapd (balance_pgdat) and may direct-reclaim
        var reclaim = new ReclaimModel(m) { SynchronousKswapd = !background };
        m.Allocate(0, movableTrigger ? Gfp.HighUserMovable : Gfp.Kernel);
        reclaim.RunKswapd(double.PositiveInfinity);
        long stolen = m.Event(VmEvent.PgstealKswapd) + m.Event(VmEvent.PgstealDirect);
        Assert.True(stolen > 0);
        Assert.Equal(movableTrigger ? 0 : stolen, m.Event(VmEvent.PgstealWastedModel));
    }

    [Fact]
    public void TimeSeriesIsBoundedByHalvingItsRate()
    {
        // 600 s sampled every second: calls at t = 0..599. The first 512 are kept; the call at t = 512 finds the
        // buffer full, keeps the 256 even points (0, 2, ..., 510), doubles the stride and records t = 512; then
        // t = 514 ... 598 add 43 more: 256 + 1 + 43 = 300 points, all at even seconds, the last at 598 s.
        Scenario s = ScenarioLoader.Load("""
            name: long
            seed: 1
            machine: {mem: 256M}
            phases:
              - duration: 600s
                actors:
                  - {type: anon, rate: 1M/s, lifetime: 5s}
            """, "long.yaml");
        DesignReport r = SimulationRunner.Run(s, ZoneLab.Designs.DesignKind.MigrateCma, new SimulationOptions { TickSeconds = 1 });
        Assert.Equal(300, r.Samples.Count);
        Assert.Equal(598, r.Samples[^1].TimeSeconds);
        Assert.All(r.Samples, x => Assert.Equal(0, x.TimeSeconds % 2));
        Assert.Equal(0, r.MovableOnlyManagedPages); // no cma= on the command line: no movable-only memory
        Assert.All(r.Samples, x => Assert.Equal(0, x.MovableOnlyFreePages));
    }

    [Fact]
    public void UnusableIndexAtPageblockOrderFollowsTheKernelFormula()
    {
        // a fresh Tiny machine: DMA32 [4096, 8192) = four free order-10 blocks. All free memory is in blocks of at
        // least order 9, so unusable_free_index = (free - suitable << 9) * 1000 / free = (4096 - 8 * 512) * 1000 / 4096 = 0
        using var m = new Machine(new MachineSpec(TestMachines.Tiny()) { DebugChecks = false });
        Assert.Equal(0, MetricsCollector.UnusableIndex(m, kernelOnly: false));
        // one order-0 page taken: the order-10 block splits into 10 + 9 + ... + 0 = free blocks of orders 0..9 and
        // three order-10 blocks; 4,095 free pages of which 3 * 1024 + 512 = 3,584 in order >= 9 blocks:
        // (4095 - 3584) * 1000 / 4095 = 124 (integer division)
        Assert.True(m.Allocate(0, Gfp.Kernel).Success);
        Assert.Equal(124, MetricsCollector.UnusableIndex(m, kernelOnly: false));
        Assert.Equal(124, MetricsCollector.UnusableIndex(m, kernelOnly: true));
    }
}
