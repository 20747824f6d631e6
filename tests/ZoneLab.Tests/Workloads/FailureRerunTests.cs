using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Workloads.DeviceState;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// <see cref="FailureRerun.RunOne"/> at the edge of the reserves, from the real x86_64 snapshot: a request that cannot
/// block only wakes kswapd (it does not wait for it, and never reclaims itself), and GFP_ATOMIC's reserve rights let
/// it allocate below the min watermark where GFP_NOWAIT fails.
/// </summary>
public sealed class FailureRerunTests
{
    // the real snapshot booted on mainline MIGRATE_CMA, then drained with order-0 requests that neither reclaim nor
    // wake kswapd (mask 0): they stop at each zone's min watermark (__zone_watermark_ok: free - 1 must stay above
    // min + lowmem_reserve)
    private static DesignMachine Drained()
    {
        DeviceSnapshot s = DeviceSnapshot.Load(FixturePath.Get("snapshot", "x86_64-6.1-512M", "s1"));
        DesignMachine dm = DeviceStateBoot.Boot(s, DesignKind.MigrateCma, KernelVersion.V6_1, out _);
        int guard = 0;
        while (dm.Machine.Allocate(0, GfpFlags.None).Success)
        {
            Assert.True(++guard < 1_000_000);
        }

        Zone dma32 = dm.Machine.Zones.First(z => z.Name == "DMA32");
        Assert.True(dma32.NrFreePages <= (long)dma32.Watermarks.Min + 1, $"drained to {dma32.NrFreePages}, min {dma32.Watermarks.Min}");
        return dm;
    }

    [Fact]
    public void BelowMin_Nowait_FailsWithoutReclaim_ThenKswapdReclaimsOnlySlab()
    {
        using DesignMachine dm = Drained();
        // GFP_NOWAIT (__GFP_KSWAPD_RECLAIM only): same min watermark, no reserve rights → fails; it wakes kswapd
        // (wakeup_kswapd in the slow path) but kswapd is a thread the request does not wait for: nothing reclaimed
        RerunOutcome nowait = FailureRerun.RunOne(dm, "migrate-cma", 0, Gfp.NoWait);
        Assert.False(nowait.Succeeded);
        Assert.Equal("Watermark", nowait.Failure);
        Assert.Equal(0, nowait.Reclaimed);
        Assert.True(nowait.KswapdWakeups >= 1);
        // what kswapd then frees: nothing. The snapshot has no page cache (Active/Inactive(file) 0 kB) and no swap
        // (SwapTotal 0 kB, so its 190060 kB of Shmem stay), only SReclaimable 15980 kB = 3995 pages of slab. The drain
        // stopped DMA32 at min + boost (the unmovable fallbacks boosted it by 1486 pages), far above its unboosted
        // high watermark (991; the snapshot's own zoneinfo has min 654 on this 512 MiB machine, where hugepage_init
        // keeps khugepaged from raising min_free_kbytes). So kswapd runs only for the boost: balance_pgdat's boosted
        // round at DEF_PRIORITY gets nothing from shrink_slab (delta = (freeable >> 12) * 4 / DEFAULT_SEEKS objects, below
        // a batch), "boosting and no progress" ends the run, the boost is cleared, pgdat_balanced holds and
        // kswapd_try_to_sleep lets it sleep.
        Assert.Equal(0, nowait.KswapdReclaimedAfter);
    }

    [Fact]
    public void BelowMin_Atomic_UsesTheReserve_WithoutReclaim()
    {
        using DesignMachine dm = Drained();
        // GFP_ATOMIC: ALLOC_HIGH halves min, ALLOC_HARDER takes a further quarter (6.1 __zone_watermark_ok):
        // min - min/2 - min/4 = 5613 - 2806 - 1403 = 1404 < free ≈ 5613 → succeeds from DMA32, without reclaim
        RerunOutcome atomic = FailureRerun.RunOne(dm, "migrate-cma", 0, Gfp.Atomic);
        Assert.True(atomic.Succeeded);
        Assert.Equal("Node 0 DMA32", atomic.Zone);
        Assert.Equal(0, atomic.Reclaimed);
        Assert.Equal(0, atomic.CompactStalls);
        Assert.Equal("below_min", atomic.Zones.First(z => z.Zone == "DMA32").WatermarkState);
        Assert.Equal(atomic.KernelUsableBefore - 1, atomic.KernelUsableAfter);
    }

    [Fact]
    public void Order8Kernel_FallsBackToAMovableOrder10Block_AndClaimsIt()
    {
        // x86_64-6.1-512M/s1 pagetypeinfo DMA32: Unmovable … 1 1 1 1 0 0 0 and Reclaimable … 0 1 0 0 0 0 are empty at
        // orders 8-10; Movable has 43 order-10 blocks. GFP_KERNEL order 8: watermark fine (51317 free, an order>=8
        // block on a PCPTYPES list); __rmqueue_smallest(UNMOVABLE) finds nothing, __rmqueue_fallback searches from
        // the largest order down (6.1) and takes an order-10 MOVABLE block; order >= pageblock_order, so the whole
        // pageblock changes owner (steal_suitable_fallback) and the page sits in an UNMOVABLE pageblock. No zone
        // NORMAL, so no ALLOC_NOFRAGMENT (alloc_flags_nofragment returns early for other zones).
        DeviceSnapshot s = DeviceSnapshot.Load(FixturePath.Get("snapshot", "x86_64-6.1-512M", "s1"));
        using DesignMachine dm = DeviceStateBoot.Boot(s, DesignKind.MigrateCma, KernelVersion.V6_1, out _);
        RerunOutcome o = FailureRerun.RunOne(dm, "migrate-cma", 8, Gfp.Kernel);
        Assert.True(o.Succeeded);
        Assert.Equal("Node 0 DMA32", o.Zone);
        Assert.Equal("Unmovable", o.Migratetype);
        Assert.Equal("Movable (pageblock claimed)", o.Fallback);
        Assert.Equal(0, o.Reclaimed);
        Assert.Equal(0, o.CompactStalls);
        RerunZone dma32 = o.Zones.First(z => z.Zone == "DMA32");
        Assert.Equal(51317, dma32.FreeBefore);
        Assert.Equal(51317 - 256, dma32.FreeAfter);
    }
}
