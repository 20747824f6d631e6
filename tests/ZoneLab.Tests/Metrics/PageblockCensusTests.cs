using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Metrics;

namespace ZoneLab.Tests.Metrics;

public class PageblockCensusTests
{
    [Fact]
    public void OneUnmovableBlockAmongMovableOnes()
    {
        // DMA32 [4096, 8192): 8 pageblocks of 512 pages, all MIGRATE_MOVABLE at boot. Fill it with anon, then free
        // every page of pageblock 1 ([4608, 5120)): they merge into one order-9 buddy. Three GFP_KERNEL order-0
        // allocations find no UNMOVABLE free page, so __rmqueue_fallback takes the largest movable block (that
        // order-9 one), claims the pageblock for UNMOVABLE (steal_suitable_fallback: all of it is free) and
        // serves all three from it. Census: 8 pageblocks, 1 Unmovable + 7 Movable, 1 polluted, 3 unmovable pages.
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 8192)]) { DebugChecks = true, PerCpuLists = false });
        var anon = new List<ulong>();
        AllocResult r;
        while ((r = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon)).Success)
        {
            anon.Add(r.Pfn);
        }

        PageblockCensus before = PageblockCensus.Take(m, "fill");
        Assert.Equal((8L, 0L, 0L), (before.Pageblocks, before.Polluted, before.UnmovablePages));

        foreach (ulong pfn in anon)
        {
            if (pfn >= 4608 && pfn < 5120)
            {
                m.Free(pfn, 0);
            }
        }

        var kernel = new List<ulong>();
        for (int i = 0; i < 3; i++)
        {
            r = m.Allocate(0, Gfp.Kernel, 0, PageUse.Kernel);
            Assert.True(r.Success);
            kernel.Add(r.Pfn);
        }

        Assert.All(kernel, p => Assert.InRange(p, 4608UL, 5119UL));
        PageblockCensus c = PageblockCensus.Take(m, "after");
        ZoneCensus z = Assert.Single(c.Zones);
        Assert.Equal(("DMA32", 8L, 1L, 3L), (z.Zone, z.Pageblocks, z.Polluted, z.UnmovablePages));
        Assert.Equal(new Dictionary<string, long> { ["Movable"] = 7, ["Unmovable"] = 1 }, z.ByMigratetype);
        Assert.Equal(1.0 / 8, c.PollutedFraction);
        Assert.Equal(3.0 / (double)m.Zones[(int)ZoneType.Dma32].ManagedPages, c.UnmovableFraction);
    }
}
