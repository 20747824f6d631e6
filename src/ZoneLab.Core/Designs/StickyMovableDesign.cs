using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>
/// The alternative Doug Berger described in the Designated Movable Blocks RFC (September 2022) and found more
/// intrusive than DMBs: the designated pageblocks stay in the zones the boot layout puts them in (DMA32/Normal),
/// are MIGRATE_MOVABLE, and never change migratetype. Where the kernel would retype such a block or move its free
/// pages to another type's lists — <c>steal_suitable_fallback</c> claiming it (6.1; <c>try_to_claim_block</c> from
/// 6.15), <c>change_pageblock_range</c> for a whole free pageblock, <c>move_freepages_block</c>,
/// <c>reserve_highatomic_pageblock</c>, <c>__free_one_page</c> merging it with a buddy block of another type — the
/// model leaves it MIGRATE_MOVABLE; an unmovable or reclaimable fallback still takes the one page it needs
/// (<c>page_del_and_expand</c> onto the MIGRATE_MOVABLE lists, the 6.10+ single-page path), so kernel pages can
/// land in the designated memory. The designated memory is the layout's CMA areas (same places as the other
/// designs); <c>cma_alloc</c> isolates with MIGRATE_MOVABLE rules (<c>has_unmovable_pages</c> refuses a range
/// holding any non-LRU page).
/// </summary>
public sealed class StickyMovableDesign : IDesign
{
    /// <inheritdoc/>
    public DesignKind Kind => DesignKind.StickyMovable;

    /// <inheritdoc/>
    public string Summary => "Sticky MIGRATE_MOVABLE pageblocks in the ordinary zones: every request may use them (kernel ones only by fallback, which never retypes them); cma_alloc migrates with MIGRATE_MOVABLE rules.";

    /// <inheritdoc/>
    public string Name => "sticky-movable";

    /// <inheritdoc/>
    public KernelFeatures Features => KernelFeatures.Mainline;

    /// <inheritdoc/>
    public bool CarvesOut => false;

    /// <inheritdoc/>
    /// <remarks>The zones are the layout's, but the areas are not MIGRATE_CMA, so the engine prints zoneinfo (no cma count).</remarks>
    public bool LayoutZoneinfo => false;

    /// <inheritdoc/>
    public BootLayout Layout(BootLayout layout) => layout;

    /// <summary>The designated (sticky) pageblocks of a layout: its non-empty CMA areas.</summary>
    public static List<PfnRange> Blocks(BootLayout layout) => DesignZones.CmaRanges(layout);

    /// <inheritdoc/>
    public DesignMachine Build(BootLayout layout, KernelVersion version, VmSysctls? sysctls = null, bool debugChecks = false, long swapPages = 0)
    {
        List<PfnRange> sticky = Blocks(layout);
        // the designated memory is ordinary memory of its zone: freed at boot like the rest (no MIGRATE_CMA activation)
        MachineSpec spec = LayoutMachineSpec.Create(layout, version, sysctls, []);
        var machine = new Machine(new MachineSpec(spec.Zones)
        {
            Version = spec.Version,
            Sysctls = spec.Sysctls,
            Numa = spec.Numa,
            MaxNrZones = spec.MaxNrZones,
            // boot reservations never inside the designated memory (the CMA areas were memblock-reserved there)
            Reserved = DesignZones.ReservedWith(layout, sticky).SelectMany(r => r.Subtract(sticky)).ToList(),
            DebugChecks = debugChecks,
            SwapPages = swapPages,
            StickyMovable = sticky,
        });
        var contig = new ContigRangeAllocator(machine);
        var pages = new MovableIsolation(contig);
        var allocators = layout.CmaAreas.Where(a => a.Count > 0).Select(a => new CmaAllocator(a.Name, a.BasePfn, a.Count, a.OrderPerBit, pages)).ToList();
        return new DesignMachine(Kind, layout, machine, contig, allocators) { Sticky = sticky };
    }
}
