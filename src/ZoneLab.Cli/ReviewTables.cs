using System.Globalization;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// The compare report's tables for the review questions of issue 13 (docs/seed-questions.md): the device areas at
/// the end of the run (sticky-movable against the other designs), reclaim per zone and LRU order.
/// </summary>
internal static class ReviewTables
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>The tables that have data for at least one design, in report order.</summary>
    public static IEnumerable<ReportTable> Build(List<DesignReport> ran)
    {
        if (ran.Exists(d => d.Areas is { Pageblocks: > 0 }))
        {
            yield return Areas(ran);
        }
    }

    private static ReportTable Areas(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            if (d.Areas is not { Pageblocks: > 0 } a)
            {
                continue;
            }

            string types = string.Join(", ", a.ByMigratetype.Select(kv => $"{kv.Key} {kv.Value.ToString(s_inv)}"));
            rows.Add([d.Design, a.Pageblocks.ToString(s_inv), types, a.Polluted.ToString(s_inv), a.UnmovablePages.ToString(s_inv),
                a.StickySteals.ToString(s_inv)]);
        }

        return new ReportTable("device areas at the end of the run",
            "The device areas' pageblocks when the run ends: their migratetypes (get_pfnblock_migratetype), how many hold a page "
            + "of an unmovable (non-LRU) allocation other than the device's own buffers, and those pages — has_unmovable_pages() "
            + "refuses such a MIGRATE_MOVABLE range, so cma_alloc() fails there. sticky steals: unmovable/reclaimable fallbacks "
            + "served from a sticky MIGRATE_MOVABLE pageblock without retyping it (sticky-movable only; the kernel would have "
            + "claimed the block in steal_suitable_fallback).",
            ["design", "pageblocks", "migratetypes", "with kernel pages", "kernel pages", "sticky steals"], rows);
    }
}
