using System.Globalization;
using System.Text.RegularExpressions;
using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Explain;

/// <summary>
/// Replays the page allocator's decision for one allocation-failure report on the dumped numbers:
/// <c>gfp_zone()</c> and the zonelist (ZONELIST_FALLBACK: every dumped zone with index ≤ highest_zoneidx),
/// <c>gfp_to_alloc_flags()</c> and <c>__gfp_pfmemalloc_flags()</c> of the report's kernel, and
/// <c>__zone_watermark_ok()</c> per zone (<see cref="ZoneWatermarkReplay"/>); then classifies the failure and works out
/// what would have changed it (<see cref="FailureWhatIfs"/>).
/// </summary>
public static class FailureReplay
{
    /// <summary>Oldest kernel whose rules are modelled (v4.4, where the highatomic reserve replaced MIGRATE_RESERVE).</summary>
    public const int OldestVersion = 404;

    /// <summary>Newest kernel checked against; later ones use its rules.</summary>
    public const int NewestVersion = 612;

    private static readonly Regex s_kswapd = new(@"^kswapd\d*(?::\d+)?$", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>Replays <paramref name="report"/>. <paramref name="forcedVersion"/> (major*100+minor) and <paramref name="forcedArch"/> override the dump.</summary>
    public static FailureVerdict Explain(AllocFailureReport report, string source, int? forcedVersion = null, string? forcedArch = null)
    {
        (int version, string versionSource) = VersionOf(report, forcedVersion);
        if (version < OldestVersion)
        {
            throw new ZoneLabInputException(source, report.Line,
                $"kernel {report.Release ?? $"{version / 100}.{version % 100}"}: explain models v4.4 to v6.12 (pass --kernel 4.4 to apply the v4.4 rules anyway)");
        }
        string? arch = forcedArch ?? report.Arch;
        GfpFlags gfp = ReportGfp.Decode(report.Mode, report.FlagNames, version, out List<string> unknown);
        // a report cut before its zone lines: no lowmem_reserve[] to read the zones from, no zone to check
        bool cut = report.CutShort is not null;
        ReportZoneLayout layout = cut ? ReportZoneLayout.Assumed(arch) : ReportZoneLayout.Infer(report, arch);
        int highest = GfpZone(gfp, layout);
        ReportAllocFlags flags = AllocFlags(gfp, report.Order, version, report.Comm, report.InterruptContext);

        var zones = new List<ZoneVerdict>();
        foreach (DumpedZone z in report.Zones)
        {
            int idx = layout.IndexOf(z.Name);
            if (idx < 0 || idx > highest)
            {
                continue;
            }
            zones.Add(ZoneCheck(z, idx, highest, report.Order, flags, version, (gfp & GfpFlags.Atomic) != 0));
        }
        // The zonelist walks from the highest zone down (build_zonerefs_node()); keep node order, highest index first.
        zones = zones.OrderBy(v => v.Zone.Node).ThenByDescending(v => v.Index).ToList();

        bool noWatermarks = (flags & ReportAllocFlags.NoWatermarks) != 0;
        (FailureClass cls, string summary) = cut
            ? (FailureClass.ReportCutShort, CutShortSummary(report, layout, highest))
            : Classify(report, layout, zones, highest, flags, version, gfp, noWatermarks);
        var verdict = new FailureVerdict
        {
            Report = report,
            Version = version,
            VersionSource = versionSource,
            Arch = arch,
            Gfp = gfp,
            UnknownFlagNames = unknown,
            Layout = layout,
            HighestZoneIdx = highest,
            AllocFlags = flags,
            Class = cls,
            Summary = summary,
            SlowPath = SlowPath.Describe(gfp, report.Order, version, s_kswapd.IsMatch(report.Comm) && !report.InterruptContext),
            WhatIf = cut
                ? new WhatIf { MinFreeKbytes = "not known without the zone lines", WatermarkScaleFactor = "not known without the zone lines" }
                : FailureWhatIfs.Compute(report, layout, zones, highest, flags, version, gfp),
        };
        verdict.Zones.AddRange(zones);
        if (cut)
        {
            AddCutShortNotes(verdict, version, versionSource, arch);
        }
        else
        {
            AddNotes(verdict, report, layout, version, versionSource);
        }
        return verdict;
    }

    /// <summary>
    /// The summary of a report cut before its zone lines: no watermark check can be replayed, but the zones the request
    /// could use (gfp_zone() on the architecture's usual zones) and Mem-Info's global free count, when the paste has
    /// it, are still said.
    /// </summary>
    private static string CutShortSummary(AllocFailureReport report, ReportZoneLayout layout, int highest)
    {
        string free = report.GlobalFreePages is long f
            ? $"; Mem-Info shows {f} free pages ({f * 4 / 1024} MiB with 4 KiB pages) over all zones, not where they were nor their orders"
            : "";
        return $"{report.CutShort}, so the watermark check per zone cannot be replayed; "
            + $"the request could use {string.Join(", ", layout.Names.Take(highest + 1).Reverse())} (gfp_zone {layout.Names[highest]}){free}";
    }

    private static void AddCutShortNotes(FailureVerdict v, int version, string versionSource, string? arch)
    {
        if (versionSource == "format")
        {
            v.Notes.Add($"no kernel release in the report; rules of v{version / 100}.{version % 100} assumed");
        }
        v.Notes.Add($"zones assumed: {string.Join(" ", v.Layout.Names)}, the usual configuration of {arch ?? "the architecture"} (no lowmem_reserve[] line to read them from)");
        if (v.UnknownFlagNames.Count > 0)
        {
            v.Notes.Add("unknown flag names ignored: " + string.Join(", ", v.UnknownFlagNames));
        }
    }

    /// <summary>The version to apply: forced, from the dump_stack line, or guessed from the dump's format.</summary>
    public static (int Version, string Source) VersionOf(AllocFailureReport report, int? forced)
    {
        if (forced is int f)
        {
            return (f, "option");
        }
        if (report.Kernel is (int maj, int min))
        {
            return (maj * 100 + min, "dump");
        }
        // Format features, oldest first: flag names (v4.5), writepending (v4.8), nodemask (v4.10),
        // reserved_highatomic (printed by v5.10, not by v5.4), boost (printed by v5.19, not by v5.13). A lower
        // bound is enough: it only picks the rule generation.
        int v = 404;
        if (report.FlagNames is not null)
        {
            v = 405;
        }
        if (report.Zones.Any(z => z.Has("writepending")))
        {
            v = Math.Max(v, 408);
        }
        if (report.Nodemask is not null)
        {
            v = Math.Max(v, 410);
        }
        if (report.Zones.Any(z => z.Has("reserved_highatomic")))
        {
            v = Math.Max(v, 505);
        }
        if (report.Zones.Any(z => z.Has("boost")))
        {
            v = Math.Max(v, 514);
            // GFP_ATOMIC printed without the v4.15-v6.2 __GFP_ATOMIC bit (0x200): v6.3+.
            if (report.FlagNames is string n && n.Contains("GFP_ATOMIC", StringComparison.Ordinal) && (report.Mode & 0x200) == 0)
            {
                v = 603;
            }
        }
        return (v, "format");
    }

    /// <summary>
    /// gfp_zone() (include/linux/gfp.h GFP_ZONE_TABLE): __GFP_DMA → ZONE_DMA, __GFP_DMA32 → ZONE_DMA32,
    /// __GFP_HIGHMEM|__GFP_MOVABLE → ZONE_MOVABLE, __GFP_HIGHMEM → ZONE_HIGHMEM, otherwise (also __GFP_MOVABLE alone)
    /// ZONE_NORMAL; a zone the kernel does not configure maps to ZONE_NORMAL (OPT_ZONE_DMA, OPT_ZONE_DMA32,
    /// OPT_ZONE_HIGHMEM).
    /// </summary>
    public static int GfpZone(GfpFlags gfp, ReportZoneLayout layout)
    {
        string name = (gfp & GfpFlags.Dma) != 0 ? "DMA"
            : (gfp & GfpFlags.Dma32) != 0 ? "DMA32"
            : (gfp & (GfpFlags.Highmem | GfpFlags.Movable)) == (GfpFlags.Highmem | GfpFlags.Movable) ? "Movable"
            : (gfp & GfpFlags.Highmem) != 0 ? "HighMem"
            : "Normal";
        int idx = layout.IndexOf(name);
        return idx >= 0 ? idx : layout.IndexOf("Normal");
    }

    /// <summary>
    /// gfp_to_alloc_flags() plus the ALLOC_NO_WATERMARKS of __gfp_pfmemalloc_flags() (gfp_to_alloc_flags() itself
    /// before v4.10), for the slow path's last attempt.
    /// </summary>
    public static ReportAllocFlags AllocFlags(GfpFlags gfp, int order, int version, string comm, bool interrupt)
    {
        ReportAllocFlags f = ReportAllocFlags.None;
        if ((gfp & GfpFlags.High) != 0)
        {
            f |= ReportAllocFlags.High; // ALLOC_HIGH / ALLOC_MIN_RESERVE == __GFP_HIGH
        }
        if (version >= 603)
        {
            if ((gfp & GfpFlags.DirectReclaim) == 0 && (gfp & GfpFlags.NoMemalloc) == 0)
            {
                f |= ReportAllocFlags.NonBlock;
                if (order > 0)
                {
                    f |= ReportAllocFlags.HighAtomic;
                }
            }
        }
        else if ((gfp & GfpFlags.Atomic) != 0 && (gfp & GfpFlags.NoMemalloc) == 0)
        {
            f |= ReportAllocFlags.Harder;
        }
        // gfp_migratetype() == MIGRATE_MOVABLE: __GFP_MOVABLE without __GFP_RECLAIMABLE.
        if ((gfp & (GfpFlags.Movable | GfpFlags.Reclaimable)) == GfpFlags.Movable)
        {
            f |= ReportAllocFlags.Cma;
        }
        if ((gfp & GfpFlags.NoMemalloc) == 0
            && ((gfp & GfpFlags.Memalloc) != 0 || (s_kswapd.IsMatch(comm) && !interrupt)))
        {
            f |= ReportAllocFlags.NoWatermarks;
        }
        return f;
    }

    private static ZoneVerdict ZoneCheck(DumpedZone z, int idx, int highest, int order, ReportAllocFlags flags, int version, bool atomicGfp)
    {
        WatermarkInput input = InputOf(z, highest);
        WatermarkResult r = ZoneWatermarkReplay.Check(input, order, flags, version, atomicGfp);
        bool rmqueue = ZoneWatermarkReplay.Rmqueue(input, order, flags, version);
        string? blocker = BlockerOf(input, r, rmqueue, order, flags, version, atomicGfp);
        return new ZoneVerdict
        {
            Zone = z,
            Index = idx,
            WatermarkOk = r.Ok,
            RmqueueOk = rmqueue,
            FreePages = input.Free,
            Min = input.Min,
            Mark = r.Mark,
            LowmemReserve = input.LowmemReserve,
            FreeCma = input.FreeCma,
            ReservedHighatomic = input.ReservedHighatomic,
            Unusable = r.Unusable,
            CmaExcluded = r.CmaExcluded,
            HighatomicExcluded = r.HighatomicExcluded,
            EffectiveMin = r.EffectiveMin,
            Order0Ok = r.Order0Ok,
            ShortPages = r.ShortPages,
            OrderOk = r.OrderOk,
            LargestFreeOrder = r.LargestFreeOrder,
            LargestUsableOrder = r.LargestUsableOrder,
            Blocker = blocker,
            Reason = ReasonOf(input, r, rmqueue, order, blocker),
        };
    }

    /// <summary>The dumped zone as the watermark check reads it, lowmem_reserve taken for <paramref name="highest"/>.</summary>
    public static WatermarkInput InputOf(DumpedZone z, int highest) => new(
        z.Pages("free"), z.Pages("min"), z.Pages("boost"), z.Pages("free_cma"), z.Pages("reserved_highatomic"),
        highest < z.LowmemReserve.Length ? z.LowmemReserve[highest] : 0, z.FreeBlocks, z.Types, z.HasTypeLetters);

    /// <summary>Which memory the request may not use decided the zone's failure, if any.</summary>
    private static string? BlockerOf(WatermarkInput z, WatermarkResult r, bool rmqueue, int order, ReportAllocFlags flags, int version, bool atomicGfp)
    {
        if (r.Ok && rmqueue)
        {
            return null;
        }
        if (!r.Order0Ok)
        {
            long need = r.EffectiveMin + z.LowmemReserve;
            long baseFree = z.Free - ((1L << order) - 1);
            long cma = r.CmaExcluded ? z.FreeCma : 0;
            long ha = r.HighatomicExcluded ? z.ReservedHighatomic : 0;
            if (baseFree - ha > need && cma > 0)
            {
                return "cma";
            }
            if (baseFree - cma > need && ha > 0)
            {
                return "highatomic";
            }
            if (baseFree > need)
            {
                return "cma+highatomic";
            }
            if (z.LowmemReserve > 0 && baseFree - cma - ha > r.EffectiveMin)
            {
                return "lowmem_reserve";
            }
            return null;
        }
        // Order part: blocks exist at the order but only on lists this request may not take.
        var letters = new HashSet<char>();
        for (int o = order; o < z.FreeBlocks.Length; o++)
        {
            if (z.FreeBlocks[o] > 0 && z.HasTypeLetters)
            {
                letters.UnionWith(z.Types[o]);
            }
        }
        return letters.Contains('C') ? "cma-blocks" : letters.Contains('H') ? "highatomic-blocks" : letters.Contains('I') ? "isolated-blocks" : null;
    }

    private static string ReasonOf(WatermarkInput z, WatermarkResult r, bool rmqueue, int order, string? blocker)
    {
        var ci = CultureInfo.InvariantCulture;
        string parts = $"free {z.Free}" + (order > 0 ? $" - {(1L << order) - 1} (order {order})" : "")
            + (r.HighatomicExcluded && z.ReservedHighatomic > 0 ? $" - {z.ReservedHighatomic} highatomic" : "")
            + (r.CmaExcluded && z.FreeCma > 0 ? $" - {z.FreeCma} CMA" : "");
        string against = $"min {r.EffectiveMin}" + (r.EffectiveMin != r.Mark ? $" (of {r.Mark})" : "") + $" + lowmem_reserve {z.LowmemReserve} = {r.EffectiveMin + z.LowmemReserve}";
        long usable = z.Free - r.Unusable;
        string lhs = parts.Contains(" - ", StringComparison.Ordinal) ? string.Create(ci, $"{parts} = {usable}") : parts;
        if (!r.Order0Ok)
        {
            string why = blocker switch
            {
                "cma" => "; it would pass with the free CMA pages this request may not use",
                "highatomic" => "; it would pass with the highatomic reserve",
                "cma+highatomic" => "; it would pass with the free CMA pages and the highatomic reserve",
                "lowmem_reserve" => "; it would pass without the lowmem reserve kept for higher-zone requests",
                _ => "",
            };
            return string.Create(ci, $"fails the watermark by {r.ShortPages} pages: {lhs} <= {against}{why}");
        }
        if (r.OrderOk == false)
        {
            string where = blocker switch
            {
                "cma-blocks" => " (larger blocks are free only in MIGRATE_CMA)",
                "highatomic-blocks" => " (larger blocks are free only in MIGRATE_HIGHATOMIC)",
                "isolated-blocks" => " (larger blocks are free only in MIGRATE_ISOLATE)",
                _ => "",
            };
            return string.Create(ci, $"passes the watermark ({lhs} > {against}) but has no free block of order >= {order} it may take; largest usable order {r.LargestUsableOrder}{where}");
        }
        if (!rmqueue)
        {
            string where = blocker switch
            {
                "cma-blocks" => "MIGRATE_CMA",
                "highatomic-blocks" => "MIGRATE_HIGHATOMIC",
                "isolated-blocks" => "MIGRATE_ISOLATE",
                _ => "lists it may not take",
            };
            return string.Create(ci, $"passes the watermark ({lhs} > {against}) but rmqueue() finds no block of order >= {order} it may take: the free blocks are in {where}");
        }
        string block = order > 0 ? string.Create(ci, $", a usable block of order {r.LargestUsableOrder} >= {order}") : "";
        return string.Create(ci, $"passes: {lhs} > {against}{block}");
    }

    private static (FailureClass, string) Classify(AllocFailureReport report, ReportZoneLayout layout, List<ZoneVerdict> zones,
        int highest, ReportAllocFlags flags, int version, GfpFlags gfp, bool noWatermarks)
    {
        if (zones.Count == 0)
        {
            return (FailureClass.NoEligibleZone, $"no populated zone at or below {layout.Names[highest]} is dumped: the request's zonelist is empty");
        }
        if (noWatermarks)
        {
            // ALLOC_NO_WATERMARKS skips the check; rmqueue() fails only when no list it may take has a block.
            ZoneVerdict? usable = zones.FirstOrDefault(v => v.LargestUsableOrder >= report.Order);
            return usable is not null
                ? (FailureClass.PassesOnDump, $"with ALLOC_NO_WATERMARKS the request only needs a free block of order {report.Order}; {usable.Zone.Name} has one on the dumped numbers (the state changed between the failure and the dump)")
                : (FailureClass.NoFreeBlockOfOrder, $"with ALLOC_NO_WATERMARKS the watermarks are ignored, yet no zone of the zonelist has a free block of order >= {report.Order} it may take");
        }
        ZoneVerdict? pass = zones.FirstOrDefault(v => v.Passes);
        if (pass is not null)
        {
            return (FailureClass.PassesOnDump, $"{pass.Zone.Name} passes on the dumped numbers: the state changed between the failure and the dump (frees, per-cpu lists drained by show_mem), or the last attempt used other flags");
        }
        // CMA and highatomic first: memory the request's own kind may not take (the threads' "failures while CMA is free").
        var typed = zones.Where(v => v.Blocker is not null && v.Blocker != "lowmem_reserve").ToList();
        if (typed.Count > 0)
        {
            return (FailureClass.FreeMemoryNotUsable, string.Join("; ", typed.Select(v => $"{v.Zone.Name}: {BlockerText(v.Blocker!)}")));
        }
        // A zone with enough free pages but no block of the order: fragmentation.
        if (zones.FirstOrDefault(v => v.Order0Ok) is ZoneVerdict frag)
        {
            return (FailureClass.NoFreeBlockOfOrder, $"{frag.Zone.Name} has the free pages but its largest usable block is order {frag.LargestUsableOrder} < {report.Order} (fragmentation)");
        }
        // ZONE_MOVABLE: populated, above the request's highest zone, with memory that would pass for a movable request.
        int movable = layout.IndexOf("Movable");
        if (movable > highest)
        {
            foreach (DumpedZone mz in report.Zones.Where(z => z.Name == "Movable"))
            {
                WatermarkResult r = ZoneWatermarkReplay.Check(InputOf(mz, movable), report.Order, flags | ReportAllocFlags.Cma, version, (gfp & GfpFlags.Atomic) != 0);
                if (r.Ok)
                {
                    return (FailureClass.FreeMemoryNotUsable, $"ZONE_MOVABLE of node {mz.Node} has {mz.Pages("free")} free pages and would pass for a movable request, but gfp_zone() stops at {layout.Names[highest]}");
                }
            }
        }
        var reserve = zones.Where(v => v.Blocker == "lowmem_reserve").ToList();
        if (reserve.Count > 0)
        {
            return (FailureClass.FreeMemoryNotUsable, string.Join("; ", reserve.Select(v => $"{v.Zone.Name}: {BlockerText(v.Blocker!)}")));
        }
        ZoneVerdict best = zones.MinBy(v => v.ShortPages)!;
        return (FailureClass.NotEnoughFreeMemory, $"every zone is below its min watermark; the closest, {best.Zone.Name}, is {best.ShortPages} pages short");
    }

    private static string BlockerText(string blocker) => blocker switch
    {
        "cma" => "free CMA pages (no ALLOC_CMA: not a movable request)",
        "highatomic" => "the highatomic reserve (nr_reserved_highatomic)",
        "cma+highatomic" => "free CMA pages and the highatomic reserve",
        "lowmem_reserve" => "the lowmem reserve kept for higher-zone requests (lowmem_reserve_ratio)",
        "cma-blocks" => "blocks of the order are free only in MIGRATE_CMA",
        "highatomic-blocks" => "blocks of the order are free only in MIGRATE_HIGHATOMIC",
        "isolated-blocks" => "blocks of the order are free only in MIGRATE_ISOLATE (an alloc_contig_range in progress)",
        _ => throw new ArgumentOutOfRangeException(nameof(blocker), blocker, "unknown blocker"),
    };

    private static void AddNotes(FailureVerdict v, AllocFailureReport report, ReportZoneLayout layout, int version, string source)
    {
        if (source == "format")
        {
            v.Notes.Add($"no kernel release in the report; rules of v{version / 100}.{version % 100} chosen from the dump's format");
        }
        if (version > NewestVersion)
        {
            v.Notes.Add($"kernel newer than v6.12: the v6.12 rules are applied");
        }
        if (!layout.Consistent)
        {
            v.Notes.Add("zone indexes guessed: no configured zone set matches every lowmem_reserve[] line");
        }
        if (report.Zones.Any(z => !z.Has("reserved_highatomic")))
        {
            v.Notes.Add("reserved_highatomic not printed by this kernel: taken as 0");
        }
        if ((v.AllocFlags & ReportAllocFlags.NoWatermarks) != 0 && (v.Gfp & GfpFlags.Memalloc) == 0)
        {
            v.Notes.Add($"'{report.Comm}' runs with PF_MEMALLOC: __gfp_pfmemalloc_flags() gives ALLOC_NO_WATERMARKS outside hard interrupts");
        }
        if (v.UnknownFlagNames.Count > 0)
        {
            v.Notes.Add("unknown flag names ignored: " + string.Join(", ", v.UnknownFlagNames));
        }
        v.Notes.Add("not visible in a dump: rt tasks (ALLOC_HARDER / ALLOC_MIN_RESERVE), OOM victims (ALLOC_OOM), cpuset and nodemask limits, memalloc_nocma scopes");
    }
}
