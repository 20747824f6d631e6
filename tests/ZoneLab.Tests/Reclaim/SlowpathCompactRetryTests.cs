using ZoneLab.Allocator;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// The direct compaction steps of 6.1's __alloc_pages_slowpath (mm/page_alloc.c): the costly __GFP_NORETRY exit after
/// the first compaction, and should_compact_retry with compaction_zonelist_suitable for a __GFP_RETRY_MAYFAIL request.
/// </summary>
public class SlowpathCompactRetryTests
{
    // hugetlb's alloc_buddy_huge_page mask for a PMD page: htlb_alloc_mask | __GFP_COMP | __GFP_RETRY_MAYFAIL |
    // __GFP_NOWARN | __GFP_THISNODE
    private const GfpFlags Hugetlb = Gfp.HighUserMovable | GfpFlags.Comp | GfpFlags.RetryMayfail | GfpFlags.NoWarn | GfpFlags.ThisNode;

    [Fact]
    public void ACostlyNoRetryRequestStopsWhenCompactionIsSkipped()
    {
        // The 64 MiB machine filled with clean page cache while no reclaim is attached: the fill stops at the min
        // watermark, so DMA32 has far fewer free pages than compaction_suitable's order-9 threshold (low watermark +
        // compact_gap(9) = low + 1024). A THP fault with __GFP_DIRECT_RECLAIM | __GFP_NORETRY (GFP_TRANSHUGE, defrag
        // "defer+madvise" style): __alloc_pages_slowpath tries direct compaction first for a costly order; every zone
        // is COMPACT_SKIPPED (no stall counted), and "costly_order && __GFP_NORETRY" with COMPACT_SKIPPED goes to
        // nopage: no direct reclaim at all (allocstall 0, pgscan_direct 0). The engine before 6.1's order reclaimed
        // here.
        var m = FilledWithPageCache();
        Zone dma32 = m.Zones[1];
        Assert.True(dma32.NrFreePages < (long)dma32.Watermarks.Low + 1024);
        _ = new ReclaimModel(m) { SynchronousKswapd = false };

        AllocResult r = m.Allocate(Pageblock.Order, Gfp.TransHuge | GfpFlags.NoRetry);

        Assert.False(r.Success);
        Assert.Equal(0, Allocstalls(m));
        Assert.Equal(0, m.Event(VmEvent.PgscanDirect));
        Assert.Equal(0, m.Event(VmEvent.CompactStall));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void ARetryMayfailRequestKeepsReclaimingWhileCompactionCouldBecomeSuitable()
    {
        // Same machine. A hugetlb page (order 9, __GFP_RETRY_MAYFAIL): compaction is skipped (too few free pages), so
        // the slow path reclaims directly. 6.1's direct reclaim for a costly order is in reclaim/compaction mode
        // (in_reclaim_compaction): shrink_node goes round again while should_continue_reclaim holds, i.e. while every
        // zone is COMPACT_SKIPPED and each round reclaims something. The oldest page cache is the lowest pfns, so the
        // rounds free pfns in order until a whole pageblock is free: compaction_suitable then says COMPACT_SUCCESS (the
        // order-9 watermark passes), the rounds stop, and get_page_from_freelist takes that block. One allocstall,
        // more than SWAP_CLUSTER_MAX pages reclaimed in it, no compaction stall. (Before reclaim/compaction mode the
        // engine reclaimed about 32 pages per call and needed should_compact_retry's compaction_zonelist_suitable
        // to keep looping: zone_reclaimable_pages / 9 more free pages would pass low + compact_gap(9).)
        var m = FilledWithPageCache();
        Zone dma32 = m.Zones[1];
        long reclaimable = dma32.LruPages[(int)LruList.InactiveFile] + dma32.LruPages[(int)LruList.ActiveFile];
        Assert.True(dma32.NrFreePages + (reclaimable / 9) > (long)dma32.Watermarks.Low + 1024);
        _ = new ReclaimModel(m) { SynchronousKswapd = false };

        AllocResult r = m.Allocate(Pageblock.Order, Hugetlb);

        Assert.True(r.Success);
        Assert.Equal(1, Allocstalls(m));
        Assert.Equal(0, m.Event(VmEvent.CompactStall));
        Assert.True(m.Event(VmEvent.PgstealDirect) > ReclaimModel.SwapClusterMax);
        Assert.Equal(m.Event(VmEvent.PgstealDirect), m.Event(VmEvent.PgstealFile));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void WithoutReclaimableMemoryTheRetryMayfailRequestFailsAfterOneReclaim()
    {
        // The machine filled with anonymous memory and no swap: zone_reclaimable_pages is 0, so after the one direct
        // reclaim (nothing reclaimed: did_some_progress is 0) should_reclaim_retry fails (no order-9 block) and
        // should_compact_retry is not even asked ("It doesn't make any sense to retry for the compaction if the
        // order-0 reclaim is not able to make any progress"). __GFP_RETRY_MAYFAIL never OOM-kills: the request fails
        // with one allocstall.
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones)); // debug checks off in the fill loop
        while (m.Allocate(0, Gfp.HighUserMovable, use: PageUse.Anon).Success)
        {
        }

        _ = new ReclaimModel(m) { SynchronousKswapd = false };

        AllocResult r = m.Allocate(Pageblock.Order, Hugetlb);

        Assert.False(r.Success);
        Assert.Equal(1, Allocstalls(m));
        Assert.Equal(0, m.Event(VmEvent.OomKill));
        InvariantChecker.Check(m);
    }

    private static Machine FilledWithPageCache()
    {
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones)); // debug checks off in the fill loop
        while (m.Allocate(0, Gfp.HighUserMovable, use: PageUse.File).Success)
        {
        }

        return m;
    }

    private static long Allocstalls(Machine m)
    {
        long n = 0;
        for (VmEvent e = VmEvent.AllocstallDma; e <= VmEvent.AllocstallDevice; e++)
        {
            n += m.Event(e);
        }

        return n;
    }
}
