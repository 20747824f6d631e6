using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>Turns a boot layout into the allocator's <see cref="MachineSpec"/>.</summary>
public static class LayoutMachineSpec
{
    // Explicit reserved ranges (where the model placed them) are used only with estimated managed counts; real counts
    // from a zoneinfo keep the per-zone placement so that managed matches exactly.
    internal static IReadOnlyList<PfnRange>? ClipToPresent(BootLayout layout, IReadOnlyList<PfnRange>? reserved)
    {
        if (reserved == null)
        {
            return null;
        }
        var result = new List<PfnRange>();
        foreach (PfnRange r in reserved)
        {
            foreach (ZoneLayout z in layout.AllZones)
            {
                foreach (PfnRange p in z.PresentRanges)
                {
                    PfnRange i = p.Intersect(r);
                    if (!i.IsEmpty)
                    {
                        result.Add(i);
                    }
                }
            }
        }
        result.Sort((a, b) => a.Start.CompareTo(b.Start));
        return result;
    }

    /// <summary>
    /// One <see cref="ZoneSpec"/> per zone of every node (empty ones included, so zone indices match the kernel's),
    /// with the layout's present ranges and managed counts; <c>present - managed</c> pages of each zone stay
    /// reserved (the engine places them at the zone's lowest pfns).
    /// </summary>
    public static MachineSpec Create(BootLayout layout, KernelVersion version = KernelVersion.V6_1, VmSysctls? sysctls = null, IReadOnlyList<PfnRange>? cma = null)
    {
        EngineLimits.Check(layout);
        var zones = new List<ZoneSpec>();
        foreach (NodeLayout n in layout.Nodes)
        {
            foreach (ZoneLayout z in n.Zones)
            {
                zones.Add(new ZoneSpec(n.Nid, z.Type, z.StartPfn, z.Spanned, z.PresentRanges, z.Managed));
            }
        }
        return new MachineSpec(zones)
        {
            Version = version,
            Sysctls = sysctls ?? new VmSysctls(),
            Numa = layout.Numa,
            MaxNrZones = layout.ZoneTypesConfigured.Count,
            Cma = cma ?? Array.Empty<PfnRange>(),
            Reserved = layout.AllZones.All(z => !z.ManagedIsReal) ? ClipToPresent(layout, layout.RetainedReserved) : null,
            KernelImage = KernelImage(layout),
            Initrd = layout.Initrd is (ulong start, ulong size) ? new PfnRange(start >> Page.Shift, (start + size + Page.Size - 1) >> Page.Shift) : default,
        };
    }

    // Where the kernel image stays reserved after free_initmem: arm64, _text (the Image QEMU loaded) up to _end less
    // the init sections at its end; x86_64, LOAD_PHYSICAL_ADDR (16 MiB, nokaslr) and the image's measured retained size.
    private static PfnRange KernelImage(BootLayout layout)
    {
        if (layout.Arch == "arm64" && layout.KernelText is ulong text && layout.Config is { KernelImageSize: > 0 } config)
        {
            ulong first = text >> Page.Shift;
            ulong pages = (config.KernelImageSize + Page.Size - 1) >> Page.Shift;
            return new PfnRange(first, first + pages - Math.Min(pages, Layout.Arm64.Arm64ManagedEstimator.InitSectionPages));
        }

        const ulong LoadPhysicalAddr = 0x1000000;
        return layout.Arch == "x86_64" ? new PfnRange(LoadPhysicalAddr >> Page.Shift, (LoadPhysicalAddr >> Page.Shift) + ManagedEstimator.KernelImagePages) : default;
    }
}
