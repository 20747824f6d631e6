using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Compaction;

/// <summary>
/// kcompactd_do_work's compact_control (6.1 mm/compaction.c) has <c>.gfp_mask = GFP_KERNEL</c>, so compact_zone's
/// <c>cc->migratetype = gfp_migratetype(cc->gfp_mask)</c> is MIGRATE_UNMOVABLE, and __compact_finished looks for a
/// free block of the order in the unmovable list or in a list it may claim from (find_suitable_fallback with
/// only_stealable), never in MIGRATE_CMA (only a MIGRATE_MOVABLE request may use CMA there). Derived by hand.
/// </summary>
public class KcompactdMigratetypeTests
{
    [Fact]
    public void AFreeCmaPageblockDoesNotEndKcompactdsRun()
    {
        // DMA32 [4096, 16384) = pageblocks B0..B23; B23 = [15872, 16384) is a CMA area. Everything is allocated as
        // page cache (__GFP_MEMALLOC ignores the watermarks, and a movable request may take CMA pages), then every
        // even pfn of B0..B22 is freed (256 free order-0 pages and 256 LRU pages each, none able to merge) and all
        // of B23, which merges into one free order-9 page on the MIGRATE_CMA list.
        var spec = new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 16384)]) { Cma = [new PfnRange(15872, 16384)] };
        var m = new Machine(spec);
        var pages = new List<ulong>();
        AllocResult r;
        while ((r = m.Allocate(0, Gfp.HighUserMovable | GfpFlags.Memalloc, use: PageUse.File)).Success)
        {
            pages.Add(r.Pfn);
        }

        Assert.Equal(12288, pages.Count);
        foreach (ulong p in pages.Where(p => p >= 15872 || (p & 1) == 0))
        {
            m.Free(p, 0);
        }

        int zi = m.ZoneIndexOf(15872);
        Assert.Equal(1, m.FreeCount(zi, 9, MigrateType.Cma));
        Assert.Equal(5888, m.FreeCount(zi, 0, MigrateType.Movable)); // 23 pageblocks x 256 holes
        Assert.Equal(0, m.AreaNrFree(zi, 10));

        // kcompactd_do_work(order 9): compaction_suitable(zone, 9, alloc_flags 0) is COMPACT_CONTINUE. Its
        // zone_watermark_ok at order 9 has no ALLOC_CMA, so the CMA page is neither usable free memory nor a free
        // block of the order; the order-0 check with ALLOC_CMA passes (6400 free); fragmentation_index is -1000
        // (a suitable block exists), not in 0..extfrag_threshold.
        // __compact_finished with MIGRATE_UNMOVABLE: no free block of order 9 or 10 in the unmovable, movable or
        // reclaimable lists, so the run goes on. The migrate scanner isolates B0's 256 LRU pages (odd pfns),
        // 32 at a time. The free scanner starts at B23, which suitable_migration_target refuses (a free page of
        // pageblock order or more), and takes its targets from B22's 256 free order-0 pages. Once B0's last page has
        // left, B0 is free and merges into an order-9 page of its own type (MOVABLE); at the next pageblock-aligned
        // check that is a block the unmovable request may claim (can_steal_fallback: order >= pageblock_order / 2),
        // so the run ends COMPACT_SUCCESS with 256 pages migrated: B0's 256 holes merged away, B22's 256 filled.
        // With MIGRATE_MOVABLE (a movable allocation's type) the free CMA page ends the run at its first check,
        // before anything is scanned or migrated.
        var c = new Compactor(m);
        c.Kcompactd(0, 9, (int)ZoneType.Dma32);

        Assert.Equal(1, m.Event(VmEvent.CompactDaemonWake));
        Assert.Equal(256, m.Event(VmEvent.PgmigrateSuccess));
        Assert.Equal(1, m.FreeCount(zi, 9, MigrateType.Movable));
        Assert.Equal(1, m.FreeCount(zi, 9, MigrateType.Cma));
        Assert.Equal(5888 - 256 - 256, m.FreeCount(zi, 0, MigrateType.Movable));
        InvariantChecker.Check(m);
    }
}
