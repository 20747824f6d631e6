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

        if (AreaSizeTable.Build(ran) is ReportTable sizes)
        {
            yield return sizes;
        }

        if (ran.Exists(d => d.ReclaimZones.Count > 0))
        {
            yield return ReclaimZones(ran);
        }

        if (ran.Exists(d => d.LruOrder is { AgedPages: > 0 }))
        {
            yield return LruOrder(ran);
        }
    }

    private static ReportTable ReclaimZones(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            foreach (ZoneReclaim z in d.ReclaimZones)
            {
                rows.Add([d.Design, $"{z.Node}/{z.Zone}", I(z.ScanKswapd), I(z.StealKswapd), I(z.ScanDirect), I(z.StealDirect), I(z.Skipped), I(z.Wasted),
                    I(z.BalanceClasszone), I(z.BalancedBy), I(z.Unbalanced)]);
            }
        }

        return new ReportTable("reclaim per zone and kswapd balancing",
            "Per zone (node/zone of the reclaimed page): pages kswapd and direct reclaim scanned (isolate_lru_folios' total_scan, "
            + "skipped pages included, as pgscan_* counts them) and reclaimed (shrink_node; the kernel keeps these per node, the "
            + "model splits them by folio_zonenum), pgskip (folios of zones above sc->reclaim_idx, spliced back to the list head), "
            + "wasted (reclaimed from movable-only memory for a request without ALLOC_CMA, which cannot use it), balance_pgdat "
            + "runs whose highest_zoneidx (classzone) is the zone, pgdat_balanced decisions of kswapd's loop that the zone ended "
            + "by meeting its high watermark (checked bottom-up), and checks in which it was eligible but below it.",
            ["design", "zone", "scan kswapd", "steal kswapd", "scan direct", "steal direct", "pgskip", "wasted", "classzone runs", "balanced by", "unbalanced"], rows);
    }

    private static ReportTable LruOrder(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            if (d.LruOrder is not { } o)
            {
                continue;
            }

            double edge = o.MedianAgeBucketEdge;
            rows.Add([d.Design, I(o.AgedPages), I(o.InvertedPages), ReportTables.Pct(o.InvertedFraction), o.MeanOlderResident.ToString("0.0", s_inv),
                double.IsPositiveInfinity(edge) ? "> 1024 s" : $"< {edge.ToString("0", s_inv)} s"]);
        }

        return new ReportTable("LRU order of reclaim",
            "Reclaimed anon/file pages, those reclaimed while an older page of the same inactive LRU list stayed resident "
            + "(an inversion: age = time since the page was added to the LRU or last activated; deactivation, migration and "
            + "isolate_lru_folios' splice of skipped folios to the list head keep it), their share, the mean number of older "
            + "pages left resident per reclaimed page, and the median age bucket of reclaimed pages (plot reclaim-age.png).",
            ["design", "reclaimed", "inverted", "inverted %", "older resident / page", "median age"], rows);
    }

    private static string I(long v) => v.ToString(s_inv);

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
            long memory = d.PresentPages;
            rows.Add([d.Design, a.Pageblocks.ToString(s_inv), memory > 0 ? ReportTables.Pct((double)d.ReservedPages / memory) : "-", types, a.Polluted.ToString(s_inv), a.UnmovablePages.ToString(s_inv),
                a.StickySteals.ToString(s_inv)]);
        }

        return new ReportTable("device areas at the end of the run",
            "The device areas' pageblocks when the run ends: their migratetypes (get_pfnblock_migratetype), how many hold a page "
            + "of an unmovable (non-LRU) allocation other than the device's own buffers, and those pages — has_unmovable_pages() "
            + "refuses such a MIGRATE_MOVABLE range, so cma_alloc() fails there. sticky steals: unmovable/reclaimable fallbacks "
            + "served from a sticky MIGRATE_MOVABLE pageblock without retyping it (sticky-movable only; the kernel would have "
            + "claimed the block in steal_suitable_fallback). share: the areas' size against all present memory (Σ zone "
            + "present_pages), the figure docs/seed-questions.md sets against published area sizes.",
            ["design", "pageblocks", "share", "migratetypes", "with kernel pages", "kernel pages", "sticky steals"], rows);
    }
}
