using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>
/// Joonsoo Kim's ZONE_CMA, last posted as v7 (11 Apr 2017, on v4.11-rc; NAKed by Michal Hocko, never merged):
/// <list type="bullet">
/// <item>2/7 "mm/cma: introduce new zone, ZONE_CMA": a zone after ZONE_MOVABLE;
/// <c>GFP_ZONE_TABLE[__GFP_MOVABLE|__GFP_HIGHMEM] = OPT_ZONE_CMA</c>, so only GFP_HIGHUSER_MOVABLE-type requests
/// reach it and their zonelist order is CMA → Movable → Normal → DMA32 → DMA (<c>build_zonelists</c>, highest first);</item>
/// <item>3/7 "mm/cma: populate ZONE_CMA": per node the span is [min base, max end) of the node's areas
/// (overlapping the other zones; spanned &gt; present), each CMA page is re-linked to ZONE_CMA at activation and its
/// present/managed count moves there;</item>
/// <item>4/7 and 5/7 remove ALLOC_CMA and MIGRATE_CMA: the zone's pageblocks are MIGRATE_MOVABLE, its watermarks
/// and lowmem_reserve are the generic <c>__setup_per_zone_wmarks</c> / <c>setup_per_zone_lowmem_reserve</c> ones.</item>
/// </list>
/// </summary>
public sealed class ZoneCmaDesign : IDesign
{
    /// <inheritdoc/>
    public DesignKind Kind => DesignKind.ZoneCma;

    /// <inheritdoc/>
    public string Summary => "ZONE_CMA: only __GFP_MOVABLE|__GFP_HIGHMEM requests may use the CMA zone, and they fill it first; cma_alloc migrates what is there.";

    /// <inheritdoc/>
    public string Name => "zone-cma";

    /// <inheritdoc/>
    public KernelFeatures Features => KernelFeatures.Mainline;

    /// <inheritdoc/>
    public bool CarvesOut => false;

    /// <inheritdoc/>
    public bool LayoutZoneinfo => false;

    /// <inheritdoc/>
    public BootLayout Layout(BootLayout layout) => DesignZones.WithZones(layout, Zones(layout), Configured(layout));

    /// <summary>The design's zones: every CMA area re-linked to the ZONE_CMA of its node.</summary>
    public static List<ZoneSpec> Zones(BootLayout layout) => DesignZones.Relink(layout, DesignZones.CmaRanges(layout), ZoneType.Cma);

    /// <summary>The zone types the ZONE_CMA kernel configures (the layout's plus <c>CMA</c>).</summary>
    public static IReadOnlyList<ZoneType> Configured(BootLayout layout)
        => Enumerable.Range(0, ZoneTypes.Count).Select(i => (ZoneType)i).ToList();

    /// <inheritdoc/>
    public DesignMachine Build(BootLayout layout, KernelVersion version, VmSysctls? sysctls = null, bool debugChecks = false, long swapPages = 0)
    {
        var areas = layout.CmaAreas.Where(a => a.Count > 0).ToList();
        List<ZoneSpec> zones = Zones(layout);
        // MAX_NR_ZONES grows by one; the model's zone index is the type, so all six types are configured.
        Machine machine = DesignZones.Boot(layout, zones, version, sysctls, debugChecks, swapPages, cma: null, maxNrZones: ZoneTypes.Count, movableHighmemZone: ZoneType.Cma);
        var contig = new ContigRangeAllocator(machine);
        var pages = new MovableIsolation(contig);
        var allocators = areas.Select(a => new CmaAllocator(a.Name, a.BasePfn, a.Count, a.OrderPerBit, pages)).ToList();
        return new DesignMachine(Kind, DesignZones.WithZones(layout, zones, Configured(layout)), machine, contig, allocators)
        {
            MovableOnly = DesignZones.CmaRanges(layout),
        };
    }
}
