using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Explain;
using ZoneLab.Procfs;
using ZoneLab.Reclaim;

namespace ZoneLab.Workloads.DeviceState;

/// <summary>One zone of a design after the rerun request: its free pages and where they sit against the watermarks.</summary>
public sealed record RerunZone(int Node, string Zone, long FreeBefore, long FreeAfter, long FreeCmaAfter, long Min, long Low, long High)
{
    /// <summary>"ok" (at or above high), "below_high", "below_low" (kswapd is woken) or "below_min" (only reserves may allocate).</summary>
    public string WatermarkState => FreeAfter < Min ? "below_min" : FreeAfter < Low ? "below_low" : FreeAfter < High ? "below_high" : "ok";
}

/// <summary>The failing request issued once on one design booted from the device's state.</summary>
public sealed record RerunOutcome(string Design, bool Succeeded, string Failure, string? Zone, string? Migratetype, string? Fallback,
    long Reclaimed, long CompactStalls, long CompactSuccess, long Migrated, long KswapdWakeups, long OomKills,
    long KernelUsableBefore, long KernelUsableAfter, long MovableOnlyBefore, long MovableOnlyAfter, IReadOnlyList<RerunZone> Zones,
    long KswapdReclaimedAfter);

/// <summary>
/// What-if on a real failure: the report's request (order, gfp mask decoded for the report's kernel) issued through
/// the engine's allocator (<see cref="Machine.Allocate"/>, i.e. <c>__alloc_pages</c> with its slow path) on each
/// design booted from a device snapshot (<see cref="DeviceStateBoot"/>). The state is the snapshot's, not the one the
/// report dumped: the report gives the request, the snapshot the memory it meets.
/// </summary>
public static class FailureRerun
{
    /// <summary>Reruns <paramref name="report"/>'s request on every design in <paramref name="designs"/>.</summary>
    public static List<RerunOutcome> Run(AllocFailureReport report, DeviceSnapshot snapshot, IReadOnlyList<DesignKind> designs)
    {
        KernelVersion version = KernelVersions.Parse(snapshot.Release ?? "6.1");
        int reportVersion = report.Kernel is (int major, int minor) ? major * 100 + minor : 601;
        GfpFlags gfp = ReportGfp.Decode(report.Mode, report.FlagNames, reportVersion, out _);
        var outcomes = new List<RerunOutcome>(designs.Count);
        foreach (DesignKind kind in designs)
        {
            using DesignMachine dm = DeviceStateBoot.Boot(snapshot, kind, version, out _);
            outcomes.Add(RunOne(dm, DesignNames.Name(kind), report.Order, gfp));
        }

        return outcomes;
    }

    /// <summary>Simulated kswapd time run after the request to show what the wakeup goes on to reclaim (1 s).</summary>
    public const double KswapdAfterNs = 1e9;

    /// <summary>Issues one request of <paramref name="order"/> with <paramref name="gfp"/> on node 0 and measures its cost.</summary>
    public static RerunOutcome RunOne(DesignMachine dm, string design, int order, GfpFlags gfp)
    {
        Machine m = dm.Machine;
        // kswapd runs as a thread: a request that cannot block (GFP_ATOMIC, GFP_NOWAIT) only wakes it and does not
        // wait for it (wakeup_kswapd in __alloc_pages_slowpath); the model's synchronous kswapd would let it reclaim
        var reclaim = new ReclaimModel(m) { SynchronousKswapd = false };
        int kernelHigh = m.GfpZoneIndex(Gfp.Kernel);
        long[] before = new long[m.Zones.Count];
        for (int z = 0; z < m.Zones.Count; z++)
        {
            before[z] = m.Zones[z].NrFreePages;
        }

        (long kuBefore, long moBefore) = Split(m, kernelHigh);
        long steal0 = Reclaimed(m);
        long stall0 = m.Event(VmEvent.CompactStall), succ0 = m.Event(VmEvent.CompactSuccess), mig0 = m.Event(VmEvent.PgmigrateSuccess);
        long wake0 = m.Event(VmEvent.KswapdWakeups), oom0 = m.Event(VmEvent.OomKill);
        MigrateType want = m.PageGroupByMobilityDisabled ? MigrateType.Unmovable : Gfp.MigrateTypeOf(gfp);
        long[] extfrag0 = Extfrag(m, want);

        AllocResult r = m.Allocate(order, gfp, 0);

        string? zone = null, mt = null, fallback = null;
        if (r.Success)
        {
            Zone z = m.Zones[r.ZoneIndex];
            zone = $"Node {z.Node} {z.Name}";
            mt = MigrateTypes.Name(m.PageblockType(r.Pfn));
            long[] extfrag1 = Extfrag(m, want);
            for (int k = 0; k < extfrag1.Length; k++)
            {
                if (extfrag1[k] != extfrag0[k])
                {
                    // mm_page_alloc_extfrag: the request fell back to another migratetype's free list
                    fallback = $"{MigrateTypes.Name((MigrateType)(k / 2))}{(k % 2 == 1 ? " (pageblock claimed)" : string.Empty)}";
                }
            }
        }

        (long kuAfter, long moAfter) = Split(m, kernelHigh);
        var zones = new List<RerunZone>();
        for (int i = 0; i < m.Zones.Count; i++)
        {
            Zone z = m.Zones[i];
            if (z.IsPopulated)
            {
                zones.Add(new RerunZone(z.Node, z.Name, before[i], z.NrFreePages, z.NrFreeCmaPages, (long)z.Watermarks.Min, (long)z.Watermarks.Low, (long)z.Watermarks.High));
            }
        }

        long reclaimedNow = Reclaimed(m) - steal0;
        // what the woken kswapd then frees (balance_pgdat until the zones are balanced, within the budget): nothing
        // else runs, so the growth of the free pages is its work, LRU pages and slab alike
        long free0 = m.TotalFreePages();
        reclaim.RunKswapd(KswapdAfterNs);
        long kswapdAfter = m.TotalFreePages() - free0;
        return new RerunOutcome(design, r.Success, r.Success ? "none" : r.Failure.ToString(), zone, mt, fallback,
            reclaimedNow,
            m.Event(VmEvent.CompactStall) - stall0, m.Event(VmEvent.CompactSuccess) - succ0, m.Event(VmEvent.PgmigrateSuccess) - mig0,
            m.Event(VmEvent.KswapdWakeups) - wake0, m.Event(VmEvent.OomKill) - oom0, kuBefore, kuAfter, moBefore, moAfter, zones, kswapdAfter);
    }

    // pages reclaimed: LRU pages (pgsteal_direct + pgsteal_kswapd) and reclaimable slab freed by the shrinkers (the
    // model counts those pages under slabs_scanned; the kernel adds them through reclaim_state->reclaimed_slab)
    private static long Reclaimed(Machine m)
        => m.Event(VmEvent.PgstealDirect) + m.Event(VmEvent.PgstealKswapd) + m.Event(VmEvent.SlabsScanned);

    // Free pages a GFP_KERNEL (unmovable) request may take: zones up to gfp_zone(GFP_KERNEL), CMA pageblocks excluded
    // (no ALLOC_CMA); the rest of the free memory (ZONE_MOVABLE, ZONE_CMA, free MIGRATE_CMA pages) is movable-only.
    private static (long KernelUsable, long MovableOnly) Split(Machine m, int kernelHigh)
    {
        long ku = 0, mo = 0;
        foreach (Zone z in m.Zones)
        {
            if ((int)z.Type <= kernelHigh)
            {
                ku += z.NrFreePages - z.NrFreeCmaPages;
                mo += z.NrFreeCmaPages;
            }
            else
            {
                mo += z.NrFreePages;
            }
        }

        return (ku, mo);
    }

    private static long[] Extfrag(Machine m, MigrateType start)
    {
        long[] e = new long[MigrateTypes.Count * 2];
        for (int f = 0; f < MigrateTypes.Count; f++)
        {
            e[f * 2] = m.ExtfragEvents(start, (MigrateType)f, false);
            e[f * 2 + 1] = m.ExtfragEvents(start, (MigrateType)f, true);
        }

        return e;
    }
}
