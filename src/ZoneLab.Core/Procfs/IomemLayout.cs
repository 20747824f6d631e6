using ZoneLab.Layout;
using ZoneLab.Layout.Memblock;
using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Procfs;

/// <summary>
/// The RAM part of <c>/proc/iomem</c> as a booted kernel shows it to root: what the architecture's boot code puts in
/// <c>iomem_resource</c> from the memory map, the kernel image and (arm64) memblock.reserved. Resources of drivers,
/// buses and firmware tables (PCI windows and BARs, ROMs, IOAPIC/HPET/LAPIC, ECAM, device MMIO) are not part of the
/// memory model and are left out; <see cref="ModelledNames"/> lists the names the model prints, so a real file can be
/// filtered to the same lines.
/// </summary>
public static class IomemLayout
{
    /// <summary>The resource names the model produces; every other line of a real /proc/iomem is outside the model.</summary>
    public static readonly IReadOnlySet<string> ModelledNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "System RAM", "reserved", "Reserved", "Kernel code", "Kernel rodata", "Kernel data", "Kernel bss",
        "ACPI Tables", "ACPI Non-volatile Storage", "Unusable memory", "Persistent Memory (legacy)",
        "Persistent Memory", "Soft Reserved", "Unknown E820 type", "RAM buffer",
    };

    /// <summary>
    /// Builds the tree for <paramref name="layout"/> (the mainline boot layout of the design's kernel).
    /// </summary>
    /// <param name="layout">The boot layout (its memory map, memblock model and kernel build).</param>
    /// <param name="noMap">Ranges the design reserves no-map (a carve-out): on arm64 memblock_mark_nomap() splits them out
    /// of System RAM as top-level "reserved" resources and they are not in memblock.reserved.</param>
    /// <param name="designatedMovable">DMBs the design adds (the DMB series marks them MEMBLOCK_MOVABLE, which splits
    /// memblock.memory, and keeps them memblock-reserved).</param>
    /// <param name="notes">Receives one line per kind of resource the model leaves out or cannot place.</param>
    public static IomemResource Build(BootLayout layout, IReadOnlyList<PfnRange> noMap, IReadOnlyList<PfnRange> designatedMovable, List<string> notes)
    {
        var root = IomemResource.NewIomemRoot();
        if (layout.Arch == "arm64")
        {
            Arm64(layout, root, noMap, designatedMovable, notes);
            notes.Add("device MMIO, PCI host bridge windows and BARs and the PCI ECAM window come from drivers and the device tree's buses and are not modelled");
        }
        else
        {
            X86(layout, root, notes);
            notes.Add("PCI bus windows and BARs, option ROMs, IOAPIC, HPET and Local APIC come from ACPI and PCI enumeration and are not modelled");
            if (noMap.Count > 0)
            {
                notes.Add("the carve-out is memory the x86 kernel reserves in memblock, which /proc/iomem does not show: it stays inside System RAM");
            }
        }
        return root;
    }

    // mirrors arm64 request_standard_resources() (setup_arch) and reserve_memblock_reserved_regions() (arch_initcall)
    private static void Arm64(BootLayout layout, IomemResource root, IReadOnlyList<PfnRange> noMap, IReadOnlyList<PfnRange> dmbs, List<string> notes)
    {
        MemblockAllocator? mb = layout.InitcallMemblock ?? layout.BootMemblock;
        if (mb == null)
        {
            notes.Add("the layout has no memblock model: no resources");
            return;
        }
        var allDmbs = layout.Memblock.Where(r => r.Movable).Select(r => r.Range).Concat(dmbs).ToList();

        // memblock.memory as request_standard_resources() walks it: the design's no-map and MEMBLOCK_MOVABLE ranges split
        // regions the way memblock_mark_nomap()/memblock_mark_movable() would (memblock_isolate_range)
        var cuts = new SortedSet<ulong>();
        foreach (PfnRange r in noMap.Concat(allDmbs))
        {
            cuts.Add(r.Start << Page.Shift);
            cuts.Add(r.End << Page.Shift);
        }
        var regions = new List<(ulong Base, ulong End, bool NoMap)>();
        foreach (MemblockRange r in mb.Memory.Regions)
        {
            ulong s = r.Base;
            foreach (ulong c in cuts.GetViewBetween(r.Base + 1, r.End - 1))
            {
                regions.Add((s, c, r.IsNoMap || Inside(noMap, s, c)));
                s = c;
            }
            regions.Add((s, r.End, r.IsNoMap || Inside(noMap, s, r.End)));
        }

        ulong? text = layout.KernelText;
        IReadOnlyList<KernelImageSection> sections = layout.Config?.ImageSections ?? Array.Empty<KernelImageSection>();
        if (text == null || sections.Count == 0)
        {
            notes.Add("the kernel image's sections of this build are not known: no Kernel code/data lines");
        }

        var standard = new List<IomemResource>();
        foreach ((ulong b, ulong e, bool nomap) in regions)
        {
            // memblock_region_memory_base_pfn() rounds up, _end_pfn() down
            ulong startPfn = Page.PfnUp(b), endPfn = Page.PfnDown(e);
            if (endPfn <= startPfn)
            {
                continue;
            }
            var res = new IomemResource(nomap ? "reserved" : "System RAM", startPfn << Page.Shift, (endPfn << Page.Shift) - 1);
            root.Request(res);
            standard.Add(res);
            if (text is ulong t)
            {
                foreach (KernelImageSection k in sections)
                {
                    ulong ks = t + k.StartOffset, ke = t + k.LastOffset;
                    if (ks >= res.Start && ke <= res.End)
                    {
                        res.Request(new IomemResource(k.Name, ks, ke));
                    }
                }
            }
        }

        // memblock.reserved at arch_initcall: the design's carve-outs are no-map instead of reserved, its DMBs reserved
        var reserved = new List<(ulong Base, ulong End)>();
        foreach (MemblockRange r in mb.Reserved.Regions)
        {
            foreach ((ulong s, ulong e) in Subtract(r.Base, r.End, noMap))
            {
                reserved.Add((s, e));
            }
        }
        foreach (PfnRange d in dmbs)
        {
            reserved.Add((d.Start << Page.Shift, d.End << Page.Shift));
        }
        reserved = MergeSorted(reserved);

        foreach (IomemResource mem in standard)
        {
            ulong memEnd = mem.End + 1;
            if (!reserved.Any(r => r.Base < memEnd && r.End > mem.Start))
            {
                continue; // !memblock_is_region_reserved(mem->start, mem_size)
            }
            foreach ((ulong rs, ulong re) in reserved)
            {
                ulong start = Math.Max(Page.PfnDown(rs) << Page.Shift, mem.Start);
                ulong end = Math.Min((Page.PfnUp(re) << Page.Shift) - 1, mem.End);
                if (start > mem.End || end < mem.Start)
                {
                    continue;
                }
                mem.ReserveRegionWithSplit(start, end, "reserved");
            }
        }
    }

    // mirrors x86 setup_arch()'s kernel image resources, e820__reserve_resources() and e820__reserve_resources_late()
    private static void X86(BootLayout layout, IomemResource root, List<string> notes)
    {
        E820Table? e820 = layout.E820;
        if (e820 == null)
        {
            notes.Add("the layout has no e820 map: no resources");
            return;
        }
        IReadOnlyList<KernelImageSection> sections = layout.Config?.ImageSections ?? Array.Empty<KernelImageSection>();
        bool nokaslr = layout.CommandLine.Parameters.Any(p => p.Name == "nokaslr");
        if (!nokaslr)
        {
            notes.Add("without nokaslr the kernel image is loaded at a random physical address (KASLR): no Kernel code/rodata/data/bss lines");
        }
        else if (sections.Count == 0)
        {
            notes.Add("the kernel image's sections of this build are not known: no Kernel code/rodata/data/bss lines");
        }
        else
        {
            // insert_resource(&iomem_resource, &code_resource) ... bss_resource: at LOAD_PHYSICAL_ADDR with nokaslr
            foreach (KernelImageSection k in sections)
            {
                root.Insert(new IomemResource(k.Name, X86Contiguous.LoadPhysicalAddr + k.StartOffset, X86Contiguous.LoadPhysicalAddr + k.LastOffset));
            }
        }

        var late = new List<IomemResource>();
        foreach (E820Entry e in e820.Entries)
        {
            var res = new IomemResource(E820TypeToString(e.Type), e.Start, e.End - 1);
            if (DoMarkBusy(e))
            {
                root.Insert(res);
            }
            else
            {
                // registered after PCI claimed its BARs (pcibios_resource_survey → e820__reserve_resources_late)
                late.Add(res);
            }
        }
        foreach (IomemResource res in late)
        {
            root.InsertExpandToFit(res);
        }
        // "Try to bump up RAM regions to reasonable boundaries, to avoid stolen RAM"
        foreach (E820Entry e in e820.Entries.Where(e => e.Type == E820Type.Ram))
        {
            ulong start = e.End;
            ulong align = RamAlignment(start);
            ulong end = ((start + align - 1) & ~(align - 1)) - 1;
            if (start >= end)
            {
                continue;
            }
            root.ReserveRegionWithSplit(start, end, "RAM buffer");
        }
    }

    // mirrors e820_type_to_string()
    private static string E820TypeToString(E820Type t) => t switch
    {
        E820Type.ReservedKern or E820Type.Ram => "System RAM",
        E820Type.Acpi => "ACPI Tables",
        E820Type.Nvs => "ACPI Non-volatile Storage",
        E820Type.Unusable => "Unusable memory",
        E820Type.Pram => "Persistent Memory (legacy)",
        E820Type.Pmem => "Persistent Memory",
        E820Type.Reserved => "Reserved",
        E820Type.SoftReserved => "Soft Reserved",
        _ => "Unknown E820 type",
    };

    // mirrors do_mark_busy(): the legacy first megabyte always; reserved and persistent memory is left for drivers
    private static bool DoMarkBusy(E820Entry e) =>
        e.Start < (1UL << 20) || e.Type is not (E820Type.Reserved or E820Type.SoftReserved or E820Type.Pram or E820Type.Pmem);

    // mirrors ram_alignment()
    private static ulong RamAlignment(ulong pos)
    {
        ulong mb = pos >> 20;
        return mb == 0 ? 64UL << 10 : mb < 16 ? 1UL << 20 : 64UL << 20;
    }

    private static bool Inside(IReadOnlyList<PfnRange> ranges, ulong b, ulong e) =>
        ranges.Any(r => (r.Start << Page.Shift) <= b && e <= (r.End << Page.Shift));

    private static IEnumerable<(ulong, ulong)> Subtract(ulong b, ulong e, IReadOnlyList<PfnRange> holes)
    {
        var parts = new List<(ulong S, ulong E)> { (b, e) };
        foreach (PfnRange h in holes)
        {
            ulong hs = h.Start << Page.Shift, he = h.End << Page.Shift;
            var next = new List<(ulong, ulong)>();
            foreach ((ulong s, ulong t) in parts)
            {
                if (he <= s || hs >= t)
                {
                    next.Add((s, t));
                    continue;
                }
                if (s < hs)
                {
                    next.Add((s, hs));
                }
                if (he < t)
                {
                    next.Add((he, t));
                }
            }
            parts = next;
        }
        return parts;
    }

    // memblock keeps reserved regions sorted and merges touching ones of the same flags (memblock_merge_regions)
    private static List<(ulong Base, ulong End)> MergeSorted(List<(ulong Base, ulong End)> list)
    {
        list.Sort((a, b) => a.Base.CompareTo(b.Base));
        var result = new List<(ulong Base, ulong End)>();
        foreach ((ulong b, ulong e) in list)
        {
            if (result.Count > 0 && result[^1].End >= b)
            {
                result[^1] = (result[^1].Base, Math.Max(result[^1].End, e));
            }
            else
            {
                result.Add((b, e));
            }
        }
        return result;
    }
}
