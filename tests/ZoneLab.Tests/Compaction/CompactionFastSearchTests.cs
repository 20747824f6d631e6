using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Compaction;

/// <summary>
/// fast_find_migrateblock, fast_isolate_freepages, the -ENOMEM ending and proactive compaction's deferral against
/// mm/compaction.c as Debian's 6.1.y runs it, derived by hand on small machines.
/// </summary>
public class CompactionFastSearchTests
{
    private const ulong Z = 4096; // DMA32 [4096, 16384): pageblocks B0..B23, offsets below are from the zone start

    // DMA32 filled with movable order-0 page cache, then the offsets chosen by freeIt freed in ascending order,
    // with the zone's min and low watermarks at 0 (compaction_suitable and __isolate_free_page out of the way).
    private static Machine Dma32(Func<int, bool> freeIt)
    {
        (Machine m, List<ulong> pages) = FullDma32Machine.Create(PageUse.File);

        Assert.Equal(12288, pages.Count);
        pages.Sort();
        foreach (ulong p in pages.Where(p => freeIt((int)(p - Z))))
        {
            m.Free(p, 0);
        }

        m.Zones[1].Watermarks.SetRawMark(WatermarkIndex.Min, 0);
        m.Zones[1].Watermarks.SetRawMark(WatermarkIndex.Low, 0);
        return m;
    }

    [Fact]
    public void KcompactdFindsSourceAndTargetOnTheFreeListsAndGivesUpTheFastFoundBlock()
    {
        // Free: B1 offsets 512..519 (an order-3 page), and in B20..B23 every offset but the block's last (511):
        // per block free pages of order 8, 7, .., 0 at +0, +256, +384, +448, +480, +496, +504, +508, +510 (511
        // pages), 2052 free pages in all, no free page of order 9. List order (__free_one_page, buddy_merge_likely):
        // an order-8 page's order-9 buddy is not free, so each goes to the head: order 8 = B23, B22, B21, B20.
        // The orders 7..0 pages have their lower sibling free one order up, so they go to the tail; B1's order-3
        // page (its order-4 buddy is page cache) went to the head first: order 3 = 512, B20, B21, B22, B23.
        // kcompactd_do_work(order 9): compaction_suitable: no order-9 page, 2052 > low 0 + compact_gap 1024,
        // fragmentation_index = 1000 - (1000 + 2052 * 1000 / 512) / 37 = 865 > 500: COMPACT_CONTINUE.
        // 1. fast_find_migrateblock (migrate_pfn at the zone start): high_pfn = pageblock_start(11776 / 2) = 5632,
        //    limit 33. Orders 8..4 hold 4 entries each, all above high_pfn (20 scanned); order 3 head 512 < 5632,
        //    not skipped: found (21 scanned), rotated to the tail, B1 marked skip. isolate_migratepages_block(512):
        //    the aligned first pfn's block is marked skip: given up, 1 scanned, migrate_pfn = 1024. Total 22.
        // 2. fast_find_migrateblock at 1024: distance = (11776 - 1024) / 2 / 4 = 1344, high_pfn = 2048. 20 entries
        //    of orders 8..4, then order 3 B20..B23 and 512 (skipped block): 25 scanned, not found:
        //    fast_search_fail = 1, reinit_migrate_pfn goes back to fast_start_pfn 512. B1 is marked skip, B2 is
        //    isolated: 32 pages (1024..1055), 32 scanned. Total 22 + 25 + 32 = 79.
        //    compaction_alloc -> fast_isolate_freepages: scan start (compact_init_free_pfn is 0): limit 256;
        //    distance 11776 - 1056, low_pfn = pageblock_start(9096) = 8704; search from order 8: the tail B20
        //    (10240) >= low_pfn: 1 scanned, its order-8 page isolated (256 targets; nr_scanned += 256 - 1: 256
        //    scanned). 32 migrated.
        // 3. rescan (the last iteration started in B2): 1056..1535 isolated at once, 480 scanned (total 559).
        //    224 targets left; then fast_isolate_freepages: low_pfn = pageblock_start(11776 - 10240 / 4) = 9216, the
        //    order-8 tail is now B21 (B20 was rotated to the head and isolated): found, 256 isolated (256 scanned);
        //    fast_isolate_around scans B21 from its start (6.1): the 256 pfns of the page just isolated are no longer
        //    buddy pages (one scanned each), then +256 (order 7, 128), +384 (order 6, 64), +448 (order 5, 32): 480
        //    free pages, 256 + 128 + 64 + 32 = 480 scanned (an isolated page counts every pfn it covers,
        //    isolate_freepages_block's "nr_scanned += isolated - 1"). 480 migrated: B2 is a free order-9 page.
        // 4. compact_finished: an order-9 MOVABLE page: COMPACT_SUCCESS. B0 was never scanned.
        Machine m = Dma32(i => i is >= 512 and < 520 || (i >= 20 * 512 && (i & 511) != 511));
        Assert.Equal(new ulong[] { Z + 512, Z + 10240 + 496, Z + 10752 + 496, Z + 11264 + 496, Z + 11776 + 496 }, m.FreeListPfns(1, 3, MigrateType.Movable));
        Assert.Equal(new ulong[] { Z + 11776, Z + 11264, Z + 10752, Z + 10240 }, m.FreeListPfns(1, 8, MigrateType.Movable));
        var c = new Compactor(m);
        c.Kcompactd(0, 9, 1);
        Assert.Equal(559, m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(256 + 256 + 480, m.Event(VmEvent.CompactFreeScanned));
        Assert.Equal(559, m.Event(VmEvent.CompactDaemonMigrateScanned));
        Assert.Equal(512, m.Event(VmEvent.PgmigrateSuccess));
        Assert.Equal(0, m.Event(VmEvent.PgmigrateFail));
        Assert.True(m.IsFreeHead(Z + 1024, out int o) && o == 9);
        Assert.False(m.IsFreeHead(Z, out _));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void NoTargetBeforeTheScannersMeetEndsTheRunContended()
    {
        // Everything page cache except the even offsets of B0 and B23 (512 free pages), watermarks 600/700/800.
        // compact_node (order -1, MIGRATE_SYNC, ignore_skip_hint): B0 gives 32 pages (offsets 1..63, 64 scanned).
        // isolate_freepages_block(B23): offset 11776 is free, but __isolate_free_page refuses it (512 free pages
        // are not above min 600 + 1): 1 scanned, the block stopped early, no target. migrate_pages returns -ENOMEM
        // (the first page counted failed); the free scanner (B23) has not met the migrate scanner (B0), so
        // compact_zone ends COMPACT_CONTENDED: no second batch, no further scanning.
        Machine m = Dma32(i => (i < 512 || i >= 23 * 512) && (i & 1) == 0);
        m.Zones[1].Watermarks.SetRawMark(WatermarkIndex.Min, 600);
        m.Zones[1].Watermarks.SetRawMark(WatermarkIndex.Low, 700);
        m.Zones[1].Watermarks.SetRawMark(WatermarkIndex.High, 800);
        new Compactor(m).CompactNode(0);
        Assert.Equal(64, m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(1, m.Event(VmEvent.CompactFreeScanned));
        Assert.Equal(0, m.Event(VmEvent.PgmigrateSuccess));
        Assert.Equal(1, m.Event(VmEvent.PgmigrateFail));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void ProactiveCompactionWithoutProgressWaitsSixtyFourPeriodsAndIsNotAKcompactdWake()
    {
        // Movable pageblocks full of pages no scanner can isolate (kernel memory, not on an LRU), every even pfn
        // freed: extfrag_for_order(9) = 100, node score 12288 * 100 / 12289 = 99 > 90. proactive_compact_node: the
        // migrate scanner walks B0..B22 (23 x 512 pfns, nothing isolated, so the free scanner never runs) and meets
        // the free scanner at B23; the score stays 99 >= 99, so kcompactd's next timeout is
        // default_timeout << COMPACT_MAX_DEFER_SHIFT = 64 periods: the checks of periods 1..63 do nothing, period
        // 64 compacts again. 6.1's proactive compaction counts no KCOMPACTD_WAKE.
        (Machine m, _) = FullDma32Machine.CreateEvenPfnsFreed(PageUse.Kernel);

        var c = new Compactor(m);
        Assert.Equal(99, c.FragmentationScoreNode(0));
        Assert.True(c.ProactiveCompact(0));
        Assert.Equal(23 * 512, m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(0, m.Event(VmEvent.CompactFreeScanned));
        Assert.Equal(99, c.FragmentationScoreNode(0));
        for (int period = 1; period < 64; period++)
        {
            Assert.True(c.ShouldProactiveCompact(0));
            Assert.False(c.ProactiveCompact(0));
        }

        Assert.Equal(23 * 512, m.Event(VmEvent.CompactMigrateScanned));
        Assert.True(c.ProactiveCompact(0));
        Assert.Equal(2 * 23 * 512, m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(0, m.Event(VmEvent.CompactDaemonWake));
        Assert.Equal(0, m.Event(VmEvent.CompactDaemonMigrateScanned));
        InvariantChecker.Check(m);
    }
}
