using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Compaction;

/// <summary>The compaction scanners' walk and counters against mm/compaction.c (6.1), derived by hand.</summary>
public class CompactionScannerTests
{
    // DMA32 [4096, 16384) (24 pageblocks) filled with movable order-0 page cache (__GFP_MEMALLOC ignores the
    // watermarks), then every even pfn freed: each pageblock holds 256 allocated LRU pages and 256 free order-0 pages.
    private static Machine HalfFreeDma32()
    {
        (Machine m, List<ulong> pages) = FullDma32Machine.CreateEvenPfnsFreed(PageUse.File);

        Assert.Equal(12288, pages.Count);

        return m;
    }

    [Fact]
    public void KcompactdScansAreCountedInBothTheGeneralAndTheDaemonCounters()
    {
        // compact_zone adds cc->total_migrate_scanned to COMPACTMIGRATE_SCANNED whoever called it;
        // kcompactd_do_work then adds the same totals to KCOMPACTD_MIGRATE_SCANNED / KCOMPACTD_FREE_SCANNED.
        Machine m = HalfFreeDma32();
        var c = new Compactor(m);
        c.Kcompactd(0, 3, 1);
        Assert.Equal(1, m.Event(VmEvent.CompactDaemonWake));
        Assert.True(m.Event(VmEvent.CompactDaemonMigrateScanned) > 0);
        Assert.Equal(m.Event(VmEvent.CompactDaemonMigrateScanned), m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(m.Event(VmEvent.CompactDaemonFreeScanned), m.Event(VmEvent.CompactFreeScanned));
        InvariantChecker.Check(m);
    }

    // DMA32 [4096, 16384) = pageblocks B0..B23 (indices from the zone start, which is pageblock aligned), filled with
    // movable order-0 page cache, then the pfns chosen by freeIt freed. No per-cpu lists: frees reach the buddy lists.
    private static Machine Dma32Freeing(Func<int, bool> freeIt)
    {
        (Machine m, List<ulong> pages) = FullDma32Machine.Create(PageUse.File);
        Assert.False(m.PerCpuLists);

        Assert.Equal(12288, pages.Count);
        foreach (ulong p in pages.Where(p => freeIt((int)(p - 4096))))
        {
            m.Free(p, 0);
        }

        // take __isolate_free_page's min-watermark check out of the derivations below
        m.Zones[1].Watermarks.SetRawMark(WatermarkIndex.Min, 0);
        return m;
    }

    [Fact]
    public void CompactionAllocHandsOutTheIsolatedPagesFromTheHighestPfnDown()
    {
        // B0: everything free but pfn 1 (page cache); B1..B22 free; B23 page cache but its last four pfns, a free
        // order-2 page at 11776 + 508. compact_node (order -1, MIGRATE_SYNC):
        // 1. isolate_migratepages_block(B0) isolates pfn 1, the only LRU page, and reaches the block end.
        // 2. migrate_pages → compaction_alloc → isolate_freepages from B23: isolate_freepages_block probes pfns 0..507
        //    of B23 (allocated) and isolates the order-2 page at 508; nr_freepages 4 >= nr_migratepages 1 ends it.
        //    split_map_pages list_add()s the four order-0 pages 508, 509, 510, 511 to the head of a new list, so the
        //    list runs 511, 510, 509, 508 and compaction_alloc takes its first entry: pfn 511 receives the page.
        // 3. The migrate scanner finds nothing more in B1..B21 (free pages) and the scanners meet; release_freepages
        //    frees 510, 509, 508, which merge into an order-1 page at 508 and an order-0 page at 510 (511 is in use).
        const ulong b23 = FullDma32Machine.FirstPfn + (23 * 512);
        Machine m = Dma32Freeing(i => (i < 512 && i != 1) || (i >= 512 && i < 23 * 512) || i >= (23 * 512) + 508);
        Assert.True(m.IsFreeHead(b23 + 508, out int o) && o == 2);
        var c = new Compactor(m);
        c.CompactNode(0);
        Assert.Equal(1, m.Event(VmEvent.PgmigrateSuccess));
        Assert.True(m.IsAllocatedHead(b23 + 511, out o) && o == 0);
        Assert.True(m.IsFreeHead(b23 + 508, out o) && o == 1);
        Assert.True(m.IsFreeHead(b23 + 510, out o) && o == 0);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void FreeScannerLeavesFreePageblocksAloneAndWidensItsStrideOverEmptyBlocks()
    {
        // B0: odd pfns page cache, even pfns free. B1..B23 wholly free: B1 is a free order-9 page (its buddy B0 is not
        // free), B2..B23 eleven free order-10 pages (heads at B2, B4, .., B22). compact_node (order -1, MIGRATE_SYNC,
        // ignore_skip_hint, whole_zone):
        // 1. isolate_migratepages_block(B0): pfn 0 free (1 scanned), pfn 1 isolated, ..; the 32nd isolation is pfn 63,
        //    COMPACT_CLUSTER_MAX stops the block at pfn 64: 64 scanned.
        // 2. isolate_freepages for 32 targets from B23 down to pageblock_end_pfn(64) = B1:
        //    suitable_migration_target refuses B22, B20, .., B2 (a free order-10 head) and B1 (free order 9): not scanned.
        //    The odd blocks are tails of a free order-10 page, movable, probed with stride 1, 2, 4, .., 32 (doubled
        //    after each block without isolation): B23 512, B21 256, B19 128, B17 64, B15 32, B13..B3 16 each (6 blocks)
        //    = 1088 scanned, nothing isolated. The free scanner ends below the migrate scanner.
        // 3. compaction_alloc fails: migrate_pages counts the first page as failed (-ENOMEM: nr_failed_pages += 1) and
        //    the batch goes back; compact_finished: scanners met.
        Machine m = Dma32Freeing(i => i >= 512 || (i & 1) == 0);
        Assert.Equal(1, m.AreaNrFree(1, 9));
        Assert.Equal(11, m.AreaNrFree(1, 10));
        var c = new Compactor(m);
        c.CompactNode(0);
        Assert.Equal(64, m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(1088, m.Event(VmEvent.CompactFreeScanned));
        Assert.Equal(0, m.Event(VmEvent.PgmigrateSuccess));
        Assert.Equal(1, m.Event(VmEvent.PgmigrateFail));
        Assert.Equal(1, m.AreaNrFree(1, 9));
        Assert.Equal(11, m.AreaNrFree(1, 10));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void BatchesOf32ThenTheRestOfTheBlockAndOnlyAsManyTargetsAsTheBatchNeeds()
    {
        // Everything page cache except the even pfns of B0 and B23. compact_node:
        // 1. B0: 32 isolated (pfns 1..63), 64 scanned. Free scanner from B23: isolate_freepages_block takes the free
        //    pages at 0, 2, .., 62 and stops when nr_freepages reaches nr_migratepages: pfns 0..62 probed, 63 scanned.
        //    32 pages migrated.
        // 2. B0 again: last_migrated_pfn is in this block, so cc->rescan lifts the 32 limit: pfns 64..511, 224
        //    isolated, 448 scanned. Free scanner resumes at B23 + 63: pfns 63..510, 448 scanned, 224 isolated; 224
        //    migrated. B0 is now a free order-9 page.
        // 3. B1 (all page cache): 32 isolated at 512..543, 32 scanned. Free scanner: B23 + 511 (1 scanned, block done,
        //    stride 1 -> 2), B22 256 probes, B21 128, B20 64, B19 32, B18..B2 16 each (17 blocks) = 753 scanned, down
        //    to pageblock_end_pfn(544) = B2; no target: -ENOMEM (one page counted failed), the 32 go back, the
        //    scanners met.
        // Totals: migrate 64 + 448 + 32 = 544, free 63 + 448 + 753 = 1264, pgmigrate_success 256, pgmigrate_fail 1.
        Machine m = Dma32Freeing(i => (i < 512 || i >= 23 * 512) && (i & 1) == 0);
        var c = new Compactor(m);
        c.CompactNode(0);
        Assert.Equal(544, m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(1264, m.Event(VmEvent.CompactFreeScanned));
        Assert.Equal(256, m.Event(VmEvent.PgmigrateSuccess));
        Assert.Equal(1, m.Event(VmEvent.PgmigrateFail));
        Assert.Equal(1, m.AreaNrFree(1, 9));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void DirectCompactionSkippedInEveryZoneIsNotAStall()
    {
        // A zone full of page cache: compaction_suitable's order-0 check (min 0 + compact_gap(3) = 16 free pages)
        // fails, compact_zone returns COMPACT_SKIPPED, and __alloc_pages_direct_compact returns before
        // count_vm_event(COMPACTSTALL): neither a stall nor a failure is counted.
        Machine full = Dma32Freeing(_ => false);
        Assert.False(new Compactor(full).TryToCompactPages(0, 3, Gfp.HighUserMovable, 1, MigrateType.Movable));
        Assert.Equal(0, full.Event(VmEvent.CompactStall));
        Assert.Equal(0, full.Event(VmEvent.CompactFail));

        // Half free: the zone is compacted and an order-3 page appears: one stall, one success.
        Machine half = Dma32Freeing(i => (i & 1) == 0);
        Assert.True(new Compactor(half).TryToCompactPages(0, 3, Gfp.HighUserMovable, 1, MigrateType.Movable));
        Assert.Equal(1, half.Event(VmEvent.CompactStall));
        Assert.Equal(1, half.Event(VmEvent.CompactSuccess));
        Assert.Equal(0, half.Event(VmEvent.CompactFail));
    }

    [Fact]
    public void ThisNodeDirectCompactionLooksOnlyAtTheNodesOwnZones()
    {
        // Node 0 DMA32 [4096, 8192) filled with page cache (__GFP_MEMALLOC | __GFP_THISNODE); node 1 (DMA32 and
        // Normal) wholly free. try_to_compact_pages walks ac->zonelist, which node_zonelist() makes ZONELIST_NOFALLBACK
        // for __GFP_THISNODE: only node 0's DMA32, 0 free pages, compaction_suitable says COMPACT_SKIPPED: false, no
        // stall counted. Without __GFP_THISNODE the fallback list goes on to node 1's Normal, whose free order-10 pages
        // pass zone_watermark_ok at order 9: compact_zone returns COMPACT_SUCCESS at once: true, one stall, one success.
        var m = new Machine(new MachineSpec(
        [
            MachineSpec.Zone(0, ZoneLab.Layout.ZoneType.Dma32, 4096, 8192),
            MachineSpec.Zone(1, ZoneLab.Layout.ZoneType.Dma32, 8192, 12288),
            MachineSpec.Zone(1, ZoneLab.Layout.ZoneType.Normal, 12288, 16384),
        ]));
        int filled = 0;
        while (m.Allocate(0, Gfp.HighUserMovable | GfpFlags.Memalloc | GfpFlags.ThisNode, 0, PageUse.File).Success)
        {
            filled++;
        }

        Assert.Equal(4096, filled);
        var c = new Compactor(m);
        int normal = (int)ZoneLab.Layout.ZoneType.Normal;
        Assert.False(c.TryToCompactPages(0, 9, Gfp.HighUserMovable | GfpFlags.ThisNode, normal, MigrateType.Movable));
        Assert.Equal(0, m.Event(VmEvent.CompactStall));
        Assert.True(c.TryToCompactPages(0, 9, Gfp.HighUserMovable, normal, MigrateType.Movable));
        Assert.Equal(1, m.Event(VmEvent.CompactStall));
        Assert.Equal(1, m.Event(VmEvent.CompactSuccess));
    }
}
