using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>
/// Doug Berger's Designated Movable Blocks (v3 20 Oct 2022 / v4 10 Mar 2023 for the zone construction; the CMA pool
/// in a DMB from v1 13 Sep 2022, "mm/cma: support CMA in Designated Movable Blocks" and "mm/page_alloc: make
/// alloc_contig_range DMB aware"; never merged). The CMA pool lives in a DMB: its pfns are absent from the zones they
/// overlap and present in ZONE_MOVABLE (span [min DMB, ...), overlapping DMA32/Normal), its pageblocks stay
/// MIGRATE_MOVABLE (<c>init_reserved_pageblock(page, MIGRATE_MOVABLE)</c>), any ZONE_MOVABLE-eligible request may
/// use them, and <c>cma_alloc</c> isolates with MIGRATE_MOVABLE rules (<c>dmb_intersects() == DMB_INTERSECTS</c>).
/// </summary>
/// <remarks>
/// A layout booted with <see cref="KernelFeatures.DesignatedMovableBlocks"/> already carries its DMBs
/// (MEMBLOCK_MOVABLE regions, in ZONE_MOVABLE); CMA areas not inside one become DMBs here, exactly as
/// <c>movablecore=size@base</c> at the area's place would (<see cref="DesignatedMovableBlocks"/>, FreeAreaInit's
/// DMB rules). With DMBs but no CMA area, each DMB is itself a pool (<c>dmb0</c>, <c>dmb1</c>, ...), the
/// "device reclaims it like hot-unplug" use of the v1 <c>designated-movable-block</c> binding.
/// </remarks>
public sealed class DmbDesign : IDesign
{
    /// <inheritdoc/>
    public DesignKind Kind => DesignKind.Dmb;

    /// <inheritdoc/>
    public string Summary => "Designated Movable Blocks: the pool is MIGRATE_MOVABLE memory of ZONE_MOVABLE that every __GFP_MOVABLE|__GFP_HIGHMEM request fills first; cma_alloc migrates like offlining.";

    // the dmb design is a kernel with the DMB series, whose movablecore= takes size@base entries
    private static readonly KernelFeatures s_features = new() { DesignatedMovableBlocks = true };

    /// <inheritdoc/>
    public string Name => "dmb";

    /// <inheritdoc/>
    public KernelFeatures Features => s_features;

    /// <inheritdoc/>
    public bool CarvesOut => false;

    /// <inheritdoc/>
    public bool LayoutZoneinfo => true;

    /// <inheritdoc/>
    public BootLayout Layout(BootLayout layout) => DesignZones.WithZones(layout, Zones(layout));

    /// <summary>The DMBs of the design: the layout's own, plus every CMA area not inside one.</summary>
    public static List<PfnRange> Blocks(BootLayout layout)
    {
        List<PfnRange> dmbs = DesignZones.Dmbs(layout);
        foreach (PfnRange a in DesignZones.CmaRanges(layout))
        {
            if (!dmbs.Any(d => d.Start <= a.Start && a.End <= d.End))
            {
                dmbs.Add(a);
            }
        }

        dmbs.Sort((a, b) => a.Start.CompareTo(b.Start));
        return dmbs;
    }

    /// <summary>The design's zones: every DMB present in ZONE_MOVABLE of its node and absent elsewhere.</summary>
    public static List<ZoneSpec> Zones(BootLayout layout) => DesignZones.Relink(layout, Blocks(layout), ZoneType.Movable);

    /// <inheritdoc/>
    public DesignMachine Build(BootLayout layout, KernelVersion version, VmSysctls? sysctls = null, bool debugChecks = false, long swapPages = 0)
    {
        List<PfnRange> dmbs = Blocks(layout);
        List<ZoneSpec> zones = Zones(layout);
        Machine machine = DesignZones.Boot(layout, zones, version, sysctls, debugChecks, swapPages, dmbs: dmbs);
        var contig = new ContigRangeAllocator(machine);
        var pages = new MovableIsolation(contig);
        var areas = layout.CmaAreas.Where(a => a.Count > 0).ToList();
        List<CmaAllocator> allocators = areas.Count > 0
            ? areas.Select(a => new CmaAllocator(a.Name, a.BasePfn, a.Count, a.OrderPerBit, pages)).ToList()
            : dmbs.Select((d, i) => new CmaAllocator($"dmb{i}", d.Start, d.Pages, 0, pages)).ToList();
        return new DesignMachine(Kind, DesignZones.WithZones(layout, zones), machine, contig, allocators) { MovableOnly = dmbs, Dmbs = dmbs };
    }
}
