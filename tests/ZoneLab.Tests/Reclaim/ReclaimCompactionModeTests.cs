using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Reclaim;

// Direct reclaim for a costly high-order request in reclaim/compaction mode (6.1 mm/vmscan.c: in_reclaim_compaction,
// should_continue_reclaim, compaction_ready in shrink_zones). Expectations derived by hand from those functions.
public class ReclaimCompactionModeTests
{
    private const int Order = 9;

    // DMA32 [4096, 16384): 12288 pfns allocated in ascending order, the even ones clean page cache (6144 pages on the
    // inactive file list, the oldest at the lowest pfn), the odd ones kernel pages, so a reclaimed page never merges
    // with a neighbour and every free page stays order 0 (no free order-9 block, compaction_suitable never says
    // COMPACT_SUCCESS). No swap. Watermarks min 128, low 256, high 384.
    private static (Machine M, ReclaimModel R) Interleaved()
    {
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 16384)]));
        var pages = new List<ulong>();
        AllocResult r;
        while ((r = m.Allocate(0, Gfp.HighUserMovable | GfpFlags.Memalloc, use: pages.Count % 2 == 0 ? PageUse.File : PageUse.Kernel)).Success)
        {
            pages.Add(r.Pfn);
        }

        Assert.Equal(12288, pages.Count);
        Assert.Equal(Enumerable.Range(4096, 12288).Select(p => (ulong)p), pages);
        Assert.Equal(6144, m.LruPages(0, LruList.InactiveFile));
        Zone z = m.Zones[1];
        Assert.Equal(0, z.NrFreePages);
        z.Watermarks.SetRawMark(WatermarkIndex.Min, 128);
        z.Watermarks.SetRawMark(WatermarkIndex.Low, 256);
        z.Watermarks.SetRawMark(WatermarkIndex.High, 384);
        // attached after the fill: while filling, a kswapd would already reclaim
        return (m, new ReclaimModel(m));
    }

    [Fact]
    public void DirectReclaimForACostlyOrderGoesOnUntilCompactionCanRun()
    {
        // try_to_free_pages(order 9): at DEF_PRIORITY (12) get_scan_count gives nr[inactive_file] = 6144 >> 12 = 1, so
        // each shrink_node round reclaims one page (the list stays at or above 4096 pages while fewer than 2049 are
        // reclaimed). should_continue_reclaim: in_reclaim_compaction (order 9 > PAGE_ALLOC_COSTLY_ORDER), the round
        // reclaimed a page, compaction_suitable is COMPACT_SKIPPED while the free pages do not exceed low +
        // compact_gap(9) = 256 + 1024 = 1280 (the fragmentation index of a zone of order-0 free pages is above 500, so
        // once past the watermark it says COMPACT_CONTINUE), and the inactive file list (> 4096) is larger than
        // compact_gap(9): shrink_node goes round again until 1281 pages are free. nr_reclaimed (1281) is then above
        // nr_to_reclaim (32) and do_try_to_free_pages stops.
        // Without the rounds, the priority loop stops at 42: 1 (12) + 2 (11) + 5 (10) + 11 (9) + 23 (8).
        (Machine m, ReclaimModel reclaim) = Interleaved();
        long got = reclaim.DirectReclaim(m, 0, Order, Gfp.HighUserMovable, (int)ZoneType.Dma32);
        Assert.Equal(1281, got);
        Assert.Equal(1281, m.Zones[1].NrFreePages);
        Assert.Equal(1281, m.Event(VmEvent.PgstealDirect));
        Assert.Equal(1281, m.Event(VmEvent.PgscanDirect));
    }

    [Fact]
    public void DirectReclaimForALowOrderGoesRoundAgainOnlyBelowDefPriorityMinusTwo()
    {
        // order 3 is not costly: in_reclaim_compaction holds only below DEF_PRIORITY - 2, at priority 9 and less.
        // Priorities 12, 11, 10 reclaim 1, 2 and 5 pages (6144 >> 12, 6143 >> 11, 6141 >> 10) and stop after one round
        // each; priority 9 reclaims 6136 >> 9 = 11 (19 in all) and goes round again while compaction_suitable(order 3)
        // is COMPACT_SKIPPED: free pages not above min + compact_gap(3) = 128 + 16 = 144. Each round reclaims 11
        // (the list stays above 11 × 512 = 5632 pages): 19 + 11 × 12 = 151 > 144 after twelve more rounds.
        // Without the rounds: 19 + 23 at priority 8 = 42.
        (Machine m, ReclaimModel reclaim) = Interleaved();
        long got = reclaim.DirectReclaim(m, 0, 3, Gfp.HighUserMovable, (int)ZoneType.Dma32);
        Assert.Equal(151, got);
    }

    [Fact]
    public void ACostlyRequestLeavesAZoneReadyForCompaction()
    {
        // After the first reclaim 1281 pages are free. With the high watermark at 200, compaction_ready holds:
        // compaction_suitable says COMPACT_CONTINUE (1281 > 1280) and 1281 > high + compact_gap(9) = 1224. shrink_zones
        // skips the zone, the node is not shrunk, sc->compaction_ready ends the priority loop: nothing reclaimed.
        // Without the check, priority 12 reclaims one page, then should_continue_reclaim stops (COMPACT_CONTINUE) and
        // the priority loop goes on to 32 and more.
        (Machine m, ReclaimModel reclaim) = Interleaved();
        Assert.Equal(1281, reclaim.DirectReclaim(m, 0, Order, Gfp.HighUserMovable, (int)ZoneType.Dma32));
        m.Zones[1].Watermarks.SetRawMark(WatermarkIndex.High, 200);
        long scanned = m.Event(VmEvent.PgscanDirect);
        Assert.Equal(0, reclaim.DirectReclaim(m, 0, Order, Gfp.HighUserMovable, (int)ZoneType.Dma32));
        Assert.Equal(scanned, m.Event(VmEvent.PgscanDirect));
    }
}
