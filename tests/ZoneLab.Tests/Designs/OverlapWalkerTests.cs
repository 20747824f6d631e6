using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Contiguous;
using ZoneLab.Designs;
using ZoneLab.Hotplug;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Designs;

/// <summary>
/// The engine's pfn walkers on zones whose spans interleave (issue 13 item 10, docs/overlap-audit.md): a DMB or a
/// ZONE_CMA area inside another zone's span. Each expected value is derived by hand from the kernel function the
/// walker mirrors (6.1 unless said): a walker that took "zone_spans_pfn(zone, pfn)" to mean "page_zone(page) == zone"
/// would give a different number, named in each test.
/// </summary>
public class OverlapWalkerTests
{
    private const ulong Pb = 512; // pageblock_nr_pages

    // One node: ZONE_DMA spans [start, end) and a DMB (ZONE_MOVABLE, DMB v3 span = the
    // block) sits inside it at [hole, hole + holePages); the DMB's pages are absent from DMA (dmb_init_region links them
    // to ZONE_MOVABLE).
    private static Machine Interleaved(ulong start, ulong end, ulong hole, ulong holePages)
    {
        var dmaPresent = new PfnRange(start, end).Subtract([new PfnRange(hole, hole + holePages)]).ToList();
        ulong dmaPages = (ulong)dmaPresent.Sum(r => (long)r.Pages);
        var zones = new List<ZoneSpec>
        {
            new(0, ZoneType.Dma, start, end - start, dmaPresent, dmaPages),
            new(0, ZoneType.Movable, hole, holePages, [new PfnRange(hole, hole + holePages)], holePages),
        };
        return new Machine(new MachineSpec(zones) { MaxNrZones = ZoneTypes.Count, DebugChecks = false });
    }

    private static Zone ZoneOf(Machine m, ZoneType t) => m.Zones.Single(z => z.Type == t && z.Node == 0);

    private static void FillWithFilePages(Machine m)
    {
        // ALLOC_NO_WATERMARKS: every page ends up an LRU file page
        while (m.Allocate(0, Gfp.HighUserMovable | GfpFlags.Memalloc, use: PageUse.File).Success)
        {
        }
    }

    private static void FreeRange(Machine m, ulong start, ulong end)
    {
        for (ulong pfn = start; pfn < end; pfn++)
        {
            m.Free(pfn, 0);
        }
        m.DrainAllPages();
    }

    // compact_node → compact_zone for DMA then ZONE_MOVABLE. DMA [0x10000, 0x13000) with the DMB [0x12400, 0x12c00)
    // (4 pageblocks). DMA pages [0x10000, 0x10400) stay allocated (2 blocks to migrate), DMA [0x10400, 0x12400) and the
    // whole DMB are freed (DMA: 8 free order-10 pages at 0x10400, 0x10800, .., 0x12000; DMB: 2 at 0x12400, 0x12800),
    // DMA [0x12c00, 0x13000) stays allocated.
    // DMA: isolate_migratepages_block(0x10000) isolates COMPACT_CLUSTER_MAX = 32 pages (32 scanned). isolate_freepages
    // walks down from 0x12e00 to pageblock_end_pfn(0x10020) = 0x10200 (inclusive): 0x12e00 (allocated, 512 probes at stride 1, then
    // stride 2) and 0x12c00 (256 probes, stride 4) hold no free page; 0x12a00..0x12400 are the DMB's
    // (pageblock_pfn_to_page(): page_zone(start) != zone → NULL, skipped, not counted); suitable_migration_target refuses
    // the blocks that start with a free order-10 page (0x12000, 0x11c00, .., 0x10400); the other halves of those pages
    // are probed and hold no free head: 0x12200 128 (stride 4), 0x11e00 64 (8), 0x11a00 32 (16), 0x11600, 0x11200,
    // 0x10e00, 0x10a00, 0x10600 16 each (32), and 0x10200 (the second block to migrate, allocated) 16: 1,088 free
    // pfns scanned, no target (compaction never breaks up a free pageblock). migrate_pages: -ENOMEM on the first page (pgmigrate_fail 1), the batch goes back, the scanners met.
    // ZONE_MOVABLE: the migrate scanner meets 0x12400 (a free order-10 head, 1 scanned), the tail block 0x12600 pfn by
    // pfn (512), 0x12800 (1); nothing to isolate, the scanners meet.
    // Had the free scanner trusted zone_spans_pfn(), it would also have probed the DMB's tail block 0x12a00/0x12600 and
    // counted more than 1,088 free pfns.
    [Fact]
    public void CompactionScannersSkipTheOtherZonesPageblocksInsideTheSpan()
    {
        using Machine m = Interleaved(0x10000, 0x13000, 0x12400, 4 * Pb);
        FillWithFilePages(m);
        FreeRange(m, 0x10400, 0x12400);
        FreeRange(m, 0x12400, 0x12c00);
        Zone dma = ZoneOf(m, ZoneType.Dma), mov = ZoneOf(m, ZoneType.Movable);
        Assert.Equal(4 * Pb, (ulong)mov.NrFreePages);

        new Compactor(m).CompactNode(0);

        Assert.Equal(0, m.Event(VmEvent.PgmigrateSuccess));
        Assert.Equal(1, m.Event(VmEvent.PgmigrateFail));
        Assert.Equal(1088, m.Event(VmEvent.CompactFreeScanned));
        Assert.Equal(32 + 514, m.Event(VmEvent.CompactMigrateScanned));
        for (ulong pfn = 0x10000; pfn < 0x10400; pfn++)
        {
            Assert.True(m.IsAllocatedHead(pfn, out _), $"pfn {pfn:x} should still hold its page");
        }
        Assert.Equal(8, m.AreaNrFree(dma.Index, 10));
        Assert.Equal(2, m.AreaNrFree(mov.Index, 10));
        Assert.Equal(4 * Pb, (ulong)mov.NrFreePages);
        InvariantChecker.Check(m);
    }

    // shrink_zone_span() after offlining DMA's last memory block [0x1f000, 0x20000) (16 MiB blocks and sections here).
    // A DMB occupies the pageblock just below, [0x1ee00, 0x1f000). find_biggest_section_pfn() probes one pfn per
    // PAGES_PER_SUBSECTION (512) going down from 0x1efff: page_zone(0x1efff) is ZONE_MOVABLE → continue; 0x1edff is
    // DMA → zone_end_pfn = 0x1ee00. DMA becomes [0x10000, 0x1ee00) = 60,928 pages spanned. A per-section probe (the
    // pre-5.3 loop) would have gone on to 0x1efff - 4096 = 0x1dfff and cut DMA to [0x10000, 0x1e000), leaving DMA's
    // pages [0x1e000, 0x1ee00) outside its own span.
    [Fact]
    public void ShrinkZoneSpanProbesEverySubsection()
    {
        Machine m = Interleaved(0x10000, 0x20000, 0x1ee00, Pb);
        const ulong blockPages = 4096;
        var blocks = new List<MemoryBlock>();
        for (ulong i = 0x10000 / blockPages; i < 0x20000 / blockPages; i++)
        {
            // the block holding the DMB meets both zone spans: valid_zones "none" (early_node_zone_for_memory_block)
            bool both = i == 0x1e000 / blockPages;
            blocks.Add(new MemoryBlock(i, 0, [0], both ? "none" : "DMA", both ? null : ZoneType.Dma));
        }
        using var hp = new MemoryHotplug(m, blocks, blockPages, blockPages, new HotplugConfig());
        HotplugResult r = hp.Offline(0x1f000 / blockPages);
        Assert.True(r.Errno == 0, string.Join("; ", r.Messages));
        Zone dma = ZoneOf(m, ZoneType.Dma);
        Assert.Equal((0x10000UL, 0xee00UL), (dma.StartPfn, dma.SpannedPages));
        // every DMA page is still inside DMA's span (zone_spans_pfn holds for each page_zone()==DMA page)
        for (ulong pfn = 0x10000; pfn < 0x1f000; pfn += 64)
        {
            if (m.ZoneIndexOf(pfn) == dma.Index)
            {
                Assert.True(pfn >= dma.StartPfn && pfn < dma.EndPfn, $"DMA pfn {pfn:x} outside DMA's span");
            }
        }
        // the block with the DMB cannot be offlined at all: memory_block_offline() returns -EINVAL for !mem->zone
        Assert.NotEqual(0, hp.Offline(0x1e000 / blockPages).Errno);
    }

    // alloc_contig_pages(1024, GFP, nid) on DMA [0x10000, 0x14000) with a DMB at [0x10200, 0x10400): the first
    // nr_pages-aligned window [0x10000, 0x10400) holds ZONE_MOVABLE pages, so pfn_range_valid_contig() fails at
    // "page_zone(page) != z"; the next window [0x10400, 0x10800) is all DMA and free → 0x10400.
    [Fact]
    public void AllocContigPagesRefusesAWindowHoldingAnotherZonesPages()
    {
        using Machine m = Interleaved(0x10000, 0x14000, 0x10200, Pb);
        var contig = new ContigRangeAllocator(m);
        ulong? pfn = contig.AllocContigPages(1024, 0, ZoneType.Dma, out _);
        Assert.Equal(0x10400UL, pfn);
    }

    // __free_one_page() works on page_zone(page)'s free lists, and page_is_buddy() refuses a buddy with another
    // page_zone_id(). DMA [0x10000, 0x11000) (4,096 pages: enough that page_group_by_mobility_disabled stays off, which
    // needs pageblock_nr_pages * MIGRATE_TYPES = 3,072) with the DMB [0x10200, 0x10400). Freeing every page gives DMA
    // [0x10000, 0x10200) as an order-9 block (its order-9 buddy is the DMB), [0x10400, 0x10800) and [0x10800, 0x11000)
    // as three order-10 blocks, 3,584 free pages; ZONE_MOVABLE one order-9 block of 512. A merge that looked only at
    // the buddy's PageBuddy and order would have made [0x10000, 0x10400) one order-10 block across the two zones.
    [Fact]
    public void FreeingMergesOnlyWithinPageZone()
    {
        using Machine m = Interleaved(0x10000, 0x11000, 0x10200, Pb);
        Zone dma = ZoneOf(m, ZoneType.Dma), mov = ZoneOf(m, ZoneType.Movable);
        FillWithFilePages(m);
        Assert.Equal(0, dma.NrFreePages + mov.NrFreePages);
        FreeRange(m, 0x10000, 0x11000);
        Assert.Equal(Pb, (ulong)mov.NrFreePages);
        Assert.Equal(1, m.AreaNrFree(mov.Index, 9));
        Assert.Equal(3584, dma.NrFreePages);
        Assert.Equal(1, m.AreaNrFree(dma.Index, 9));
        Assert.Equal(3, m.AreaNrFree(dma.Index, 10));
        InvariantChecker.Check(m);
    }

    // cma_alloc() → alloc_contig_range() on ZONE_CMA v7 with two areas: ZONE_CMA spans [0x80000, 0x124000) over DMA
    // and Normal pages. cc.zone = page_zone(pfn_to_page(start)) = ZONE_CMA, and the range walk
    // (isolate_migratepages_range over [start, end)) only meets that area's pages: the DMA pages between the areas,
    // which ZONE_CMA's span covers, are never isolated or migrated.
    [Fact]
    public void CmaAllocRangeWalkStaysInsideTheAreaOfAnOverlappingZoneCma()
    {
        BootLayout l = new LayoutBuilder().ForArm64(4UL << 30).WithCommandLine("cma=0").Build();
        PfnRange[] areas = [new(0x80000, 0x84000), new(0x120000, 0x124000)];
        List<ZoneSpec> zones = DesignZones.Relink(l, areas, ZoneType.Cma);
        using var m = new Machine(new MachineSpec(zones) { MaxNrZones = ZoneTypes.Count, MovableHighmemZone = ZoneType.Cma, DebugChecks = false });
        m.MaterializeAll();
        Zone cma = ZoneOf(m, ZoneType.Cma);
        Assert.True(cma.StartPfn <= 0x90000 && 0x90000 < cma.EndPfn); // a DMA pfn inside ZONE_CMA's span
        // fill ZONE_CMA (first in GFP_HIGHUSER_MOVABLE's zonelist, no watermarks) and 7,232 pages of the next zone
        for (int i = 0; i < 40000; i++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable | GfpFlags.Memalloc, use: PageUse.File).Success);
        }
        var dmaBetween = new List<(ulong Pfn, bool Allocated)>();
        for (ulong pfn = 0x84000; pfn < 0x120000; pfn += 97)
        {
            dmaBetween.Add((pfn, m.IsAllocatedHead(pfn, out _)));
        }
        ContigResult r = new ContigRangeAllocator(m).AllocContigRange(0x80000, 0x84000, Machine.IsolationMode.Cma);
        Assert.True(r.Success);
        foreach ((ulong pfn, bool allocated) in dmaBetween)
        {
            Assert.Equal(allocated, m.IsAllocatedHead(pfn, out _));
        }
        // the area's 16,384 pages were all in use (ZONE_CMA is filled first) and left it
        // clean page-cache pages are dropped (reclaim_clean_pages_from_list), the rest migrated: together all 16,384
        Assert.Equal(16384, r.Work.Migrated + r.Work.Discarded);
        Assert.All(Enumerable.Range(0, 64).Select(k => 0x80000UL + (ulong)k * 256), p => Assert.Equal(cma.Index, m.ZoneIndexOf(p)));
    }
}
