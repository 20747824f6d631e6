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
        // for 4096 managed (min_free_kbytes = sqrt(16 x 16384 kB) = 512 kB): 3968 anonymous pages on the inactive
        // list. No file pages, so anon is scanned; each priority scans lru_size >> priority (get_scan_count, no
        // SWAP_CLUSTER_MAX floor) in batches of up to 32 reclaimed whole (shrink_lruvec), every page has a swap slot:
        //   12: 3968 >> 12 = 0;  11: 3968 >> 11 = 1;  10: 3967 >> 10 = 3;  9: 3964 >> 9 = 7;  8: 3957 >> 8 = 15
        //   (total 26 < 32);  7: 3942 >> 7 = 30, one batch reclaimed whole: total 56.
        (Machine m, long anon) = FullOfAnon(swapPages: 1000);
        Assert.Equal(3968, anon);
        long free = m.Zones[(int)ZoneType.Dma32].NrFreePages;
        var reclaim = new ReclaimModel(m);
        long got = reclaim.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Dma32);
        Assert.Equal(56, got);
        Assert.Equal(56, m.Event(VmEvent.Pswpout));
        Assert.Equal(56, m.SwapUsedPages);
        Assert.Equal(anon - 56, m.LruPages(0, LruList.InactiveAnon));
        Assert.Equal(free + 56, m.Zones[(int)ZoneType.Dma32].NrFreePages);
        // the cost model charges the direct reclaimer 56 scans + 56 swap-outs
        Assert.Equal(56 * (reclaim.CostModel.ScanNs + reclaim.CostModel.SwapOutNs), reclaim.DirectReclaimNs);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void SwapOutStopsWhenTheSwapSpaceIsFull()
    {
        // 20 slots: the first 20 scanned pages go out, then add_to_swap fails for every other page at every
        // priority; reclaim returns 20 (< 32) and the swap is full
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
        Assert.Equal(56, seen); // DirectReclaimSwapsOutOneClusterWhenSwapHasRoom's 56 pages
    }
}
