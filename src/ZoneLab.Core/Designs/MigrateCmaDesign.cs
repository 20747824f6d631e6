using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>
/// Mainline: CMA areas are MIGRATE_CMA pageblocks of the zone they lie in (cma_activate_area →
/// init_cma_reserved_pageblock); any movable allocation may use them (ALLOC_CMA; since v5.7 first when CMA holds more
/// than half of the zone's free pages), cma_alloc migrates what is there.
/// </summary>
public sealed class MigrateCmaDesign : IDesign
{
    public DesignKind Kind => DesignKind.MigrateCma;

    /// <summary>Model CONFIG_DEFERRED_STRUCT_PAGE_INIT's pageblock types (<see cref="MachineSpec.DeferredStructPageInit"/>).</summary>
    public bool DeferredStructPageInit { get; init; }

    /// <summary>Model the per-cpu page lists (<see cref="MachineSpec.PerCpuLists"/>) for <see cref="Cpus"/> CPUs.</summary>
    public bool PerCpuLists { get; init; }

    /// <summary>Online CPUs (<see cref="MachineSpec.Cpus"/>).</summary>
    public int Cpus { get; init; } = 1;

    public string Summary => "MIGRATE_CMA pageblocks in ordinary zones: every __GFP_MOVABLE request may use them; cma_alloc migrates or drops what is there.";

    /// <inheritdoc/>
    public string Name => "migrate-cma";

    /// <inheritdoc/>
    public KernelFeatures Features => KernelFeatures.Mainline;

    /// <inheritdoc/>
    public bool CarvesOut => false;

    /// <inheritdoc/>
    public bool LayoutZoneinfo => true;

    /// <inheritdoc/>
    public BootLayout Layout(BootLayout layout) => layout;

    public DesignMachine Build(BootLayout layout, KernelVersion version, VmSysctls? sysctls = null, bool debugChecks = false, long swapPages = 0)
    {
        var areas = layout.CmaAreas.Where(a => a.Count > 0).ToList();
        MachineSpec spec = LayoutMachineSpec.Create(layout, version, sysctls, areas.Select(a => new PfnRange(a.BasePfn, a.BasePfn + a.Count)).ToList());
        var machine = new Machine(new MachineSpec(spec.Zones)
        {
            Version = spec.Version,
            Sysctls = spec.Sysctls,
            Numa = spec.Numa,
            MaxNrZones = spec.MaxNrZones,
            Cma = spec.Cma,
            Reserved = spec.Reserved,
            DebugChecks = debugChecks,
            DeferredStructPageInit = DeferredStructPageInit,
            PerCpuLists = PerCpuLists,
            Cpus = Cpus,
            KernelImage = spec.KernelImage,
            Initrd = spec.Initrd,
            SwapPages = swapPages,
            // /proc shows the CMA column and lines only on a CONFIG_CMA kernel (Debian's amd64 build has none)
            ConfigCma = layout.Config?.Cma ?? true,
        });
        var contig = new ContigRangeAllocator(machine);
        var allocators = areas.Select(a => new CmaAllocator(a.Name, a.BasePfn, a.Count, a.OrderPerBit, contig)).ToList();
        return new DesignMachine(Kind, layout, machine, contig, allocators);
    }
}
