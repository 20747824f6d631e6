using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>
/// "mm/cma: manage the memory of the CMA area by using the ZONE_MOVABLE" (Joonsoo Kim, v2 of 1 Dec 2017, merged for
/// v4.17-rc1 as bad8c6c0b114, reverted by d883c6cf3b39 before 4.17): ZONE_MOVABLE's span on a node is extended to
/// cover the node's CMA areas, <c>cma_activate_area</c> re-links the CMA pages to ZONE_MOVABLE, the pageblocks stay
/// MIGRATE_CMA, ALLOC_CMA is gone: only ZONE_MOVABLE-eligible requests (<c>__GFP_MOVABLE|__GFP_HIGHMEM</c>) reach
/// them, through the ordinary MIGRATE_CMA fallback of ZONE_MOVABLE's free lists.
/// </summary>
public sealed class CmaInMovableDesign : IDesign
{
    /// <inheritdoc/>
    public DesignKind Kind => DesignKind.CmaInMovable;

    /// <inheritdoc/>
    public string Summary => "CMA pages in ZONE_MOVABLE (4.17-rc1): only __GFP_MOVABLE|__GFP_HIGHMEM requests reach them; pageblocks stay MIGRATE_CMA; cma_alloc migrates.";

    /// <inheritdoc/>
    public string Name => "cma-in-movable";

    /// <inheritdoc/>
    public KernelFeatures Features => KernelFeatures.Mainline;

    /// <inheritdoc/>
    public bool CarvesOut => false;

    /// <inheritdoc/>
    public bool LayoutZoneinfo => false;

    /// <inheritdoc/>
    public BootLayout Layout(BootLayout layout) => DesignZones.WithZones(layout, Zones(layout), cma: DesignZones.CmaRanges(layout));

    /// <summary>The design's zones: every CMA area re-linked to ZONE_MOVABLE of its node.</summary>
    public static List<ZoneSpec> Zones(BootLayout layout) => DesignZones.Relink(layout, DesignZones.CmaRanges(layout), ZoneType.Movable);

    /// <inheritdoc/>
    public DesignMachine Build(BootLayout layout, KernelVersion version, VmSysctls? sysctls = null, bool debugChecks = false, long swapPages = 0)
    {
        var areas = layout.CmaAreas.Where(a => a.Count > 0).ToList();
        List<ZoneSpec> zones = Zones(layout);
        List<PfnRange> cma = DesignZones.CmaRanges(layout);
        Machine machine = DesignZones.Boot(layout, zones, version, sysctls, debugChecks, swapPages, cma);
        var contig = new ContigRangeAllocator(machine);
        var allocators = areas.Select(a => new CmaAllocator(a.Name, a.BasePfn, a.Count, a.OrderPerBit, contig)).ToList();
        return new DesignMachine(Kind, DesignZones.WithZones(layout, zones, cma: cma), machine, contig, allocators) { MovableOnly = cma };
    }
}
