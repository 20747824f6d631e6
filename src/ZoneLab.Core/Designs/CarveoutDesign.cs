using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>
/// The baseline CMA replaced: the same regions as a <c>no-map</c> reserved-memory carve-out. The kernel never uses them
/// (present but not managed), so device allocations always succeed at once and the memory is wasted when idle.
/// </summary>
public sealed class CarveoutDesign : IDesign
{
    public DesignKind Kind => DesignKind.Carveout;

    public string Summary => "A no-map carve-out: nobody but the device uses it; allocation never waits, idle memory is wasted.";

    /// <inheritdoc/>
    public string Name => "carveout";

    /// <inheritdoc/>
    public KernelFeatures Features => KernelFeatures.Mainline;

    /// <inheritdoc/>
    public bool CarvesOut => true;

    /// <inheritdoc/>
    public bool LayoutZoneinfo => false;

    /// <inheritdoc/>
    public BootLayout Layout(BootLayout layout) => DesignZones.WithZones(layout, DesignZones.Unmanaged(layout, DesignZones.CmaRanges(layout)));

    public DesignMachine Build(BootLayout layout, KernelVersion version, VmSysctls? sysctls = null, bool debugChecks = false, long swapPages = 0)
    {
        var areas = layout.CmaAreas.Where(a => a.Count > 0).ToList();
        var carved = areas.Select(a => new PfnRange(a.BasePfn, a.BasePfn + a.Count)).ToList();
        var zones = new List<ZoneSpec>();
        foreach (NodeLayout n in layout.Nodes)
        {
            foreach (ZoneLayout z in n.Zones)
            {
                ulong carvedHere = 0;
                foreach (PfnRange c in carved)
                {
                    foreach (PfnRange p in z.PresentRanges)
                    {
                        carvedHere += p.Intersect(c).Pages;
                    }
                }
                // CMA pages were counted as managed (given back at activation); a carve-out never is.
                ulong managed = z.Managed > carvedHere ? z.Managed - carvedHere : 0;
                zones.Add(new ZoneSpec(n.Nid, z.Type, z.StartPfn, z.Spanned, z.PresentRanges, managed));
            }
        }
        var machine = new Machine(new MachineSpec(zones)
        {
            Version = version,
            Sysctls = sysctls ?? new VmSysctls(),
            Numa = layout.Numa,
            MaxNrZones = layout.ZoneTypesConfigured.Count,
            DebugChecks = debugChecks,
            SwapPages = swapPages,
            // the carve-out itself stays reserved (never the zone's lowest pfns in its place)
            Reserved = DesignZones.ReservedWith(layout, carved),
        });
        var contig = new ContigRangeAllocator(machine);
        var allocators = areas.Select(a => new CmaAllocator(a.Name, a.BasePfn, a.Count, a.OrderPerBit, new CarveoutPages())).ToList();
        return new DesignMachine(Kind, layout, machine, contig, allocators);
    }

    // The device owns the carve-out outright: a window is always free of kernel pages.
    private sealed class CarveoutPages : IContigRangeAllocator
    {
        public ContigResult AllocContigRange(ulong startPfn, ulong endPfn, bool cmaMode) => ContigResult.Ok(default);

        public void FreeContigRange(ulong pfn, ulong count)
        {
        }
    }
}
