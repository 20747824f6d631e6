using ZoneLab.Allocator;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// kswapd()'s reading of pgdat->kswapd_order after balance_pgdat, and a direct reclaimer's scan batches
/// (6.1 mm/vmscan.c: kswapd, kswapd_try_to_sleep, get_scan_count, shrink_lruvec, do_try_to_free_pages).
/// </summary>
public class KswapdOrderAndDirectBatchTests
{
    [Fact]
    public void AFailedHighOrderRunIsNotRepeatedWithoutANewWakeup()
    {
        // The 64 MiB machine filled with unreclaimable anonymous pages (no swap), then every other page freed: about
        // half the memory is free, far above the high watermarks, but only at order 0. A wakeup at order 9 finds the
        // node unbalanced at order 9 (pgdat_balanced), so kswapd runs balance_pgdat(order 9): nothing can be
        // reclaimed, the run ends with sc.order still 9 = alloc_order. kswapd() then goes back to the top of its loop
        // and reads alloc_order = reclaim_order = pgdat->kswapd_order, which it reset to 0 when it woke and which no
        // wakeup raised since: kswapd_try_to_sleep(0, 0) finds the node balanced at order 0 and kswapd sleeps. One
        // balance_pgdat run (pageoutrun 1, kswapd_high_wmark_hit_quickly 0), one kswapd failure. Repeating the run at
        // order 9 until the node is hopeless would give MAX_RECLAIM_RETRIES (16) runs.
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones));
        var pfns = new List<ulong>();
        for (AllocResult a; (a = m.Allocate(0, Gfp.HighUserMovable, use: PageUse.Anon)).Success;)
        {
            pfns.Add(a.Pfn);
        }

        for (int k = 0; k < pfns.Count; k += 2)
        {
            m.Free(pfns[k], 0);
        }

        var r = new ReclaimModel(m) { SynchronousKswapd = false };
        Assert.True(r.PgdatBalanced(0, 0, 3));
        Assert.False(r.PgdatBalanced(0, Pageblock.Order, 3));

        r.WakeKswapd(m, 0, Pageblock.Order, 3);
        Assert.True(r.KswapdRunning(0));
        r.RunKswapd(1e9);

        Assert.False(r.KswapdRunning(0));
        Assert.Equal(1, m.Event(VmEvent.KswapdWakeups));
        Assert.Equal(1, m.Event(VmEvent.Pageoutrun));
        Assert.Equal(0, m.Event(VmEvent.KswapdHighWmarkHitQuickly));
        Assert.Equal(0, m.Event(VmEvent.PgstealKswapd));
        Assert.Equal(1, m.KswapdFailures(0));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void ADirectReclaimerScansLruSizeShiftedByPriorityInWholeBatches()
    {
        // 8192 clean page-cache pages on the inactive file list (nothing active, no swap). try_to_free_pages asks for
        // SWAP_CLUSTER_MAX = 32 pages; each priority's shrink_lruvec scans nr = inactive size >> priority (get_scan_count,
        // no floor), reclaiming every clean page it isolates, in batches of up to 32 that shrink_folio_list finishes:
        //   priority 12: 8192 >> 12 = 2 (DEF_PRIORITY: proportional, no early stop)   total  2
        //   priority 11: 8190 >> 11 = 3                                                total  5
        //   priority 10: 8187 >> 10 = 7                                                total 12
        //   priority  9: 8180 >>  9 = 15                                               total 27
        //   priority  8: 8165 >>  8 = 31, one batch of 31 reclaimed whole              total 58 >= 32: stop
        // 58 pages scanned and stolen (a reclaimer stopping at exactly 32 would give 32).
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones));
        for (int k = 0; k < 8192; k++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, use: PageUse.File).Success);
        }

        var r = new ReclaimModel(m);
        Assert.Equal(8192, m.LruPages(0, LruList.InactiveFile));
        Assert.Equal(0, m.LruPages(0, LruList.ActiveFile));

        long got = r.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, 3);

        Assert.Equal(58, got);
        Assert.Equal(58, m.Event(VmEvent.PgstealDirect));
        Assert.Equal(58, m.Event(VmEvent.PgscanDirect));
        Assert.Equal(8192 - 58, m.LruPages(0, LruList.InactiveFile));
        InvariantChecker.Check(m);
    }
}
