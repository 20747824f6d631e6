using ZoneLab.Allocator;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Reclaim;

/// <summary>kswapd as a background thread with a time budget (ReclaimModel.SynchronousKswapd off).</summary>
public class BackgroundKswapdTests
{
    // 64 MiB DMA + DMA32, no swap; clean page cache fills it until the fast path misses the low watermark and
    // wakeup_kswapd starts a balance_pgdat run (the allocation itself then succeeds at the min watermark).
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

        // Every page is on the inactive file list (no aging) and clean: each costs ScanNs + DropCleanNs = 1100 ns.
        // A 33 µs slice reclaims exactly 30 pages (the budget is checked before each page) inside the 32-page round
        // of priority 12, and 30 pages do not lift a zone from below low to high: the oldest pages are DMA32's,
        // whose low-high gap is 47 pages (marks 191/238/285, BuddyAllocatorTests.SmallMachineWatermarksByHand), so
        // kswapd keeps running.
        r.RunKswapd(33_000);
        Assert.Equal(30, m.Event(VmEvent.PgstealKswapd));
        Assert.Equal(33_000, r.KswapdNs);
        Assert.True(r.KswapdRunning(0));
        Assert.True(m.Zones[1].Watermarks.High - m.Zones[1].Watermarks.Low > 30);

        // An unbounded slice finishes the run: pgdat_balanced, the thread sleeps, no failure is recorded.
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
