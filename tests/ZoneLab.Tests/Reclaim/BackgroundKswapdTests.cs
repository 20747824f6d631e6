using ZoneLab.Allocator;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Reclaim;

/// <summary>kswapd as a background thread with a time budget (ReclaimModel.SynchronousKswapd off).</summary>
public class BackgroundKswapdTests
{
    // 64 MiB DMA + DMA32, no swap, no per-cpu lists; clean page cache fills it until kswapd wakes. The zonelist is
    // DMA32, DMA: DMA32 is filled to its low mark 238 (zone_watermark_fast needs free > low), 12288 - 238 = 12050
    // pages, the oldest on the LRU; then DMA's MOVABLE blocks 1-7 (3584 pages). DMA's block 0 is MIGRATE_UNMOVABLE
    // (memmap_init_range marks only pageblock-aligned present pfns; the zone starts at pfn 1), so the next page falls
    // back (__rmqueue_fallback) to its largest UNMOVABLE page, o8 at 256 (can_steal_fallback: 8 >= 4): DMA's free 511
    // is still above low + protection (78 + 48). steal_suitable_fallback boosts DMA's watermark by
    // max(pageblock_nr_pages, 93 * 15000 / 10000) = 512 (boost_watermark; 4095 managed >= 4 pageblocks) and
    // rmqueue wakes kswapd for ZONE_DMA (ZONE_BOOSTED_WATERMARK): 15635 pages, DMA free 510 below its boosted high
    // 93 + 512. move_freepages_block starts at the page (pfn 0 is outside the zone) and moves 256 free pages, half
    // the block: block 0 becomes MOVABLE.
    private static (Machine M, ReclaimModel R) FillUntilKswapdWakes()
    {
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones));
        var r = new ReclaimModel(m) { SynchronousKswapd = false };
        while (!r.KswapdRunning(0))
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, use: PageUse.File).Success);
        }

        return (m, r);
    }

    [Fact]
    public void WakeupsWhileKswapdRunsAreNotWakeups()
    {
        // wakeup_kswapd returns before trace_mm_vmscan_wakeup_kswapd when !waitqueue_active (kswapd is running):
        // the first low-watermark miss wakes it (1), the next 1000 allocations below low only raise its order/zone.
        (Machine m, ReclaimModel r) = FillUntilKswapdWakes();
        Assert.Equal(1, m.Event(VmEvent.KswapdWakeups));
        for (int k = 0; k < 1000; k++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, use: PageUse.File).Success);
        }

        Assert.True(r.KswapdRunning(0));
        Assert.Equal(1, m.Event(VmEvent.KswapdWakeups));
        Assert.Equal(1, m.Event(VmEvent.Pageoutrun));
    }

    [Fact]
    public void KswapdReclaimsOnlyWhatItsBudgetPays()
    {
        (Machine m, ReclaimModel r) = FillUntilKswapdWakes();
        Assert.Equal(0, m.Event(VmEvent.PgstealKswapd));
        Assert.Equal(1, m.Event(VmEvent.Pageoutrun));
        Assert.False(r.PgdatBalanced(0, 0, 3));

        Assert.Equal(512UL, m.Zones[0].Watermarks.Boost);
        Assert.Equal(MigrateType.Movable, m.PageblockType(1));
        Assert.Equal(12050, m.Zones[1].LruPages[(int)LruList.InactiveFile]);
        Assert.Equal(3585, m.Zones[0].LruPages[(int)LruList.InactiveFile]);

        // balance_pgdat(order 0, highest_zoneidx ZONE_DMA) with nr_boost_reclaim 512: reclaim_idx is DMA, and the
        // published model's boosted run is one round at priority 12 without swap or writeback (BoostedReclaimLoop
        // off). nr_to_scan = max(15635 >> 12, SWAP_CLUSTER_MAX) = 32 file pages; isolate_lru_folios walks from the
        // tail and skips the 12050 older DMA32 pages (zone above reclaim_idx, pgskip), each costing ScanNs = 100 ns.
        // A 33 µs slice walks 330 of them (the budget is checked before each page): nothing reclaimed yet.
        r.RunKswapd(33_000);
        Assert.Equal(0, m.Event(VmEvent.PgstealKswapd));
        Assert.Equal(330, r.ZoneStats.Skipped[1]);
        Assert.Equal(33_000, r.KswapdNs);
        Assert.True(r.KswapdRunning(0));

        // The round resumes at the same priority: the skipped pages were spliced back to the head, so the other
        // 11720 DMA32 pages come first (1.172 ms), then DMA's clean pages at ScanNs + DropCleanNs = 1100 ns each:
        // 33 µs more reclaims exactly 30 of the round's 32, far from DMA's boosted high (510 + 30 < 605).
        r.RunKswapd((11_720 * 100) + 33_000);
        Assert.Equal(30, m.Event(VmEvent.PgstealKswapd));
        Assert.Equal(12050, r.ZoneStats.Skipped[1]);
        Assert.True(r.KswapdRunning(0));

        // An unbounded slice finishes the run: the boosted run ends after its round, takes DMA's boost off
        // (balance_pgdat's zone_boosts), and DMA (over 540 free, high 93) is balanced, so kswapd_try_to_sleep sleeps;
        // no failure is recorded, and DMA also passes high + protection (93 + 48) for the whole node.
        r.RunKswapd(double.PositiveInfinity);
        Assert.False(r.KswapdRunning(0));
        Assert.True(r.PgdatBalanced(0, 0, 3));
        Assert.Equal(0, m.KswapdFailures(0));
        Assert.Equal(1, m.Event(VmEvent.Pageoutrun));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void AtomicBurstOutrunsABackgroundKswapdButNotASynchronousOne()
    {
        // GFP_ATOMIC (6.1: ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, no direct reclaim) may go down to
        // min - min/2 - (min - min/2)/4 of DMA32 (plus DMA's own reserve below it). While kswapd has had no time,
        // a burst larger than the free memory above that floor fails; a synchronous kswapd restores high at the
        // first wakeup and the same burst succeeds.
        (Machine m, ReclaimModel r) = FillUntilKswapdWakes();
        int failed = 0;
        for (int k = 0; k < 8192; k++)
        {
            failed += m.Allocate(0, Gfp.Atomic).Success ? 0 : 1;
        }

        Assert.True(failed > 0);
        Zone z = m.Zones[1];
        long min = (long)z.Watermarks.Min;
        long floor = min - (min / 2) - ((min - (min / 2)) / 4);
        Assert.True(z.NrFreePages <= floor + 1);
        Assert.Equal(0, m.Event(VmEvent.PgstealKswapd));

        var sm = new Machine(new MachineSpec(TestMachines.Small().Zones));
        _ = new ReclaimModel(sm);
        for (int k = 0; k < 32768 && sm.Event(VmEvent.PgstealKswapd) == 0; k++)
        {
            Assert.True(sm.Allocate(0, Gfp.HighUserMovable, use: PageUse.File).Success);
        }

        for (int k = 0; k < 8192; k++)
        {
            Assert.True(sm.Allocate(0, Gfp.Atomic).Success);
        }
    }
}
