using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Hotplug;

/// <summary>Options of <see cref="HotplugMachine.Create"/>.</summary>
public sealed record HotplugOptions
{
    /// <summary>Kernel behaviour generation.</summary>
    public KernelVersion Version { get; init; } = KernelVersion.V6_1;

    /// <summary>Sysctls (defaults unless set).</summary>
    public VmSysctls? Sysctls { get; init; }

    /// <summary>DIMMs hot-added after boot (ACPI), onlined per <c>memhp_default_state</c>.</summary>
    public IReadOnlyList<Dimm> Dimms { get; init; } = [];

    /// <summary>Settings; null: from the layout's command line and architecture.</summary>
    public HotplugConfig? Config { get; init; }

    /// <summary>Run the engine's invariant checker after every step.</summary>
    public bool DebugChecks { get; init; }
}

/// <summary>Builds a machine with memory hotplug from a boot layout.</summary>
public static class HotplugMachine
{
    /// <summary>SECTION_SIZE_BITS of x86-64 and arm64 with 4 KiB pages (27: 128 MiB sections).</summary>
    public const int SectionSizeBits = 27;

    /// <summary>
    /// Boots the layout's machine (CMA areas activated; boot reservations of ZONE_MOVABLE at its top, where memblock
    /// allocates top-down, those of the other zones at their bottom, around the kernel image) and creates its memory
    /// blocks online; then adds the DIMMs.
    /// </summary>
    public static MemoryHotplug Create(BootLayout layout, HotplugOptions? options = null)
    {
        options ??= new HotplugOptions();
        var cma = layout.CmaAreas.Where(a => a.Count > 0).Select(a => new PfnRange(a.BasePfn, a.BasePfn + a.Count)).ToList();
        MachineSpec spec = LayoutMachineSpec.Create(layout, options.Version, options.Sysctls, cma);
        var reserved = new List<PfnRange>();
        foreach (ZoneSpec z in spec.Zones)
        {
            ulong toReserve = z.PresentPages > z.ManagedPages ? z.PresentPages - z.ManagedPages : 0;
            var pieces = z.PresentRanges.SelectMany(r => r.Subtract(cma)).OrderBy(r => r.Start).ToList();
            if (z.Type == ZoneType.Movable)
            {
                pieces.Reverse();
            }
            foreach (PfnRange p in pieces)
            {
                if (toReserve == 0)
                {
                    break;
                }
                ulong take = Math.Min(toReserve, p.Pages);
                reserved.Add(z.Type == ZoneType.Movable ? new PfnRange(p.End - take, p.End) : new PfnRange(p.Start, p.Start + take));
                toReserve -= take;
            }
        }
        var machine = new Machine(new MachineSpec(spec.Zones)
        {
            Version = spec.Version,
            Sysctls = spec.Sysctls,
            Numa = spec.Numa,
            MaxNrZones = spec.MaxNrZones,
            Cma = spec.Cma,
            Reserved = reserved,
            HotplugRanges = options.Dimms.Select(d => new PfnRange(d.Base >> Page.Shift, (d.Base + d.Size) >> Page.Shift)).ToList(),
            DebugChecks = options.DebugChecks,
        });
        ulong blockPages = layout.MemoryBlockSize >> Page.Shift;
        ulong sectionPages = Math.Min(blockPages, 1UL << (SectionSizeBits - Page.Shift));
        HotplugConfig config = options.Config ?? HotplugConfig.FromCommandLine(layout.CommandLine, layout.Arch);
        var hotplug = new MemoryHotplug(machine, layout.MemoryBlocks, blockPages, sectionPages, config);
        foreach (Dimm d in options.Dimms)
        {
            hotplug.AddDimm(d);
        }
        return hotplug;
    }

    /// <summary>
    /// The hotplug model over an engine already booted from <paramref name="layout"/> (a design machine, the oracle's
    /// engine): the layout's memory blocks, its block size, sections of at most 128 MiB and the command line's hotplug
    /// settings. The caller keeps owning the engine.
    /// </summary>
    public static MemoryHotplug Over(Machine machine, BootLayout layout)
    {
        ulong blockPages = layout.MemoryBlockSize >> Page.Shift;
        ulong sectionPages = Math.Min(blockPages, 1UL << (SectionSizeBits - Page.Shift));
        return new MemoryHotplug(machine, layout.MemoryBlocks, blockPages, sectionPages, HotplugConfig.FromCommandLine(layout.CommandLine, layout.Arch));
    }

    /// <summary>
    /// Where QEMU's <c>pc</c>/<c>q35</c> machines put the first DIMM: the device memory region starts at the 1 GiB
    /// aligned end of RAM above 4 GiB (4 GiB when all RAM is below it).
    /// </summary>
    public static ulong QemuX86DimmBase(BootLayout layout)
    {
        ulong top = layout.Memblock.Count == 0 ? 0 : layout.Memblock.Max(r => r.Range.End) << Page.Shift;
        ulong b = Math.Max(top, 1UL << 32);
        return (b + (1UL << 30) - 1) & ~((1UL << 30) - 1);
    }

}
