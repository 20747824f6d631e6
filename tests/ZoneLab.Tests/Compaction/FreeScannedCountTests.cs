using ZoneLab.Allocator;
using ZoneLab.Compaction;

namespace ZoneLab.Tests.Compaction;

/// <summary>
/// compact_free_scanned as 6.1's isolate_freepages_block counts it: one per pfn the loop stops at, plus
/// <c>isolated - 1</c> for a free page it isolates ("nr_scanned += isolated - 1"), so an isolated order-n page counts
/// 2^n; derived by hand on a small machine.
/// </summary>
public class FreeScannedCountTests
{
    private const ulong Z = 4096; // DMA32 [4096, 16384): pageblocks B0..B23

    [Fact]
    public void AnIsolatedFreePageCountsEveryPfnItCovers()
    {
        // DMA32 all movable page cache except B23's pfns 0..31 and 64..127, freed in ascending order into an
        // order-5 page at B23+0 and an order-6 page at B23+64 (96 free pages); watermarks 0. __isolate_free_page
        // checks zone_watermark_ok(order 0, min 0 + 2^order), which wants more free pages than that (free > mark).
        // compact_node: order -1, MIGRATE_SYNC (stride 1), ignore_skip_hint, whole zone; no fast search (order <= 0).
        // Batch 1: isolate_migratepages_block(B0) isolates offsets 0..31 (32 scanned) and stops at
        //   COMPACT_CLUSTER_MAX. compaction_alloc -> isolate_freepages from B23 (MOVABLE, first page a buddy of
        //   order 5 < 9): B23+0 is a buddy of order 5 (96 > 0 + 32): scanned 1, isolated 32, nr_scanned += 32 - 1;
        //   32 >= nr_migratepages stops the block at B23+32: 32 scanned. 32 migrated (free pages still 96).
        // Batch 2: the migrate scanner is back in the block of the last migration (cc->rescan): offsets 32..511 are
        //   isolated at once (480 scanned; migrate_pfn = B1, so the free scanner's low_pfn is pageblock_end_pfn(B1)
        //   = B2). isolate_freepages from B23+32: pfns 32..63 page cache (32 scanned), B23+64 an order-6 buddy
        //   (96 > 0 + 64): 1 + 63 scanned, 64 isolated, then 384 page-cache pfns: 480 scanned, 64 < 480 targets.
        //   Each later block is page cache; the stride is 1 after a block that isolated something and doubles after
        //   one that did not, up to COMPACT_CLUSTER_MAX: B22 512, B21 256, B20 128, B19 64, B18 32, B17 .. B2 16
        //   each (16 blocks). free_pfn = B1. 64 pages migrated; the next compaction_alloc finds no block between
        //   free_pfn and low_pfn: -ENOMEM (one page failed) with the scanners met, COMPACT_COMPLETE.
        // compact_free_scanned = 32 + 480 + 512 + 256 + 128 + 64 + 32 + 16 * 16 = 1760 (1666 if an isolated page
        // counted once); compact_migrate_scanned = 32 + 480.
        (Machine m, List<ulong> pages) = FullDma32Machine.Create(PageUse.File);

        Assert.Equal(12288, pages.Count);
        pages.Sort();
        foreach (ulong p in pages.Where(p => p >= Z + (23 * 512) && (p < Z + (23 * 512) + 32 || (p >= Z + (23 * 512) + 64 && p < Z + (23 * 512) + 128))))
        {
            m.Free(p, 0);
        }

        Assert.True(m.IsFreeHead(Z + (23 * 512), out int o) && o == 5);
        Assert.True(m.IsFreeHead(Z + (23 * 512) + 64, out o) && o == 6);
        m.Zones[1].Watermarks.SetRawMark(WatermarkIndex.Min, 0);
        m.Zones[1].Watermarks.SetRawMark(WatermarkIndex.Low, 0);
        new Compactor(m).CompactNode(0);
        Assert.Equal(32 + 480 + 512 + 256 + 128 + 64 + 32 + (16 * 16), m.Event(VmEvent.CompactFreeScanned));
        Assert.Equal(32 + 480, m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(96, m.Event(VmEvent.PgmigrateSuccess));
        Assert.Equal(1, m.Event(VmEvent.PgmigrateFail));
        InvariantChecker.Check(m);
    }
}
