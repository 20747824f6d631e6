using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;
using ZoneLab.Tests.Compaction;

namespace ZoneLab.Tests.Reclaim;

public class ReclaimAndCompactionTests
{
    // Debug checks stay off inside the long fill loops; each test runs the checker at the end.
    private static MachineSpec WithSwap(long swapPages) => new(TestMachines.Small().Zones) { SwapPages = swapPages };

    [Fact]
    public void KswapdReclaimsCleanPageCacheUntilAZoneIsAboveHigh()
    {
        // Fill the 64 MiB machine with clean page cache until the fast path fails the low watermark; the slow
        // path wakes kswapd, which drops the oldest file pages until some zone passes its high watermark
        // (pgdat_balanced), then the allocation succeeds at the min watermark.
        var m = new Machine(WithSwap(0));
        var reclaim = new ReclaimModel(m);
        var file = new List<ulong>();
        long before = 0;
        while (true)
        {
            before = m.Event(VmEvent.PgstealKswapd);
            AllocResult r = m.Allocate(0, Gfp.HighUserMovable, use: PageUse.File);
            Assert.True(r.Success);
            file.Add(r.Pfn);
            if (m.Event(VmEvent.PgstealKswapd) > 0)
            {
                break;
            }
        }

        Assert.True(reclaim.PgdatBalanced(0, 0, 3));
        InvariantChecker.Check(m);
        Assert.True(m.Event(VmEvent.Pageoutrun) >= 1);
        // clean page cache costs DropCleanNs per page plus the scan
        Assert.True(reclaim.KswapdNs >= m.Event(VmEvent.PgstealKswapd) * reclaim.CostModel.DropCleanNs);
        Assert.Equal(m.Event(VmEvent.PgstealKswapd), m.Event(VmEvent.PgstealFile));
    }

    [Fact]
    public void WithoutSwapAnonymousMemoryEndsInTheOomKiller()
    {
        // Only anonymous memory and no swap: reclaim cannot make progress; after MAX_RECLAIM_RETRIES the OOM
        // killer frees the node's anonymous memory and the order-0 GFP_KERNEL allocation succeeds.
        var m = new Machine(WithSwap(0));
        _ = new ReclaimModel(m);
        int n = 0;
        while (m.Allocate(0, Gfp.HighUserMovable | GfpFlags.NoRetry).Success)
        {
            n++;
        }

        Assert.True(n > 10000);
        Assert.Equal(0, m.Event(VmEvent.OomKill));
        AllocResult r = m.Allocate(0, Gfp.Kernel);
        Assert.True(r.Success);
        Assert.Equal(1, m.Event(VmEvent.OomKill));
        Assert.Equal(0, m.LruPages(0, LruList.InactiveAnon) + m.LruPages(0, LruList.ActiveAnon));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void WithSwapAnonymousMemoryIsSwappedOut()
    {
        var m = new Machine(WithSwap(1 << 20));
        var reclaim = new ReclaimModel(m);
        for (int k = 0; k < 20000; k++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable).Success);
        }

        Assert.True(m.Event(VmEvent.Pswpout) > 0);
        Assert.Equal(m.Event(VmEvent.Pswpout), m.SwapUsedPages);
        Assert.Equal(0, m.Event(VmEvent.OomKill));
        Assert.True(reclaim.Costs >= m.Event(VmEvent.Pswpout) * reclaim.CostModel.SwapOutNs);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void ReclaimableSlabIsShrunkInsteadOfOom()
    {
        // No swap, memory full of reclaimable slab (GFP_KERNEL|__GFP_RECLAIMABLE is reclaimable slab by default):
        // kswapd's shrink_slab frees the oldest slab pages, so kernel allocations keep succeeding without OOM.
        var m = new Machine(WithSwap(0));
        _ = new ReclaimModel(m);
        for (int k = 0; k < 20000; k++)
        {
            Assert.True(m.Allocate(0, Gfp.Kernel | GfpFlags.Reclaimable).Success);
        }

        Assert.True(m.Event(VmEvent.SlabsScanned) > 0);
        Assert.Equal(0, m.Event(VmEvent.OomKill));
        Assert.Equal(m.UsePages(0, PageUse.SlabReclaimable), m.LruPages(0, LruList.SlabReclaimable));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void DirtyPageCacheIsWrittenBackBeforeItIsDropped()
    {
        var m = new Machine(WithSwap(0));
        var reclaim = new ReclaimModel(m);
        for (int k = 0; k < 20000; k++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, use: PageUse.FileDirty).Success);
        }

        Assert.True(m.Event(VmEvent.PgstealFile) > 0);
        Assert.True(reclaim.Costs >= m.Event(VmEvent.PgstealFile) * reclaim.CostModel.WritebackNs);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void CompactionMovesPagesUpToMakeAHighOrderBlock()
    {
        // DMA32 [4096, 16384) filled completely with movable order-0 page cache (__GFP_MEMALLOC ignores the
        // watermarks), then every other page freed: 6144 free pages but no free block above order 0. Compaction for
        // order 3 migrates pages from the zone start to the zone end until an order-3 block is free.
        (Machine m, List<ulong> pages) = FullDma32Machine.CreateEvenPfnsFreed(PageUse.File);

        Assert.Equal(12288, pages.Count);

        for (int o = 1; o <= Pageblock.MaxOrder; o++)
        {
            Assert.Equal(0, m.AreaNrFree(1, o));
        }

        var c = new Compactor(m);
        Assert.Equal(CompactResult.Continue, c.Suitable(m.Zones[1], 3, 1));
        CompactResult result = c.CompactZone(m.Zones[1], 3, 1, MigrateType.Movable, sync: true);
        Assert.Equal(CompactResult.Success, result);
        Assert.True(m.Event(VmEvent.PgmigrateSuccess) >= 4);
        Assert.Contains(Enumerable.Range(3, 8), o => m.AreaNrFree(1, o) > 0);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void CompactionSuitableNeedsTheGapAboveTheWatermark()
    {
        // Fresh 64 MiB machine: order-3 already available -> COMPACT_SUCCESS without work.
        var m = new Machine(TestMachines.Small());
        var c = new Compactor(m);
        Assert.Equal(CompactResult.Success, c.Suitable(m.Zones[1], 3, 1));
    }

    [Fact]
    public void RandomWorkloadWithReclaimKeepsInvariants()
    {
        GfpFlags[] masks = [Gfp.Kernel, Gfp.HighUserMovable, Gfp.HighUserMovable, Gfp.Kernel | GfpFlags.Reclaimable, Gfp.Atomic];
        PageUse[] uses = [PageUse.Anon, PageUse.File, PageUse.FileDirty];
        Gen.Select(Gen.Int[0, 99], Gen.Int[0, 4], Gen.Int[0, 2], Gen.Int[0, 3]).Array[200, 2000].Sample(ops =>
        {
            var m = new Machine(WithSwap(4096));
            _ = new ReclaimModel(m);
            var live = new List<(ulong, int)>();
            foreach ((int kind, int mask, int use, int order) in ops)
            {
                if (kind < 85 || live.Count == 0)
                {
                    GfpFlags gfp = masks[mask];
                    AllocResult r = m.Allocate(gfp == Gfp.Atomic ? 0 : order, gfp, use: (gfp & GfpFlags.Movable) != 0 ? uses[use] : PageUse.Auto);
                    if (r.Success)
                    {
                        live.Add((r.Pfn, gfp == Gfp.Atomic ? 0 : order));
                    }
                }
                else
                {
                    int k = kind % live.Count;
                    (ulong pfn, int o) = live[k];
                    live.RemoveAt(k);
                    if (m.IsAllocatedHead(pfn, out int headOrder) && headOrder == o)
                    {
                        m.Free(pfn, o); // reclaim may have freed it already
                    }
                }
            }

            InvariantChecker.Check(m);
        }, iter: 20, seed: "0N0XIzNsQ0O2");
    }
}

public class ProactiveCompactionTests
{
    [Fact]
    public void FragmentedNodeIsCompactedDownToTheLowScoreMark()
    {
        // DMA32-only node [4096, 16384) full of page cache, every other page freed: 6144 free pages, none in an
        // order-9 block -> extfrag_for_order(9) = 100; node score = 12288 * 100 / (12288 + 1) = 99 > high mark
        // min(max(100 - 20, 5) + 10, 100) = 90. Proactive compaction runs until the zone score is <= 80.
        (Machine m, _) = FullDma32Machine.CreateEvenPfnsFreed(PageUse.File);

        var c = new Compactor(m);
        Assert.Equal(99, c.FragmentationScoreNode(0));
        Assert.Equal(90, c.FragmentationScoreWmark(low: false));
        Assert.True(c.ShouldProactiveCompact(0));
        Assert.True(c.ProactiveCompact(0));
        Assert.True(c.FragmentationScoreZone(m.Zones[1]) <= 80);
        Assert.False(c.ShouldProactiveCompact(0));
        InvariantChecker.Check(m);
    }
}
