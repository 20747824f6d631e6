using System.Globalization;
using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Explain;

/// <summary>
/// What would have changed a failure, computed from the dump alone:
/// <list type="bullet">
/// <item>The same request under the other CMA designs. MIGRATE_CMA (as dumped) lets free CMA pages count only for
/// ALLOC_CMA requests. ZONE_CMA, CMA in ZONE_MOVABLE and Designated Movable Blocks move that memory into a zone above
/// ZONE_NORMAL that only __GFP_HIGHMEM|__GFP_MOVABLE requests reach (gfp_zone() → ZONE_MOVABLE/ZONE_CMA): the zones of
/// the zonelist lose their CMA pages and MIGRATE_CMA blocks, and a request that reaches the new zone may use its free
/// pages above that zone's own min (setup_per_zone_wmarks() gives each zone a min in proportion to its managed pages).</item>
/// <item>min_free_kbytes: raises every min (setup_per_zone_wmarks()), so at the moment of failure it makes a
/// watermark failure worse; watermark_scale_factor (v4.6+) widens min→low→high without raising min, so kswapd keeps more
/// free: low = min + max(min/4, managed × factor / 10000).</item>
/// <item>The fewest extra free pages, and of which order, that make one zone of the zonelist pass.</item>
/// </list>
/// </summary>
public static class FailureWhatIfs
{
    private static readonly string[] s_zoneDesigns = ["zone-cma", "cma-in-movable", "dmb"];

    /// <summary>Computes the what-ifs for a replayed report.</summary>
    public static WhatIf Compute(AllocFailureReport report, ReportZoneLayout layout, List<ZoneVerdict> zones, int highest,
        ReportAllocFlags flags, int version, GfpFlags gfp)
    {
        var ci = CultureInfo.InvariantCulture;
        int order = report.Order;
        bool atomicGfp = (gfp & GfpFlags.Atomic) != 0;
        long cmaFree = report.Zones.Sum(z => z.Pages("free_cma"));
        int movableIdx = layout.IndexOf("Movable");
        bool reachesMovable = movableIdx >= 0 && highest >= movableIdx;
        bool failsNow = zones.Count == 0 || zones.All(v => !v.Passes);

        // Designs.
        var designs = new List<(string, bool, string)>();
        bool cmaUsableNow = (flags & ReportAllocFlags.Cma) != 0;
        designs.Add(("migrate-cma", cmaUsableNow,
            (failsNow ? "fails" : "passes") + string.Create(ci, $" (as dumped; {cmaFree} free CMA pages, {(cmaUsableNow ? "counted: ALLOC_CMA" : "not counted: no ALLOC_CMA")})")));
        foreach (string d in s_zoneDesigns)
        {
            bool passes = ZoneDesignPasses(report, zones, highest, reachesMovable, cmaFree, order, flags, version, atomicGfp, out string detail);
            string outcome = (passes ? "passes" : "fails") + (passes == !failsNow ? " (same)" : failsNow ? " (would succeed)" : " (would fail)") + "; " + detail;
            designs.Add((d, reachesMovable, outcome));
        }

        // Watermark tuning, on the preferred zone that fails the watermark part.
        ZoneVerdict? wm = zones.FirstOrDefault(v => !v.Order0Ok);
        string minFree;
        string wsf;
        long? wsfNeeded = null;
        if (!failsNow)
        {
            minFree = "no change needed: a zone of the zonelist passes on the dumped numbers";
            wsf = minFree;
        }
        else if (wm is null)
        {
            minFree = "no help: no zone fails the watermark part (the request needs a usable block, or memory it may not use)";
            wsf = minFree;
        }
        else
        {
            long managed = wm.Zone.Pages("managed");
            minFree = string.Create(ci, $"harmful at the moment of failure: it raises {wm.Zone.Name}'s min (now {wm.Min} pages) and the check would fail by more than {wm.ShortPages} pages; it helps only by waking kswapd earlier");
            if (version < 406)
            {
                wsf = "not available: vm.watermark_scale_factor appeared in v4.6 (low = min + min/4 before)";
            }
            else if (managed <= 0)
            {
                wsf = "unknown: the zone line has no managed: field";
            }
            else
            {
                long gap = wm.Zone.Pages("low") - wm.Zone.Pages("min");
                long need = gap + wm.ShortPages;
                long factor = (need * 10000 + managed - 1) / managed;
                int max = version >= 518 ? 3000 : 1000;
                wsfNeeded = factor;
                wsf = string.Create(ci, $"{wm.Zone.Name}: low - min is {gap} pages; kswapd would keep the {wm.ShortPages} missing pages with low - min >= {need}, i.e. watermark_scale_factor >= {factor}")
                    + (factor > max ? string.Create(ci, $" (above the maximum {max}: not reachable by this knob)") : "")
                    + (wm.Blocker is not null ? " — but the zone fails on memory the request may not use, so this only buys time" : "");
            }
        }

        // Fewest more free pages.
        long? more = null;
        int? ofOrder = null;
        string? inZone = null;
        foreach (ZoneVerdict v in zones.Where(v => failsNow && !v.Passes))
        {
            long pages;
            int? o = null;
            if (!v.Order0Ok)
            {
                pages = v.ShortPages;
                if (order > 0 && v.LargestUsableOrder < order)
                {
                    pages = Math.Max(pages, 1L << order);
                    o = order;
                }
            }
            else
            {
                pages = 1L << order;
                o = order;
            }
            if (more is null || pages < more)
            {
                more = pages;
                ofOrder = o;
                inZone = $"node {v.Zone.Node} {v.Zone.Name}";
            }
        }

        if (!failsNow)
        {
            more = 0;
        }
        return new WhatIf
        {
            MinFreeKbytes = minFree,
            WatermarkScaleFactor = wsf,
            WatermarkScaleFactorNeeded = wsfNeeded,
            MorePagesNeeded = more,
            OfOrderAtLeast = ofOrder,
            InZone = inZone,
        }.WithDesigns(designs);
    }

    private static WhatIf WithDesigns(this WhatIf w, List<(string, bool, string)> designs)
    {
        w.Designs.AddRange(designs);
        return w;
    }

    /// <summary>The zonelist's zones without their CMA memory, plus (for a request that reaches it) the movable-only zone that holds it.</summary>
    private static bool ZoneDesignPasses(AllocFailureReport report, List<ZoneVerdict> zones, int highest, bool reachesMovable,
        long cmaFree, int order, ReportAllocFlags flags, int version, bool atomicGfp, out string detail)
    {
        var ci = CultureInfo.InvariantCulture;
        foreach (ZoneVerdict v in zones)
        {
            WatermarkInput z = FailureReplay.InputOf(v.Zone, highest);
            var types = z.Types.Select(t => t.Replace("C", "", StringComparison.Ordinal)).ToArray();
            long[] blocks = z.FreeBlocks.Select((n, o) => types[o].Length == 0 && z.HasTypeLetters ? 0 : n).ToArray();
            var moved = z with { Free = z.Free - z.FreeCma, FreeCma = 0, Types = types, FreeBlocks = blocks };
            if (ZoneWatermarkReplay.Check(moved, order, flags, version, atomicGfp).Ok && ZoneWatermarkReplay.Rmqueue(moved, order, flags, version))
            {
                detail = $"{v.Zone.Name} passes once its CMA memory moves out";
                return true;
            }
        }
        if (!reachesMovable)
        {
            detail = string.Create(ci, $"the {cmaFree} movable-only pages are out of reach: only __GFP_HIGHMEM|__GFP_MOVABLE requests reach that zone");
            return false;
        }
        if (cmaFree == 0)
        {
            detail = "no free CMA memory to move";
            return false;
        }
        // The new zone's min: the lowmem zones' min per managed page times its size (setup_per_zone_wmarks()).
        long minSum = report.Zones.Where(z => z.Name != "HighMem" && z.Name != "Movable").Sum(z => z.Pages("min") - z.Pages("boost"));
        long managedSum = report.Zones.Where(z => z.Name != "HighMem" && z.Name != "Movable").Sum(z => z.Pages("managed"));
        long size = Math.Max(report.CmaReservedPages ?? 0, cmaFree);
        long min = managedSum > 0 ? minSum * size / managedSum : 0;
        var blocksAny = new long[report.Zones.Max(z => z.FreeBlocks.Length)];
        var letters = new string[blocksAny.Length];
        for (int o = 0; o < blocksAny.Length; o++)
        {
            bool c = report.Zones.Any(z => o < z.Types.Length && z.Types[o].Contains('C'));
            blocksAny[o] = c ? 1 : 0;
            letters[o] = c ? "M" : "";
        }
        var zoneCma = new WatermarkInput(cmaFree, min, 0, 0, 0, 0, blocksAny, letters, true);
        bool ok = ZoneWatermarkReplay.Check(zoneCma, order, flags | ReportAllocFlags.Cma, version, atomicGfp).Ok
            && ZoneWatermarkReplay.Rmqueue(zoneCma, order, flags | ReportAllocFlags.Cma, version);
        detail = string.Create(ci, $"the movable-only zone would hold {cmaFree} free pages against an estimated min of {min}") + (ok ? "" : " and still fail");
        return ok;
    }
}
