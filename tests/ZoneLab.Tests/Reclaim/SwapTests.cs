using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Reclaim;

/// <summary>Swap-out by reclaim (shrink_lruvec / shrink_folio_list): anon is reclaimable only with swap space.</summary>
public class SwapTests
{
    // one zone, DMA32 [4096, 8192): 4096 pages; the machine is filled with anonymous pages before reclaim is attached,
    // so no kswapd ran and every LRU page is anon on the inactive list (lruvec_add_folio puts new folios there)
    private static (Machine M, long Anon) FullOfAnon(long swapPages)
    {
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 8192)]) { SwapPages = swapPages, DebugChecks = true });
        long n = 0;
        while (m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon).Success)
        {
            n++;
        }

        return (m, n);
    }

    [Fact]
    public void DirectReclaimSwapsOutOneClusterWhenSwapHasRoom()
    {
        // try_to_free_pages: nr_to_reclaim = SWAP_CLUSTER_MAX = 32. The zone fills to its min watermark, 128 pages
        // for 4096 managed (min_free_kbytes = sqrt(16 x 16384 kB) = 512 kB): 3968 anonymous pages P1 (oldest, the
        // tail) .. P3968 on the inactive list, each with the young PTE of its fault. No file pages, so anon is scanned;
        // each priority scans lru_size >> priority (get_scan_count, no SWAP_CLUSTER_MAX floor) in batches of up to 32
        // (shrink_lruvec), nr_to_reclaim checked between batches. shrink_folio_list (6.1) decides each folio with
        // folio_check_references: young and no PG_referenced → PG_referenced set, FOLIOREF_KEEP (back at the head);
        // not young → FOLIOREF_RECLAIM → add_to_swap + pageout (written, still on the list); the write completes after
        // the batch and folio_rotate_reclaimable moves it to the tail, where the next batch frees it.
        //   12: 3968 >> 12 = 0;  11..2: 1 + 3 + 7 + 15 + 31 + 62 + 124 + 248 + 496 + 992 = 1979 kept (P1..P1979)
        //   1: 3968 >> 1 = 1984 kept (P1980..P3963); the tail is now P3964..P3968 (young), then P1.. (PG_referenced)
        //   0: batch 1: P3964..P3968 kept, P1..P27 written; batch 2: P1..P27 freed (27), P28..P32 written;
        //      batch 3: P28..P32 freed (32 in all), P33..P59 written; 32 reached: stop.
        // 59 pages swapped out (their slots stay used), 32 freed; scanned 1979 + 1984 + 3 x 32 = 4059 pages.
        (Machine m, long anon) = FullOfAnon(swapPages: 1000);
        Assert.Equal(3968, anon);
        long free = m.Zones[(int)ZoneType.Dma32].NrFreePages;
        var reclaim = new ReclaimModel(m);
        long got = reclaim.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Dma32);
        Assert.Equal(32, got);
        Assert.Equal(59, m.Event(VmEvent.Pswpout));
        Assert.Equal(59, m.SwapUsedPages);
        Assert.Equal(4059, m.Event(VmEvent.PgscanDirect));
        Assert.Equal(32, m.Event(VmEvent.PgstealDirect));
        Assert.Equal(27 + 5 + 27, m.Event(VmEvent.Pgrotated));
        Assert.Equal(anon - 32, m.LruPages(0, LruList.InactiveAnon));
        Assert.Equal(free + 32, m.Zones[(int)ZoneType.Dma32].NrFreePages);
        // the cost model charges the direct reclaimer 4059 scans + 59 swap-outs
        Assert.Equal((4059 * reclaim.CostModel.ScanNs) + (59 * reclaim.CostModel.SwapOutNs), reclaim.DirectReclaimNs);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void SwapOutStopsWhenTheSwapSpaceIsFull()
    {
        // 20 slots: as in DirectReclaimSwapsOutOneClusterWhenSwapHasRoom, the young pages are kept down to priority 0,
        // whose first batch writes the first 20 pages with PG_referenced; add_to_swap then fails for every other one,
        // the next batch frees the 20, and reclaim returns 20 (< 32) with the swap full
        (Machine m, _) = FullOfAnon(swapPages: 20);
        var reclaim = new ReclaimModel(m);
        Assert.Equal(20, reclaim.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Dma32));
        Assert.Equal(20, m.Event(VmEvent.Pswpout));
        Assert.Equal(20, m.SwapUsedPages);
        Assert.Equal(0, reclaim.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Dma32));
        Assert.Equal(20, m.Event(VmEvent.Pswpout));
    }

    [Fact]
    public void WithoutSwapAnonIsNotReclaimable()
    {
        (Machine m, _) = FullOfAnon(swapPages: 0);
        var reclaim = new ReclaimModel(m);
        Assert.Equal(0, reclaim.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Dma32));
        Assert.Equal(0, m.Event(VmEvent.Pswpout));
    }

    [Fact]
    public void EnoughInactivePageCacheKeepsKswapdOffAnon()
    {
        // get_scan_count's SCAN_FILE: 4096 clean file pages on the inactive list (none active) next to anon, swap
        // space free. kswapd's goal is max(high, 32) > 32, so without the rule it would swap anon out after the first
        // 32 file pages at DEF_PRIORITY. With it, every priority p keeps inactive_file >> p > 0 (at most 12 x 32 file
        // pages are taken, 4096 - 384 >= 2^p at every p), so kswapd reclaims page cache only: pswpout stays 0.
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 4096 + 16384)]) { SwapPages = 100_000, DebugChecks = true });
        for (int i = 0; i < 4096; i++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.File).Success);
        }

        while (m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon).Success)
        {
        }

        Assert.True(m.Zones[(int)ZoneType.Dma32].Watermarks.High > 32);
        var reclaim = new ReclaimModel(m);
        long got = reclaim.BalancePgdat(0, 0, (int)ZoneType.Dma32);
        Assert.True(got > 0);
        Assert.Equal(got, m.Event(VmEvent.PgstealFile));
        Assert.Equal(0, m.Event(VmEvent.Pswpout));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void SwappedOutHookSeesEveryPage()
    {
        (Machine m, _) = FullOfAnon(swapPages: 1000);
        var reclaim = new ReclaimModel(m);
        long seen = 0;
        reclaim.SwappedOut = (pfn, pages) =>
        {
            Assert.Equal(PageUse.Anon, m.UseOf(pfn)); // called before the page is freed
            seen += pages;
        };
        reclaim.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Dma32);
        Assert.Equal(59, seen); // DirectReclaimSwapsOutOneClusterWhenSwapHasRoom's 59 pages
    }
}
