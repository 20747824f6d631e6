using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// 6.1 mm/vmscan.c balance_pgdat's boosted run (nr_boost_reclaim, <see cref="ReclaimModel.BoostedReclaimLoop"/>) and
/// get_scan_count's lruvec_lru_size(lruvec, lru, sc->reclaim_idx), derived by hand from the kernel source.
/// </summary>
public class BoostedBalancePgdatTests
{
    // one zone, DMA32 [4096, 4096 + 262144): 1 GiB; `file` clean page-cache pages on the inactive file list
    private static Machine WithFile(int file)
    {
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 4096 + 262144)]) { DebugChecks = false });
        for (int k = 0; k < file; k++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.File).Success);
        }

        return m;
    }

    [Fact]
    public void ABalancedBoostedRunReclaimsTheBoostAtDefPriorityMinusTwo()
    {
        // 196608 clean file pages (inactive), 65536 pages free: far above high + boost, so balance_pgdat keeps
        // nr_boost_reclaim = zone_boosts[DMA32] = 512 and reclaims without swap or writeback (SCAN_FILE). Each round
        // scans nr[inactive_file] = (the list's size now) >> priority (get_scan_count) and frees every page (clean,
        // unreferenced: FOLIOREF_RECLAIM_CLEAN). kswapd_shrink_node's nr_to_reclaim is high + boost, more than a
        // round scans, so raise_priority stays true, except at DEF_PRIORITY - 2 while boosting ("Limit the priority
        // of boosting to avoid reclaim writeback"):
        //   priority 12: 196608 >> 12 = 48 (boost left 464)   11: 196560 >> 11 = 95 (369)
        //            10: 196465 >> 10 = 191 (178)             10: 196274 >> 10 = 191 (0)
        // nr_boost_reclaim is 0 and the node is balanced: "goto out". 48 + 95 + 191 + 191 = 525 reclaimed; the zone
        // loses the 512 it began with. (The published model's boosted run ends after its first round: 48.)
        Machine m = WithFile(196608);
        Zone z = m.Zones[(int)ZoneType.Dma32];
        z.Watermarks.Boost = 512;
        var r = new ReclaimModel(m) { BoostedReclaimLoop = true };
        Assert.True(r.PgdatBalanced(0, 0, (int)ZoneType.Dma32));
        Assert.Equal(525, r.BalancePgdat(0, 0, (int)ZoneType.Dma32));
        Assert.Equal(525, m.Event(VmEvent.PgstealKswapd));
        Assert.Equal(525, m.Event(VmEvent.PgscanKswapd));
        Assert.Equal(0ul, z.Watermarks.Boost);
    }

    [Fact]
    public void AnUnbalancedBoostedRunRestartsAndReclaimsToTheBoostedHighWatermark()
    {
        // The zone is not balanced at high + boost: balance_pgdat sets nr_boost_reclaim = 0 and restarts at
        // DEF_PRIORITY ("ignore boosting and preserve the watermarks for a later time"), an ordinary run to the high
        // watermark with the boost still in it, ending once the zone's free pages reach high + boost.
        Machine m = WithFile(196608);
        Zone z = m.Zones[(int)ZoneType.Dma32];
        long free = z.NrFreePages;
        ulong boost = (ulong)free - z.Watermarks.RawMark(WatermarkIndex.High) + 1000;
        z.Watermarks.Boost = boost;
        var r = new ReclaimModel(m) { BoostedReclaimLoop = true };
        Assert.False(r.PgdatBalanced(0, 0, (int)ZoneType.Dma32));
        long got = r.BalancePgdat(0, 0, (int)ZoneType.Dma32);
        // zone_watermark_ok needs free > high + boost = free + 1000, so 1001 pages. Rounds of the list's size >> priority
        // (nr_scanned < nr_to_reclaim raises the priority each time): 12: 196608 >> 12 = 48, 11: 196560 >> 11 = 95,
        // 10: 196465 >> 10 = 191, 9: 196274 >> 9 = 383, 8: 195891 >> 8 = 765; 1482 >= 1001 after five rounds
        Assert.Equal(48 + 95 + 191 + 383 + 765, got);
        Assert.True(z.NrFreePages >= (long)z.Watermarks.High);
        Assert.Equal(0ul, z.Watermarks.Boost);
    }

    [Fact]
    public void KswapdSizesTheAnonScanByTheEligibleZonesOnly()
    {
        // DMA [0, 4096) full of kernel pages, 4096 anonymous pages in DMA32, swap. balance_pgdat for highest_zoneidx
        // DMA: get_scan_count's lruvec_size = lruvec_lru_size(lruvec, LRU_INACTIVE_ANON, reclaim_idx = DMA) = 0, so
        // nr[] is 0 at every priority (no SWAP_CLUSTER_MAX floor: the root memcg is online) and shrink_lruvec
        // isolates nothing: pgscan_kswapd stays 0. Sized by the node's whole list (4096 >> 12 = 1), isolate_lru_folios
        // would walk the list for one DMA folio and count every DMA32 folio it skips in pgscan_kswapd.
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma, 0, 4096), MachineSpec.Zone(0, ZoneType.Dma32, 4096, 4096 + 16384)]) { SwapPages = 100_000, DebugChecks = false });
        while (m.Allocate(0, Gfp.Kernel | Gfp.Dma, 0, PageUse.Kernel).Success)
        {
        }

        for (int k = 0; k < 4096; k++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon).Success);
        }

        Assert.Equal(0, m.Zones[(int)ZoneType.Dma].LruPages[(int)LruList.InactiveAnon]);
        var r = new ReclaimModel(m);
        Assert.False(r.PgdatBalanced(0, 0, (int)ZoneType.Dma));
        Assert.Equal(0, r.BalancePgdat(0, 0, (int)ZoneType.Dma));
        Assert.Equal(0, m.Event(VmEvent.PgscanKswapd));
        Assert.Equal(0, m.Event(VmEvent.PgscanAnon));
        Assert.Equal(0, m.Event(VmEvent.Pswpout));
    }
}
