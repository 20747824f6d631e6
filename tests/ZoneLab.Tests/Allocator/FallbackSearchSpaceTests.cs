using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// Seed question D26 (Berger: a sticky MIGRATE_MOVABLE "adds a new free_list ... search space"): the free lists
/// __rmqueue_fallback looks at. find_suitable_fallback probes one list per fallbacks[start] entry (two in 6.1:
/// UNMOVABLE → RECLAIMABLE, MOVABLE) at each order from MAX_ORDER − 1 (10) down whose free_area is not empty.
/// </summary>
public class FallbackSearchSpaceTests
{
    [Fact]
    public void FirstUnmovableRequestOnAFreshZoneProbesTwoLists()
    {
        // a fresh zone [4096, 12288): every pageblock MOVABLE, the memory in order-10 blocks. The first GFP_KERNEL
        // page: __rmqueue_smallest(UNMOVABLE) finds nothing; __rmqueue_fallback at order 10 probes RECLAIMABLE (empty),
        // then MOVABLE (not empty): 2 probes; the whole block is claimed and every later page of the pcp batch comes
        // from __rmqueue_smallest, so 2 in all
        using var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 12288)]) { DebugChecks = true });
        Assert.Equal(0, m.FallbackListProbes);
        Assert.True(m.Allocate(0, Gfp.Kernel, 0, PageUse.Kernel).Success);
        Assert.Equal(2, m.FallbackListProbes);
        // a movable page afterwards is served from its own lists: no fallback search
        Assert.True(m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon).Success);
        Assert.Equal(2, m.FallbackListProbes);
    }
}
