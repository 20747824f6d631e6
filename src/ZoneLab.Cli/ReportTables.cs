using System.Globalization;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// The tables of the compare report (docs/report.md) built from the per-design numbers; every writer (text, markdown,
/// HTML) renders these, so the formats cannot disagree.
/// </summary>
internal static class ReportTables
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>All tables for the designs that ran, in report order.</summary>
    public static List<ReportTable> Build(CompareResult r)
    {
        var ran = new List<DesignReport>();
        foreach (DesignReport d in r.Designs)
        {
            if (d.Available)
            {
                ran.Add(d);
            }
        }

        var tables = new List<ReportTable> { Device(ran), Migration(ran), MovableOnly(ran), Access(ran), Kernel(ran), Reclaim(ran), Extfrag(ran), Fragmentation(ran) };
        tables.Add(Stalls(ran));
        if (ran.Exists(d => d.PageblockCensus.Count > 0))
        {
            tables.Add(Census(ran));
        }
        tables.AddRange(ReviewTables.Build(ran));
        if (ran.Exists(d => d.OfflineAttempts > 0 || d.OnlineAttempts > 0))
        {
            tables.Add(Hotplug(ran));
        }
        if (ran.Exists(d => d.Bandwidth != null))
        {
            tables.Add(Bandwidth(ran));
        }
        return tables;
    }

    private static ReportTable Stalls(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            rows.Add([d.Design, F2(d.DirectReclaimSeconds), F2(d.DirectCompactSeconds), F2(d.KswapdSeconds), I(E(d, "pswpout")), I(d.Pswpin),
                I(d.PageCacheMisses), F2(d.StallSeconds), F1(d.ElapsedSeconds)]);
        }

        return new ReportTable("memory stalls (cost model)",
            "docs/cost-model.md, \"Stall time\": seconds allocating tasks spent in direct reclaim (__alloc_pages_direct_reclaim) and "
            + "direct compaction, kswapd's own work (background, not a stall), pages swapped out and faulted back in, page-cache "
            + "re-reads that missed, the stall (direct reclaim + compaction + swap-in and refault reads) and the workload's elapsed "
            + "time (scenario duration + stall).",
            ["design", "direct reclaim s", "direct compact s", "kswapd s", "pswpout", "pswpin", "cache misses", "stall s", "elapsed s"], rows);
    }

    private static ReportTable Census(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            foreach (PageblockCensus pc in d.PageblockCensus)
            {
                rows.Add([d.Design, pc.Phase, I(pc.Polluted), I(pc.Pageblocks), Pct(pc.PollutedFraction), Pct(pc.UnmovableFraction)]);
            }
        }

        return new ReportTable("polluted pageblocks (end of each phase)",
            "Pageblocks holding at least one unmovable (non-LRU: slab, page tables, kernel) allocation, as Contiguitas (ISCA 2023) "
            + "counts them, out of all pageblocks with managed memory, and unmovable memory as a share of managed memory.",
            ["design", "after phase", "polluted", "pageblocks", "polluted %", "unmovable % of managed"], rows);
    }

    private static ReportTable Hotplug(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            double ms = 0;
            foreach (OfflineRecord o in d.Offline)
            {
                ms += o.Milliseconds;
            }
            rows.Add([d.Design, $"{I(d.OnlineSuccesses)}/{I(d.OnlineAttempts)}", $"{I(d.OfflineSuccesses)}/{I(d.OfflineAttempts)}", F1(ms), Reasons(d.OfflineFailureReasons)]);
        }

        return new ReportTable("memory hotplug steps",
            "online and offline actors (memory_block_online/offline_pages in mm/memory_hotplug.c): blocks onlined and offlined of those "
            + "attempted, time spent offlining (cost model: migration and isolation), and failures by errno and reason.",
            ["design", "onlined", "offlined", "offline ms", "failures"], rows);
    }

    private static string F2(double v) => v.ToString("0.00", s_inv);

    private static ReportTable Bandwidth(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            if (d.Bandwidth is not BandwidthReport b)
            {
                continue;
            }
            var loads = new List<string>();
            foreach (ControllerLoad c in b.Controllers)
            {
                loads.Add($"{c.Name} {Gb(c.LoadBytesPerSecond)} ({(c.Share * 100).ToString("0", s_inv)} %)");
            }
            rows.Add([d.Design, string.Join(", ", loads), Gb(b.DemandBytesPerSecond), Gb(b.AchievableBytesPerSecond), b.Balance.ToString("0.00", s_inv)]);
        }

        if (ran.Exists(d => d.Bandwidth?.Controllers.Any(c => c.KernelBytesPerSecond > 0) == true))
        {
            return KernelTrafficTable.WithKernelColumn(ran, rows);
        }

        return new ReportTable("memory-controller bandwidth (GB/s)",
            "docs/bandwidth.md: each actor's accesses go to the controllers holding its pages (time-weighted), device traffic to the "
            + "controller holding its buffers; the workload achieves demand x min(1, min over controllers of bandwidth/load) (the "
            + "slowest controller bounds it); balance = lowest / highest controller share.",
            ["design", "controllers: load (share)", "demand", "achieved", "balance"], rows);
    }

    private static string Gb(double bytesPerSecond) => (bytesPerSecond / 1e9).ToString("0.00", s_inv);

    private static ReportTable Device(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            // a workload without device requests has no success rate or latency: "-" rather than a misleading 0
            bool asked = d.DeviceRequests > 0;
            rows.Add([d.Design, Mib(d.ReservedPages), I(d.DeviceRequests), $"{I(d.DeviceSuccesses)}/{I(d.DeviceFailures)}",
                asked ? Pct(d.DeviceSuccessRate) : "-", asked ? Ms(d.DeviceLatency.P50Ms) : "-", asked ? Ms(d.DeviceLatency.P99Ms) : "-",
                asked ? Ms(d.DeviceLatency.MaxMs) : "-", I(d.DeadlineMisses), Reasons(d.DeviceFailureReasons), Pct(d.ReservedUtilisation)]);
        }

        return new ReportTable("device memory (cma_alloc)",
            "One row per design: cma_alloc() calls (mm/cma.c), successes/failures, latency percentiles (nearest rank) from the "
            + "cost model, buffers later than the actor's deadline, failure reasons (alloc_contig_range errors), and the mean "
            + "fraction of the device areas the kernel used while the device did not hold them (CMA use).",
            ["design", "area MiB", "calls", "ok/fail", "success", "p50 ms", "p99 ms", "max ms", "late", "failures", "CMA use"], rows);
    }

    private static ReportTable Migration(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            rows.Add([d.Design, Mib(d.DevicePagesAllocated), I(d.PagesMigrated), I(d.PagesDiscarded), I(d.PagesWrittenBack),
                F1(d.PagesMigratedPerMiB), F1(d.PagesDiscardedPerMiB)]);
        }

        return new ReportTable("cma_alloc cost: pages moved per MiB allocated",
            "Pages alloc_contig_range() migrated out of the device areas (migrate_pages), clean page cache it dropped "
            + "instead (reclaim_clean_pages_from_list), dirty pages written back first, and both per MiB handed to the device.",
            ["design", "MiB allocated", "migrated", "discarded", "written back", "migrated/MiB", "discarded/MiB"], rows);
    }

    private static ReportTable MovableOnly(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            rows.Add([d.Design, Mib(d.KernelUsableManagedPages), Mib(d.MovableOnlyManagedPages),
                d.KernelToMovableOnlyRatio is double x ? x.ToString("0.00", s_inv) + ":1" : "n/a"]);
        }

        return new ReportTable("kernel-usable vs movable-only memory",
            "Managed pages (zone_managed_pages) a GFP_KERNEL request can use — zones up to gfp_zone(GFP_KERNEL) minus "
            + "zone->cma_pages — against managed pages only movable requests can use (ZONE_MOVABLE, ZONE_CMA, MIGRATE_CMA "
            + "pageblocks). Documentation/admin-guide/mm/memory-hotplug.rst (Zone Imbalances): MOVABLE:KERNEL ratios "
            + "up to 3:1 or even 4:1 are usually fine, CMA pages in a kernel zone counting as movable; here that is "
            + "kernel:movable-only of 0.33:1 (0.25:1) or more.",
            ["design", "kernel-usable MiB", "movable-only MiB", "kernel:movable-only"], rows);
    }

    private static ReportTable Access(List<DesignReport> ran)
    {
        var headers = new List<string> { "GFP class" };
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            headers.Add(d.Design);
        }

        for (int c = 0; c < MovableOnlyMemory.Classes.Count; c++)
        {
            var row = new string[ran.Count + 1];
            row[0] = MovableOnlyMemory.Classes[c].Name;
            for (int k = 0; k < ran.Count; k++)
            {
                DesignReport d = ran[k];
                if (d.MovableOnlyManagedPages == 0)
                {
                    row[k + 1] = "-";
                    continue;
                }

                MovableOnlyAccess a = d.MovableOnlyAccess[c];
                row[k + 1] = a.MovableZone && a.CmaPageblocks ? "yes (zone + CMA)"
                    : a.MovableZone ? "yes (zone)"
                    : a.CmaPageblocks ? "yes (CMA)"
                    : "no";
            }

            rows.Add(row);
        }

        return new ReportTable("who may allocate from movable-only memory",
            "Derived from each booted engine: the zonelist walk up to gfp_zone(gfp) (GFP_ZONE_TABLE; ZONE_CMA designs map "
            + "__GFP_MOVABLE|__GFP_HIGHMEM to ZONE_CMA) reaches a populated ZONE_MOVABLE/ZONE_CMA (\"zone\"), or the request "
            + "gets ALLOC_CMA (gfp_to_alloc_flags_cma: movable migratetype) and a zone it reaches has CMA pageblocks "
            + "(\"CMA\"). \"-\": the design has no movable-only memory.",
            headers, rows);
    }

    private static ReportTable Kernel(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            rows.Add([d.Design, I(d.UnmovableFailures), I(d.AtomicFailures), I(d.KernelFailuresWithMovableOnlyFree), I(d.MovableFailures),
                d.ThpAttempts == 0 ? "-" : $"{I(d.ThpSuccesses)}/{I(d.ThpAttempts)}",
                d.GiganticAttempts == 0 ? "-" : $"{I(d.GiganticSuccesses)}/{I(d.GiganticAttempts)}", I(d.OomKills)]);
        }

        return new ReportTable("kernel allocations",
            "Failed GFP_KERNEL (unmovable) and GFP_ATOMIC allocations, how many of those failed while movable-only memory "
            + "still had free pages, failed movable allocations, THP faults and gigantic pages served/attempted, and OOM kills "
            + "(out_of_memory, vmstat oom_kill).",
            ["design", "unmovable fail", "atomic fail", "…with movable-only free", "movable fail", "THP", "gigantic", "OOM kills"], rows);
    }

    private static ReportTable Reclaim(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            long steal = E(d, "pgsteal_kswapd") + E(d, "pgsteal_direct");
            rows.Add([d.Design, I(d.KswapdWakeups), I(E(d, "pageoutrun")), I(E(d, "pgsteal_kswapd")), I(E(d, "pgsteal_direct")),
                I(d.WastedReclaimPages), steal == 0 ? "-" : Pct((double)d.WastedReclaimPages / steal), I(E(d, "pswpout")),
                I(E(d, "compact_stall"))]);
        }

        return new ReportTable("reclaim",
            "wakeup_kswapd calls, balance_pgdat runs (pageoutrun), pages reclaimed by kswapd and by direct reclaim "
            + "(shrink_node), and wasted reclaim (pages and share of all pages reclaimed): pages reclaimed from movable-only memory (MIGRATE_CMA pageblocks, "
            + "ZONE_MOVABLE/ZONE_CMA) while the request that triggered reclaim had no ALLOC_CMA and could not use them; "
            + "then swap-outs and direct compaction stalls.",
            ["design", "kswapd wakeups", "kswapd runs", "pgsteal kswapd", "pgsteal direct", "wasted", "wasted %", "pswpout", "compact stalls"], rows);
    }

    private static ReportTable Extfrag(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            if (d.Extfrag.Count == 0)
            {
                rows.Add([d.Design, "-", "-", "0", "0"]);
            }

            foreach (ExtfragCount e in d.Extfrag)
            {
                rows.Add([d.Design, e.Alloc, e.Fallback, I(e.Fallbacks), I(e.Claimed)]);
            }
        }

        return new ReportTable("external fragmentation events (mm_page_alloc_extfrag)",
            "Each time __rmqueue_fallback served a request from another migratetype's free list: requested type, the list "
            + "it fell back to, events that left the pageblock mixed, and events that claimed the pageblock "
            + "(steal_suitable_fallback changing its type; the tracepoint's change_ownership).",
            ["design", "requested", "fell back to", "fallbacks (mixed)", "claimed pageblocks"], rows);
    }

    private static ReportTable Fragmentation(List<DesignReport> ran)
    {
        var rows = new List<string[]>();
        foreach (DesignReport d in ran)
        {
            if (d.Samples.Count == 0)
            {
                rows.Add([d.Design, "-", "-", "-", "-"]);
                continue;
            }

            double all = 0, kernel = 0;
            foreach (MetricsSample s in d.Samples)
            {
                all += s.UnusableIndex;
                kernel += s.KernelUnusableIndex;
            }

            MetricsSample last = d.Samples[^1];
            rows.Add([d.Design, Idx(all / d.Samples.Count), Idx(last.UnusableIndex), Idx(kernel / d.Samples.Count), Idx(last.KernelUnusableIndex)]);
        }

        return new ReportTable("fragmentation (unusable free space index, pageblock order)",
            "unusable_free_index (mm/vmstat.c, /sys/kernel/debug/extfrag/unusable_index) at order 9 with fill_contig_page_info "
            + "summed over all zones: the share of free memory in blocks too small for a pageblock (0 = none, 1 = all). "
            + "\"kernel\" restricts it to free lists a GFP_KERNEL request may use (no MIGRATE_CMA, no ZONE_MOVABLE/ZONE_CMA).",
            ["design", "mean (all)", "end (all)", "mean (kernel)", "end (kernel)"], rows);
    }

    private static long E(DesignReport d, string name) => d.VmEvents.GetValueOrDefault(name);

    private static string I(long v) => v.ToString(s_inv);

    private static string Mib(long pages) => (pages / 256.0).ToString(pages % 256 == 0 ? "0" : "0.0", s_inv);

    internal static string Pct(double f) => (f * 100).ToString("0.0", s_inv) + " %";

    private static string F1(double v) => v.ToString("0.0", s_inv);

    private static string Idx(double scaled) => (scaled / 1000).ToString("0.000", s_inv);

    internal static string Ms(double v) => v.ToString(v < 10 ? "0.00" : "0", s_inv);

    private static string Reasons(IReadOnlyDictionary<string, long> reasons)
    {
        if (reasons.Count == 0)
        {
            return "-";
        }

        var parts = new List<string>();
        foreach ((string k, long v) in reasons)
        {
            parts.Add($"{k} {v.ToString(s_inv)}");
        }

        return string.Join(", ", parts);
    }
}
