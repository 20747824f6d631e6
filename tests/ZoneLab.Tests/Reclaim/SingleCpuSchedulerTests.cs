using ZoneLab.Allocator;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Reclaim;

/// <summary>kswapd and the allocating task on one CPU under the fair scheduler's rules (SingleCpuScheduler).</summary>
public class SingleCpuSchedulerTests
{
    [Fact]
    public void AFirstWakeupPreemptsTheTaskAndKswapdBalancesWithinItsSlice()
    {
        // 64 MiB DMA + DMA32, no swap, clean page cache at 1 µs of task time per page. The first low-watermark miss
        // comes after ~15000 pages, i.e. ~15 ms of task time: place_entity puts the woken kswapd at the task's
        // vruntime − sched_latency/2 = 3 ms behind, more than the 1 ms wakeup granularity, so it preempts at the
        // next preemption point (check_preempt_wakeup). Its slice lasts until the first 4 ms tick after 3 ms. The
        // wake is DMA's boosted one (BackgroundKswapdTests.FillUntilKswapdWakes: DMA block 0's UNMOVABLE pages taken
        // by a movable fallback, after 15635 pages): one round for ZONE_DMA that skips the 12050 older DMA32 pages
        // (100 ns each) and reclaims 32 DMA pages at 1.1 µs each (ScanNs + DropCleanNs), 1.24 ms: well under 3 ms, so
        // it finishes, takes the boost off, finds DMA balanced (542 free, high 93) and sleeps.
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones));
        var r = new ReclaimModel(m);
        var cpu = new SingleCpuScheduler(r);
        Assert.False(r.SynchronousKswapd);
        int pages = 0;
        while (m.Event(VmEvent.KswapdWakeups) == 0)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, use: PageUse.File).Success);
            pages++;
            Assert.True(r.KswapdRunning(0) || m.Event(VmEvent.KswapdWakeups) == 0);
            cpu.TaskRan(1_000);
        }

        Assert.True(pages * 1_000.0 > SingleCpuScheduler.SchedLatencyNs);
        Assert.Equal(1, cpu.WakeupPreemptions);
        Assert.Equal(1, cpu.KswapdSlices);
        Assert.False(r.KswapdRunning(0));
        Assert.True(r.PgdatBalanced(0, 0, 3));
        Assert.InRange(r.KswapdNs, 47 * 1_100.0, SingleCpuScheduler.IdealRuntimeNs);
        Assert.Equal(0, m.Event(VmEvent.PgstealDirect));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void AKswapdThatUsedItsShareWaitsForTheTickAndTheTaskReclaimsDirectly()
    {
        // 64 MiB with swap, anonymous memory at 1 µs per page, and a slow swap device: 1 ms per page swapped out
        // (plus ScanNs 100 ns). The pages' young PTEs are cleared as an earlier scan would have (folio_referenced), so
        // the first scan writes them (folio_check_references: FOLIOREF_RECLAIM) and the next batch frees them.
        // DMA's block 0 is MIGRATE_UNMOVABLE at boot (memmap_init_range; the zone starts at pfn 1), so before DMA
        // reaches its low mark three movable fallbacks into its UNMOVABLE pages each boost DMA's watermark by 512
        // (boost_watermark) and wake kswapd for ZONE_DMA: at DMA free 510 (o8 at 256 stolen, after DMA32's 12050 and
        // DMA's 3584 MOVABLE pages), 254 (o7 at 128, after the 255 pages moved with the o8) and 126 (o6 at 64, after
        // 127 more; the request passed 127 > low 78 + protection 48). Each boosted run is the published model's one
        // round without swap or writeback (BoostedReclaimLoop off): no file pages, so nothing is scanned, it costs no
        // time, takes the boost off and sleeps (DMA balanced at high 93). Each wake preempts at once: kswapd's
        // vruntime stays where place_entity put it, 3 ms behind the task. The next request finds DMA at 126, below
        // low + protection, and wakes kswapd from the slow path (highest_zoneidx DMA32, no boost) after the same
        // 16019 pages as without the boosts: its slice (the 4th) lasts to the first 4 ms tick after 3 ms, so it
        // writes at most 7 pages and frees at most those: far from lifting DMA32 from below low (238) to high (285),
        // it is still running when the slice ends. It has then run 3-7 ms since it was placed 3 ms behind the task:
        // its vruntime is level with or ahead of the task's, so the task keeps the CPU until the first tick after it
        // ran its own 3 ms slice (check_preempt_tick), more than the 191-page min watermark's worth of allocations at
        // 1 µs: the task enters direct reclaim in between, and kswapd's next slice comes only after >= 3 ms of task
        // time.
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones) { SwapPages = 1 << 20 });
        var r = new ReclaimModel(m, new ReclaimCostModel { SwapOutNs = 1_000_000 });
        var cpu = new SingleCpuScheduler(r);
        while (cpu.KswapdSlices < 3)
        {
            AllocateScannedAnon(m);
            cpu.TaskRan(1_000);
        }

        Assert.Equal(3, cpu.WakeupPreemptions);
        Assert.False(r.KswapdRunning(0));
        Assert.Equal(0UL, m.Zones[0].Watermarks.Boost);
        Assert.Equal(126, m.Zones[0].NrFreePages);
        Assert.Equal(0, r.KswapdNs);
        while (cpu.KswapdSlices == 3)
        {
            AllocateScannedAnon(m);
            cpu.TaskRan(1_000);
        }

        Assert.Equal(4, cpu.WakeupPreemptions);
        Assert.True(r.KswapdRunning(0));
        Assert.InRange(m.Event(VmEvent.PgstealKswapd), 1, 7);
        long directBefore = m.Event(VmEvent.PgstealDirect);
        double directNs = r.DirectReclaimNs;
        int pages = 0;
        while (cpu.KswapdSlices == 4)
        {
            AllocateScannedAnon(m);
            cpu.TaskRan(1_000);
            pages++;
        }

        Assert.Equal(4, cpu.WakeupPreemptions);
        Assert.True(m.Event(VmEvent.PgstealDirect) > directBefore);
        Assert.True((pages * 1_000.0) + (r.DirectReclaimNs - directNs) >= SingleCpuScheduler.IdealRuntimeNs);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void ADirectReclaimerAfterAnExhaustedKswapdSliceStillSwaps()
    {
        // anonymous memory only, swap free: shrink_node's anon lists are scanned by every reclaimer. The pages' young
        // PTEs are cleared as an earlier scan would have, so folio_check_references says FOLIOREF_RECLAIM: the first
        // scan writes a page (pageout), the write completes after its batch and moves it to the tail
        // (folio_rotate_reclaimable), the next batch frees it. A kswapd slice of 10 µs ends inside its first batch
        // (3 pages at DEF_PRIORITY, L >> 12): the first page costs ScanNs x 3 + SwapOutNs = 50.3 µs, and
        // shrink_folio_list's cond_resched before the second ends the slice. The direct reclaim that follows has no
        // budget and must reach the anon lists. With L anonymous pages, 15897 <= L < 16384, each priority scans
        // lru_size >> priority in batches; the written pages come first:
        // 12: L >> 12 = 3: 1 freed, 2 written;  11: (L - 1) >> 11 = 7: 2 freed, 5 written;  10: (L - 3) >> 10 = 15:
        // 5 freed, 10 written;  9: (L - 8) >> 9 = 31: 10 freed, 21 written;  8: (L - 18) >> 8 >= 62, first batch of
        // 32: 21 freed, 11 written: 39 freed >= 32, stop. Swapped out: 1 + 2 + 5 + 10 + 21 + 11 = 50.
        // First, DMA's three boosted wakes (AKswapdThatUsedItsShareWaitsForTheTickAndTheTaskReclaimsDirectly): each
        // run reclaims nothing (no file pages, no swap while boosting), costs nothing and sleeps; the fourth wake is
        // the low-watermark one, after the same 16019 pages (L = 16020 with the request that woke it).
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones) { SwapPages = 1 << 20 });
        var r = new ReclaimModel(m) { SynchronousKswapd = false };
        for (int wake = 1; wake <= 4; wake++)
        {
            while (!r.KswapdRunning(0))
            {
                AllocateScannedAnon(m);
            }

            Assert.Equal(wake < 4 ? 512UL : 0UL, m.Zones[0].Watermarks.Boost);
            if (wake < 4)
            {
                r.RunKswapd(10_000);
                Assert.False(r.KswapdRunning(0));
            }
        }

        Assert.Equal(0, r.KswapdNs);
        r.RunKswapd(10_000);
        Assert.Equal(0, m.Event(VmEvent.PgstealKswapd));
        Assert.Equal(1, m.Event(VmEvent.Pswpout));
        Assert.Equal(1, m.Event(VmEvent.Pgrotated));
        Assert.Equal(0, m.LruPages(0, LruList.ActiveAnon));
        Assert.InRange(m.LruPages(0, LruList.InactiveAnon), 15897, 16383);
        long got = r.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, 3);
        Assert.Equal(39, got);
        Assert.Equal(39, m.Event(VmEvent.PgstealDirect));
        Assert.Equal(50, m.Event(VmEvent.Pswpout));
        InvariantChecker.Check(m);
    }

    // an anonymous page whose young PTE an earlier reclaim scan cleared (folio_referenced), PG_referenced clear
    private static void AllocateScannedAnon(Machine m)
    {
        AllocResult a = m.Allocate(0, Gfp.HighUserMovable, use: PageUse.Anon);
        Assert.True(a.Success);
        m.SetReferences(a.Pfn, young: false, referenced: false);
    }
}
