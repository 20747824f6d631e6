using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

public class BuddyAllocatorTests
{
    [Fact]
    public void BootFreesMaxOrderChunksAlignedFromTheRangeStart()
    {
        // DMA [1, 4096): __free_pages_memory takes order min(10, ffs(start)): 1 (o0), 2 (o1), 4 (o2) ... 512 (o9),
        // then 1024, 2048, 3072 (o10). DMA32 [4096, 16384) = 12 order-10 blocks. Each chunk goes to the free list of
        // its pageblock's type (__free_one_page with get_pfnblock_migratetype): memmap_init_range sets MOVABLE only at
        // a pageblock-aligned pfn inside the present range, so block 0 (present from pfn 1) keeps the zeroed
        // usemap's MIGRATE_UNMOVABLE and the chunks at 1 .. 256 (o0-o8) are UNMOVABLE; 512 (o9) starts block 1.
        var m = new Machine(TestMachines.Small());
        for (int o = 0; o < 10; o++)
        {
            Assert.Equal(1, m.AreaNrFree(0, o));
            Assert.Equal([1UL << o], m.FreeListPfns(0, o, o < 9 ? MigrateType.Unmovable : MigrateType.Movable));
        }

        Assert.Equal(MigrateType.Unmovable, m.PageblockType(1));
        Assert.Equal(MigrateType.Movable, m.PageblockType(512));

        Assert.Equal(3, m.AreaNrFree(0, 10));
        Assert.Equal(12, m.AreaNrFree(1, 10));
        // FPI_TO_TAIL: the free list is in ascending pfn order
        Assert.Equal([4096UL, 5120, 6144], m.FreeListPfns(1, 10, MigrateType.Movable).Take(3));
        Assert.Equal(4095 + 12288, m.TotalFreePages());
    }

    [Fact]
    public void UnmovableOrder0ClaimsAMaxOrderMovableBlockAndSplitsIt()
    {
        // GFP_KERNEL -> preferred zone DMA32 (no Normal). No unmovable pages: __rmqueue_fallback finds MOVABLE at
        // order 10 (>= pageblock_order: can steal), change_pageblock_range retypes pageblocks 4096 and 4608,
        // the block moves to the UNMOVABLE list and __rmqueue_smallest splits it: 4096 returned, buddies
        // 4097 (o0), 4098 (o1), 4100 (o2) ... 4352 (o8), 4608 (o9) on the UNMOVABLE lists.
        var m = new Machine(TestMachines.Small());
        AllocResult r = m.Allocate(0, Gfp.Kernel);

        Assert.Equal(4096UL, r.Pfn);
        Assert.Equal(1, r.ZoneIndex);
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(4096));
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(4608));
        Assert.Equal(MigrateType.Movable, m.PageblockType(5120));
        for (int o = 0; o < 10; o++)
        {
            Assert.Equal([4096UL + (1UL << o)], m.FreeListPfns(1, o, MigrateType.Unmovable));
        }

        Assert.Equal(11, m.FreeCount(1, 10, MigrateType.Movable));
        Assert.Equal(1, m.ExtfragEvents(MigrateType.Unmovable, MigrateType.Movable, claimed: true));
    }

    [Fact]
    public void FreeCoalescesBackToTheMaxOrderBlock()
    {
        // Freeing 4096 merges with 4097 (o0), 4098 (o1) ... 4608 (o9) into the order-10 block at 4096, on the
        // list of the pageblock's type (now UNMOVABLE).
        var m = new Machine(TestMachines.Small());
        long before = m.TotalFreePages();
        AllocResult r = m.Allocate(0, Gfp.Kernel);
        m.Free(r.Pfn, 0);

        Assert.Equal(before, m.TotalFreePages());
        Assert.Equal([4096UL], m.FreeListPfns(1, 10, MigrateType.Unmovable));
        for (int o = 0; o < 10; o++)
        {
            Assert.Equal(0, m.FreeCount(1, o, MigrateType.Unmovable));
        }
    }

    [Fact]
    public void CoalescingNeverCrossesZones()
    {
        // DMA's last block [3072, 4096) and DMA32's first [4096, 5120) are buddies at order 10 by pfn, but
        // MAX_ORDER stops merging at order 10 anyway; at order 9, 3584 and 4096 are not buddies. Build zones
        // whose boundary is inside an order-10 buddy pair: DMA32 [4096, 4608) and Normal [4608, 5120).
        var spec = new MachineSpec(
        [
            MachineSpec.Zone(0, ZoneType.Dma32, 4096, 4608),
            MachineSpec.Zone(0, ZoneType.Normal, 4608, 8192),
        ])
        { DebugChecks = true };
        var m = new Machine(spec);
        // 4096 (o9, DMA32) and 4608 (o9, Normal) would merge into 4096 (o10) in one zone; they stay apart.
        Assert.Equal([4096UL], m.FreeListPfns(1, 9, MigrateType.Movable));
        Assert.Equal([4608UL], m.FreeListPfns(2, 9, MigrateType.Movable));
    }

    [Fact]
    public void CmaAndMovablePageblocksDoNotMergeIn61ButDidIn410()
    {
        // CMA pageblock [5632, 6144) next to movable [5120, 5632): order-9 buddies at 5120/5632.
        // 6.1: migratetype_is_mergeable(CMA) is false -> two order-9 blocks. 4.10 only kept ISOLATE apart,
        // so the CMA block (freed last, at activation) merged into the movable one: 5120 order 10 on the CMA list.
        var cma = new PfnRange(5632, 6144);
        var m61 = new Machine(TestMachines.Small(KernelVersion.V6_1, cma));
        Assert.Equal([5632UL], m61.FreeListPfns(1, 9, MigrateType.Cma));
        Assert.Contains(5120UL, m61.FreeListPfns(1, 9, MigrateType.Movable));

        var m410 = new Machine(TestMachines.Small(KernelVersion.V4_10, cma));
        Assert.Equal([5120UL], m410.FreeListPfns(1, 10, MigrateType.Cma));
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, 4097UL)]
    [InlineData(KernelVersion.V6_12, 4160UL)]
    public void MovableStealFromAFullUnmovableBlock(KernelVersion v, ulong expected)
    {
        // Tiny zone [4096, 8192). Unmovable order 0 claims 4096 (o10). Three movable order-10 allocations take
        // 5120, 6144, 7168. Unmovable orders 9, 8, 7 take 4608, 4352, 4224. Left in pageblock [4096, 4608):
        // 4097 (o0), 4098 (o1), 4100 (o2), 4104 (o3), 4112 (o4), 4128 (o5), 4160 (o6) = 127 free pages.
        // A movable order-0 request falls back; the largest fallback is 4160 (o6, >= 4 so may try to claim).
        // 127 free + 0 movable < 256: the block is not claimed.
        // 6.1: move_freepages_block already moved all 127 free pages to MOVABLE lists; __rmqueue_smallest(MOVABLE)
        //      then takes the order-0 page 4097.
        // 6.12: single page: 4160 is split, remainder back on UNMOVABLE lists, 4160 returned.
        // The zone's marks are 200/250/300: from the order-7 request on, free memory is below min, so these
        // requests carry __GFP_MEMALLOC (ALLOC_NO_WATERMARKS in the slow path).
        var m = new Machine(TestMachines.Tiny(v));
        Assert.Equal(4096UL, m.Allocate(0, Gfp.Kernel).Pfn);
        Assert.Equal(5120UL, m.Allocate(10, Gfp.HighUserMovable).Pfn);
        Assert.Equal(6144UL, m.Allocate(10, Gfp.HighUserMovable).Pfn);
        Assert.Equal(7168UL, m.Allocate(10, Gfp.HighUserMovable).Pfn);
        Assert.Equal(4608UL, m.Allocate(9, Gfp.Kernel).Pfn);
        Assert.Equal(4352UL, m.Allocate(8, Gfp.Kernel).Pfn);
        Assert.Equal(4224UL, m.Allocate(7, Gfp.Kernel | GfpFlags.Memalloc).Pfn);

        AllocResult r = m.Allocate(0, Gfp.HighUserMovable | GfpFlags.Memalloc);

        Assert.Equal(expected, r.Pfn);
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(4096));
        Assert.Equal(1, m.ExtfragEvents(MigrateType.Movable, MigrateType.Unmovable, claimed: false));
        // boost_watermark: managed 4096 >= 4 pageblocks; max_boost = max(512, high * 1.5) -> boost = 512
        Assert.Equal(512UL, m.Zones[1].Watermarks.Boost);
    }

    [Fact]
    public void MovableClaimsAMostlyFreeUnmovableBlock()
    {
        // As above but after the order-9 unmovable allocation only: 511 free pages in [4096, 4608).
        // Movable order 0: largest fallback 4352 (o8): move_freepages_block moves 511 pages, 511 >= 256 ->
        // the pageblock becomes MOVABLE (claimed); __rmqueue_smallest(MOVABLE, 0) takes 4097.
        var m = new Machine(TestMachines.Tiny());
        m.Allocate(0, Gfp.Kernel);
        for (int k = 0; k < 3; k++)
        {
            m.Allocate(10, Gfp.HighUserMovable);
        }

        Assert.Equal(4608UL, m.Allocate(9, Gfp.Kernel).Pfn);
        AllocResult r = m.Allocate(0, Gfp.HighUserMovable);

        Assert.Equal(4097UL, r.Pfn);
        Assert.Equal(MigrateType.Movable, m.PageblockType(4096));
        Assert.Equal(1, m.ExtfragEvents(MigrateType.Movable, MigrateType.Unmovable, claimed: true));
    }

    [Fact]
    public void WatermarkTestExcludesFreeCmaWithoutAllocCma()
    {
        // Small machine with CMA [8192, 12288): DMA32 has 12288 free pages, 4096 of them CMA.
        // Order 0 at DMA32's own index (lowmem_reserve[1] = 0): without ALLOC_CMA free = 12288 - 4096 = 8192,
        // so a mark of 8191 passes and 8192 fails (free <= mark); with ALLOC_CMA the limit is 12288.
        var m = new Machine(TestMachines.Small(cma: new PfnRange(8192, 12288)));
        Zone dma32 = m.Zones[1];
        Assert.Equal(12288, dma32.NrFreePages);
        Assert.Equal(4096, dma32.NrFreeCmaPages);
        Assert.True(m.ZoneWatermarkOk(dma32, 0, 8191, 1, 0));
        Assert.False(m.ZoneWatermarkOk(dma32, 0, 8192, 1, 0));
        Assert.True(m.ZoneWatermarkOk(dma32, 0, 12287, 1, AllocFlags.Cma));
        Assert.False(m.ZoneWatermarkOk(dma32, 0, 12288, 1, AllocFlags.Cma));
        // __GFP_HIGH halves the mark: 16382 -> 8191 passes
        Assert.True(m.ZoneWatermarkOk(dma32, 0, 16382, 1, AllocFlags.MinReserve));
    }

    [Fact]
    public void PreferCmaWhenOverHalfOfFreeIsCma()
    {
        // CMA [8192, 16384) = 8192 of DMA32's 12288 free pages (> half): a movable request takes CMA first (v5.7+).
        // CMA activation frees pageblock by pageblock at order 9 without FPI_TO_TAIL; each pair merges to order 10
        // at the list head, so the last area block, 15360, is first. v4.10 takes the movable list first: 4096.
        var cma = new PfnRange(8192, 16384);
        Assert.Equal(15360UL, new Machine(TestMachines.Small(KernelVersion.V6_1, cma)).Allocate(0, Gfp.HighUserMovable).Pfn);
        Assert.Equal(4096UL, new Machine(TestMachines.Small(KernelVersion.V4_10, cma)).Allocate(0, Gfp.HighUserMovable).Pfn);
        // unmovable requests never get CMA pages
        Assert.Equal(4096UL, new Machine(TestMachines.Small(KernelVersion.V6_1, cma)).Allocate(0, Gfp.Kernel).Pfn);
    }

    [Fact]
    public void SmallMachineWatermarksByHand()
    {
        // postcore: lowmem 16383 pages = 65532 KiB -> int_sqrt(1048512) = 1023 KiB, pages_min 255.
        // DMA tmp 255*4095/16383 = 63, gap max(15, 4) -> 63/78/93; DMA32 tmp 255*12288/16383 = 191, gap max(47, 12)
        // -> 191/238/285. DMA protection 12288/256 = 48.
        // hugepage_init: 16383 pages < 512 MiB, so THP is turned off and khugepaged never runs
        // set_recommended_min_free_kbytes (it would have raised min_free_kbytes to 3200 KiB: 2 zones -> 11264 pages,
        // capped by nr_free_buffer_pages/20 = (4095-93 + 12288-285)/20 = 800 pages).
        var m = new Machine(TestMachines.Small());
        Assert.Equal(1023, m.WatermarkCalculator.MinFreeKbytes);
        Assert.Equal((63UL, 78UL, 93UL), (m.Zones[0].Watermarks.Min, m.Zones[0].Watermarks.Low, m.Zones[0].Watermarks.High));
        Assert.Equal((191UL, 238UL, 285UL), (m.Zones[1].Watermarks.Min, m.Zones[1].Watermarks.Low, m.Zones[1].Watermarks.High));
        Assert.Equal(new ulong[] { 0, 48, 48, 48, 48 }, m.Zones[0].Watermarks.LowmemReserve);
    }

    [Fact]
    public void LowmemReserveKeepsKernelRequestsOutOfTheLastDmaPages()
    {
        // DMA low = 78 (SmallMachineWatermarksByHand), protection[DMA32] = 48. Take GFP_DMA order-0 pages until DMA
        // has 126 free. A DMA32-capable request (highest_zoneidx 1) needs free > 78 + 48 = 126: refused in DMA.
        // A GFP_DMA request (highest_zoneidx 0, reserve 0) needs free > 78: allowed.
        var spec = TestMachines.Small();
        var m = new Machine(new MachineSpec(spec.Zones) { Version = spec.Version });
        while (m.Zones[0].NrFreePages > 126)
        {
            // unmovable requests fall back into DMA's movable pageblocks and boost its watermark by a pageblock;
            // kswapd would reclaim the boost away (balance_pgdat clears it), which the test does by hand
            m.Zones[0].Watermarks.Boost = 0;
            AllocResult a = m.Allocate(0, Gfp.Dma);
            Assert.True(a.ZoneIndex == 0, $"free {m.Zones[0].NrFreePages}: {a}");
        }

        Zone dma = m.Zones[0];
        dma.Watermarks.Boost = 0;
        Assert.Equal(126, dma.NrFreePages);
        Assert.False(m.ZoneWatermarkOk(dma, 0, dma.Watermarks.Low, 1, 0));
        Assert.True(m.ZoneWatermarkOk(dma, 0, dma.Watermarks.Low, 0, 0));
        Assert.Equal(0, m.Allocate(0, Gfp.Dma).ZoneIndex);
        InvariantChecker.Check(m);
    }

    [Theory]
    [InlineData("GFP_KERNEL", 0xcc0u)]
    [InlineData("GFP_KERNEL|__GFP_ZERO", 0xdc0u)]
    [InlineData("GFP_HIGHUSER_MOVABLE", 0x100ccau)]
    [InlineData("GFP_ATOMIC", 0xa20u)]
    [InlineData("GFP_NOWAIT|__GFP_NOWARN", 0x2800u)]
    [InlineData("0x140cca", 0x140ccau)]
    [InlineData("GFP_TRANSHUGE", 0x1c24cau)] // (0x100cca|COMP 0x40000|NOMEMALLOC 0x80000|NOWARN 0x2000) & ~0xc00 | 0x400
    public void GfpParsesKernelNamesAndHex(string text, uint expected)
    {
        // values from include/linux/gfp_types.h (6.1): GFP_KERNEL = RECLAIM(0xc00)|IO(0x40)|FS(0x80) = 0xcc0 ...
        Assert.Equal(expected, (uint)Gfp.Parse(text));
    }

    [Theory]
    [InlineData(0xcc0u, ZoneType.Normal, MigrateType.Unmovable)]
    [InlineData(0x100ccau, ZoneType.Movable, MigrateType.Movable)]
    [InlineData(0xcc8u, ZoneType.Normal, MigrateType.Movable)]
    [InlineData(0xcd0u, ZoneType.Normal, MigrateType.Reclaimable)]
    [InlineData(0xcc1u, ZoneType.Dma, MigrateType.Unmovable)]
    [InlineData(0xcc4u, ZoneType.Dma32, MigrateType.Unmovable)]
    [InlineData(0xccCu, ZoneType.Dma32, MigrateType.Movable)]
    public void GfpZoneAndMigratetype(uint gfp, ZoneType zone, MigrateType mt)
    {
        Assert.Equal(zone, Gfp.Zone((GfpFlags)gfp));
        Assert.Equal(mt, Gfp.MigrateTypeOf((GfpFlags)gfp));
    }

    [Fact]
    public void GfpZoneBadCombinationThrows()
    {
        Assert.Throws<ArgumentException>(() => Gfp.Zone(GfpFlags.Dma | GfpFlags.Dma32));
    }

    [Fact]
    public void GfpToAllocFlagsForAtomicHighOrder()
    {
        // GFP_ATOMIC order 3: WMARK_MIN | MIN_RESERVE (__GFP_HIGH) | KSWAPD | NON_BLOCK | HIGHATOMIC, CPUSET cleared
        AllocFlags af = Machine.GfpToAllocFlags(Gfp.Atomic, 3, MigrateType.Unmovable);
        Assert.Equal(AllocFlags.MinReserve | AllocFlags.Kswapd | AllocFlags.NonBlock | AllocFlags.HighAtomic, af);
        // GFP_KERNEL order 0 movable: WMARK_MIN | CPUSET | KSWAPD | CMA
        Assert.Equal(AllocFlags.Cpuset | AllocFlags.Kswapd | AllocFlags.Cma, Machine.GfpToAllocFlags(Gfp.HighUserMovable, 0, MigrateType.Movable));
    }
}

public class ZonelistTests
{
    private static MachineSpec TwoNodes() => new(
    [
        MachineSpec.Zone(0, ZoneLab.Layout.ZoneType.Dma32, 4096, 8192),
        MachineSpec.Zone(1, ZoneLab.Layout.ZoneType.Dma32, 8192, 12288),
        MachineSpec.Zone(1, ZoneLab.Layout.ZoneType.Normal, 12288, 16384),
    ])
    { DebugChecks = true };

    [Fact]
    public void ZonelistsListTheLocalNodeFirstHighestZoneFirst()
    {
        // node 0: its DMA32 (index 1), then node 1's Normal (7) and DMA32 (6); node 1: Normal, DMA32, then node 0's DMA32.
        var m = new Machine(TwoNodes());
        Assert.Equal([1, 7, 6], m.Zonelist(0));
        Assert.Equal([7, 6, 1], m.Zonelist(1));
    }

    [Fact]
    public void ThisNodeNeverLeavesTheNode()
    {
        // Node 0 has 4096 pages. Watermarks: min_free_kbytes = khugepaged's 3 zones x 5632 pages capped at 5 % of
        // nr_free_buffer_pages ((12288 - highs) / 20 = 600 pages) -> pages_min 600; node 0 DMA32 tmp =
        // 600 * 4096 / 12288 = 200, gap max(50, 4) -> min 200, low 250. Order-10 requests leave free - 1023 pages:
        // 3073, 2049, 1025 pass low; the fourth (1024 - 1023 = 1) fails low and min, and with __GFP_THISNODE does not
        // fall back to node 1, while plain GFP_KERNEL goes to node 1.
        var m = new Machine(TwoNodes());
        GfpFlags thisNode = Gfp.Kernel | GfpFlags.ThisNode | GfpFlags.NoRetry;
        int local = 0;
        while (m.Allocate(10, thisNode, node: 0) is { Success: true } r)
        {
            Assert.Equal(0, m.Zones[r.ZoneIndex].Node);
            local++;
        }

        Assert.Equal(3, local);
        AllocResult other = m.Allocate(10, Gfp.Kernel, node: 0);
        Assert.Equal(1, m.Zones[other.ZoneIndex].Node);
    }
}

public class HighAtomicTests
{
    [Fact]
    public void HighOrderAtomicSuccessReservesAPageblock()
    {
        // Tiny zone: 4096 pages, int_sqrt(16384 * 16) = 512 KiB -> marks 128/160/192 (16 MiB is below hugepage_init's
        // 512 MiB: khugepaged does not raise min_free_kbytes). GFP_KERNEL order-0 pages are taken until the slow
        // path's min mark stops them (free <= 128). An order-1 GFP_ATOMIC request then fails the fast path (low) but
        // passes in the slow path: ALLOC_MIN_RESERVE halves min to 64, ALLOC_NON_BLOCK takes a quarter more -> 48. It carries
        // ALLOC_HIGHATOMIC, so reserve_highatomic_pageblock retypes its (unmovable, mergeable) pageblock:
        // nr_reserved_highatomic = 512 (limit 4096/100 + 512 = 552).
        var m = new Machine(new MachineSpec(TestMachines.Tiny()) { DebugChecks = false });
        while (m.Allocate(0, Gfp.Kernel | GfpFlags.NoRetry).Success)
        {
        }

        Zone z = m.Zones[1];
        Assert.True(z.NrFreePages <= 128 && z.NrFreePages > 96, $"free {z.NrFreePages}");
        AllocResult r = m.Allocate(1, Gfp.Atomic);
        Assert.True(r.Success);
        Assert.Equal(MigrateType.HighAtomic, m.PageblockType(r.Pfn));
        Assert.Equal(512, z.NrReservedHighAtomic);
        // without reserve rights the 512 reserved pages count as unusable: even a zero mark fails
        Assert.False(m.ZoneWatermarkOk(z, 0, 0, 1, 0));
        Assert.True(m.ZoneWatermarkOk(z, 0, 0, 1, AllocFlags.MinReserve));
        // unreserve_highatomic_pageblock (forced, as before OOM) gives the block back to the requested type
        Assert.True(m.UnreserveHighatomicPageblock(0, 1, MigrateType.Unmovable, force: true));
        Assert.Equal(0, z.NrReservedHighAtomic);
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(r.Pfn));
        InvariantChecker.Check(m);
    }
}
