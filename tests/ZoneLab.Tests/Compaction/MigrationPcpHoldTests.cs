using ZoneLab.Allocator;
using ZoneLab.Compaction;

namespace ZoneLab.Tests.Compaction;

/// <summary>
/// The pages compaction migrates away from are freed to the CPU's per-cpu list (6.1 mm/migrate.c migrate_folio_done →
/// folio_put → free_unref_page), not to the buddy lists, so they leave NR_FREE_PAGES while every target taken by
/// __isolate_free_page (mm/page_alloc.c) lowers it: an order -1 run (proactive_compact_node) never drains the list and
/// ends COMPACT_CONTENDED once the zone is at min + 1.
/// </summary>
public class MigrationPcpHoldTests
{
    [Fact]
    public void ProactiveRunEndsContendedWhenTheTargetsTakeTheZoneToMin()
    {
        // DMA32 [4096, 16384) full of page cache; watermarks set by hand: min 200, low 250, high 300.
        // 300 free order-0 pages at the even pfns from the top down (16382, 16380, ...): extfrag_for_order(9) = 100,
        // so the proactive run's score never reaches the low mark (80) and only the watermark can stop it.
        // pcp high: zone_highsize = low / 1 CPU = 250 (batch = zone_batchsize(12288 managed) = 3, 4 batches = 12),
        // ZONE_RECLAIM_ACTIVE clear -> nr_pcp_high 250, so the held sources (< 250) are never bulk-freed.
        // __isolate_free_page(order 0): zone_watermark_ok(min + 1) needs NR_FREE_PAGES > 201, i.e. >= 202 before the
        // isolation. Each isolation lowers NR_FREE_PAGES by 1 and the migrated source goes to the pcp list, not back:
        // isolations at 300, 299, ..., 202 -> 99 targets, 99 pages moved (batches of 32, 32, 32, then 3 of the
        // fourth), then compaction_alloc returns NULL, migrate_pages -ENOMEM before the scanners met:
        // COMPACT_CONTENDED. (Without the pcp, every moved source came back to the buddy lists and the run went on.)
        (Machine m, _) = FullDma32Machine.Create(PageUse.File);
        Zone z = m.Zones[1];
        z.Watermarks.SetRawMark(WatermarkIndex.Min, 200);
        z.Watermarks.SetRawMark(WatermarkIndex.Low, 250);
        z.Watermarks.SetRawMark(WatermarkIndex.High, 300);
        for (ulong pfn = 16382; pfn > 16382 - 600; pfn -= 2)
        {
            m.Free(pfn, 0);
        }

        Assert.Equal(300, z.NrFreePages);
        var c = new Compactor(m);
        CompactResult r = c.CompactZone(z, -1, (int)z.Type, MigrateType.Movable, sync: true, daemon: true, proactive: true);

        Assert.Equal(CompactResult.Contended, r);
        Assert.Equal(99, m.Event(VmEvent.PgmigrateSuccess));
        // the engine gives the held pages back when the run ends: all 300 free again, nothing left held
        Assert.Equal(300, z.NrFreePages);
        Assert.Equal(0, m.MigrationHeldCount);
        InvariantChecker.Check(m);
    }
}
