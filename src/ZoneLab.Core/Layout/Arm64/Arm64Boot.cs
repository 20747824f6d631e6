using ZoneLab.Layout.DeviceTree;
using ZoneLab.Layout.Memblock;
using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Layout.Arm64;

/// <summary>
/// arm64 boot memory setup of Linux 6.1 (4 KiB pages, 48-bit VA and PA): arch/arm64/kernel/setup.c setup_arch()
/// and arch/arm64/mm/init.c — setup_machine_fdt() and early_init_dt_scan_memory(), arm64_memblock_init()
/// (mem=, initrd, kernel image, reserved-memory), paging_init()'s page tables, unflatten_device_tree(),
/// bootmem_init() (NUMA from numa-node-id or a faked node (<see cref="Arm64Numa"/>), hugetlb_cma, cma_pernuma,
/// sparse_init's memmap (<see cref="Arm64EarlyAllocations"/>), zone_sizes_init() with ZONE_DMA from dma-ranges,
/// dma_contiguous_reserve(arm64_dma_phys_limit)), then the generic
/// <see cref="FreeAreaInit"/> and cma_init_reserved_areas(). The early allocations are made on a memblock model so
/// that CMA areas land where the kernel puts them.
/// </summary>
public static class Arm64Boot
{
    /// <summary>SECTION_SIZE_BITS for 4 KiB pages in 6.1 (arch/arm64/include/asm/sparsemem.h).</summary>
    public const int SectionSizeBits = 27;

    /// <summary>PHYS_MASK_SHIFT with CONFIG_ARM64_PA_BITS=48.</summary>
    public const int PhysMaskShift = 48;

    /// <summary>ARM64_MEMSTART_ALIGN with 4 KiB pages (PUD_SIZE, 1 GiB).</summary>
    public const ulong MemstartAlign = 1UL << 30;

    /// <summary>Linear map size with 48-bit VA: PAGE_END - PAGE_OFFSET = 2^47.</summary>
    public const ulong LinearRegionSize = 1UL << 47;

    private static readonly ZoneType[] s_zones = { ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal, ZoneType.Movable };

    /// <summary>Computes the layout of an arm64 machine.</summary>
    public static BootLayout Compute(Arm64Machine machine, KernelCommandLine cl, KernelConfig config)
    {
        var warnings = new List<string>(cl.Warnings);
        var log = new BootLog();
        var mb = new MemblockAllocator(config.MaxNumNodes) { MovableNode = cl.MovableNode };
        CmaParameters cmaParams = CmaParameters.Parse(cl, config);
        warnings.AddRange(cmaParams.Warnings);
        if (cl.NumaFake != null)
        {
            // drivers/base/arch_numa.c numa_parse_early_param() of 6.1 knows only "off": no NUMA emulation on arm64
            warnings.Add($"numa=fake={cl.NumaFake}: arm64 6.1 has no NUMA emulation (x86 only); ignored, as the kernel does");
        }
        var unknown = cl.Unknown.ToList();
        if (cl.Get("memmap") != null)
        {
            warnings.Add("memmap= is x86-only; the arm64 kernel passes it to init");
        }
        if (unknown.Count > 0)
        {
            warnings.Add("parameters not modelled (ignored, as the kernel ignores unknown ones): " + string.Join(' ', unknown));
        }

        // setup_machine_fdt(): reserve the blob, early_init_dt_scan_memory()
        if (machine.Dtb is (ulong dtbAt, ulong dtbSize))
        {
            mb.Reserve(dtbAt, dtbSize);
        }
        foreach (DtMemoryRange r in machine.Memory)
        {
            AddMemoryArch(mb, r.Base, r.Size, log);
            if (r.Hotpluggable)
            {
                mb.MarkHotplug(r.Base, r.Size);
            }
        }
        if (machine.Model != null)
        {
            log.Print($"Machine model: {machine.Model}");
        }
        foreach (string m in cmaParams.KernelMessages)
        {
            log.Print(m);
        }
        if (mb.Memory.Regions.Count == 0)
        {
            throw new ZoneLabInputException(machine.Source, "no memory: the device tree's /memory nodes give no usable range");
        }

        // parse_early_param(): mem= (early_mem(): memparse() & PAGE_MASK, the last one wins)
        ulong memoryLimit = ulong.MaxValue;
        foreach ((string name, string? value) in cl.Parameters)
        {
            if (name == "mem" && value != null)
            {
                int pos = 0;
                memoryLimit = KernelNumber.Memparse(value, ref pos) & ~(Page.Size - 1);
                log.Print($"Memory limited to {memoryLimit >> 20}MB");
            }
        }

        // DMB series: movablecore=size@base entries are checked and memblock_reserve()d while early params are parsed;
        // on arm64 memblock already holds the device tree's memory then.
        var dmbMessages = new List<string>();
        List<(ulong S, ulong E)> dmbs = DesignatedMovableBlocks.Reserve(
            cl, memblockPopulatedAtEarlyParams: true, dmbCount: config.CmaAreas /* DMB_COUNT defaults like CMA_AREAS */, dmbMessages,
            (b, e) => mb.Memory.Regions.Any(r => r.Base <= b && e <= r.End), (b, e) => mb.IsRegionReserved(b, e - b), mb.Reserve);
        foreach (string m in dmbMessages.Distinct())
        {
            log.Print(m);
        }

        ulong memstart = ArmMemblockInit(machine, mb, memoryLimit, config, warnings, log);
        DmaContiguous? dma = null;
        var cmaTable = new CmaAreaTable(config.CmaAreas);
        var cmaDecl = new CmaDeclaration(mb, cmaTable, log);
        if (config.DmaCma)
        {
            dma = new DmaContiguous(cmaDecl, cmaParams, config);
        }

        // early_init_fdt_scan_reserved_mem()
        List<ReservedMemoryRegion> rmem = machine.DeviceTree != null
            ? ReservedMemoryInit.Scan(machine.DeviceTree, mb, dma, config, log, cl.Features.DesignatedMovableBlocks ? dmbs : null)
            : new List<ReservedMemoryRegion>();

        // paging_init(): page tables for the linear map, page by page from the top (early_pgtable_alloc)
        Arm64EarlyAllocations.PagingInit(mb, memstart);

        // unflatten_device_tree(): the tree plus its 4-byte end marker, __alignof__(struct device_node)
        mb.Alloc(machine.UnflattenedSize, 8);

        // bootmem_init()
        ulong maxPfn = Page.PfnDown(mb.EndOfDram);
        List<int> online = Arm64Numa.ArchNumaInit(machine, cl, mb, config, maxPfn, log, out NumaTopology numa);
        var nodeData = new Dictionary<int, ulong>();
        foreach (int nid in online)
        {
            nodeData[nid] = Arm64Numa.SetupNodeData(mb, nid, config, log);
        }

        if (config.Cma && config.HugetlbPage)
        {
            // arm64_hugetlb_cma_reserve(): PUD-sized gigantic pages (pud_sect_supported() with 4 KiB pages)
            HugetlbCma.Reserve(cmaDecl, cmaParams, online, 30 - Page.Shift);
        }
        dma?.ReservePernuma(online);
        warnings.AddRange(cmaDecl.FailureWarnings);
        var memmap = new List<MemmapRange>();
        Arm64EarlyAllocations.SparseInit(mb, memstart, nodeData, memmap);

        // zone_sizes_init()
        ulong dma32Limit = MaxZonePhys(mb, 32);
        ulong dmaLimit = 0;
        var maxZonePfn = new ulong[ZoneTypes.Count];
        if (config.ZoneDma)
        {
            int dtBits = Fls64(machine.MaxDmaCpuAddress);
            int zoneDmaBits = Math.Min(32, dtBits); // ACPI IORT gives PHYS_ADDR_MAX (64 bits) without ACPI
            dmaLimit = MaxZonePhys(mb, zoneDmaBits);
            maxZonePfn[(int)ZoneType.Dma] = Page.PfnDown(dmaLimit);
        }
        if (config.ZoneDma32)
        {
            maxZonePfn[(int)ZoneType.Dma32] = Page.PfnDown(dma32Limit);
            if (dmaLimit == 0)
            {
                dmaLimit = dma32Limit;
            }
        }
        if (!config.ZoneDma && !config.ZoneDma32)
        {
            dmaLimit = 1UL << PhysMaskShift; // PHYS_MASK + 1
        }
        maxZonePfn[(int)ZoneType.Normal] = maxPfn;

        var memblock = new List<MemblockRegion>();
        foreach (MemblockRange r in mb.Memory.Regions)
        {
            ulong s = Page.PfnUp(r.Base), e = Page.PfnDown(r.End);
            if (e > s)
            {
                memblock.Add(new MemblockRegion(s, e, r.Nid == mb.MaxNumNodes ? 0 : r.Nid, (r.Flags & MemblockFlags.Hotplug) != 0, (r.Flags & MemblockFlags.Mirror) != 0));
            }
        }
        if (dmbs.Count > 0)
        {
            memblock = DesignatedMovableBlocks.MarkMovable(memblock, dmbs);
        }
        var zones = s_zones.Where(z => (z != ZoneType.Dma || config.ZoneDma) && (z != ZoneType.Dma32 || config.ZoneDma32)).ToList();
        if (config.ZoneDevice)
        {
            zones.Add(ZoneType.Device);
        }
        BootLayout layout = FreeAreaInit.Compute(new FreeAreaInit.Input(
            "arm64", memblock, zones, maxZonePfn, cl, SectionSizeBits, 1UL << SectionSizeBits, null, warnings,
            DmbPatches: cl.Features.DesignatedMovableBlocks));

        // dma_contiguous_reserve(arm64_dma_phys_limit)
        log.Phase = BootPhase.AfterZones;
        dma?.Reserve(dmaLimit);

        layout.Config = config;
        layout.Numa = numa;
        layout.Memmap = memmap;
        layout.CmaAreas = cmaTable.Areas;
        layout.ReservedMemory = rmem;
        layout.Log = log;
        layout.BootMemblock = mb;
        layout.DmaPhysLimit = dmaLimit;
        layout.Initrd = machine.Initrd;
        layout.KernelText = machine.KernelText;
        CmaActivation.ActivateAll(layout, log);
        return layout;
    }

    // mirrors early_init_dt_add_memory_arch() (MIN_MEMBLOCK_ADDR is 0 on arm64)
    private static void AddMemoryArch(MemblockAllocator mb, ulong b, ulong size, BootLog log)
    {
        ulong off = b & (Page.Size - 1);
        if (size < Page.Size - off)
        {
            log.Print($"OF: fdt: Ignoring memory block 0x{b:x} - 0x{unchecked(b + size):x}");
            return;
        }
        if (off != 0)
        {
            size -= Page.Size - off;
            b += Page.Size - off;
        }
        size &= ~(Page.Size - 1);
        if (size == 0)
        {
            return;
        }
        if (b + size - 1 < b)
        {
            size = ulong.MaxValue - b + 1; // base + size - 1 > MAX_MEMBLOCK_ADDR
        }
        mb.Add(b, size);
    }

    // mirrors arm64_memblock_init() up to the reserved-memory scan; returns memstart_addr
    private static ulong ArmMemblockInit(Arm64Machine machine, MemblockAllocator mb, ulong memoryLimit, KernelConfig config, List<string> warnings, BootLog log)
    {
        // Remove memory above our supported physical address size
        mb.Remove(1UL << PhysMaskShift, ulong.MaxValue);
        if (mb.Memory.Regions.Count == 0)
        {
            throw new ZoneLabInputException(machine.Source, $"all memory lies above the {PhysMaskShift}-bit physical address range");
        }
        ulong memstart = mb.StartOfDram & ~(MemstartAlign - 1);
        ulong imageSize = config.KernelImageSize;
        ulong kernelEnd = machine.KernelText + imageSize; // __pa_symbol(_end)
        if (mb.EndOfDram - memstart > LinearRegionSize)
        {
            log.Print("Memory doesn't fit in the linear mapping, VA_BITS too small");
        }
        mb.Remove(Math.Max(memstart + LinearRegionSize, kernelEnd), ulong.MaxValue);
        if (memstart + LinearRegionSize < mb.EndOfDram)
        {
            memstart = (mb.EndOfDram - LinearRegionSize + MemstartAlign - 1) & ~(MemstartAlign - 1);
            mb.Remove(0, memstart);
        }

        if (memoryLimit != ulong.MaxValue)
        {
            mb.MemLimitRemoveMap(memoryLimit);
            mb.Add(machine.KernelText, imageSize);
        }

        if (machine.Initrd is (ulong initrdStart, ulong initrdSize))
        {
            // Add back the memory we just removed if it results in the initrd becoming inaccessible
            ulong b = initrdStart & ~(Page.Size - 1);
            ulong size = ((initrdStart + initrdSize + Page.Size - 1) & ~(Page.Size - 1)) - b;
            if (b < mb.StartOfDram || b + size > mb.StartOfDram + LinearRegionSize)
            {
                warnings.Add("initrd not fully accessible via the linear mapping; the kernel drops it");
            }
            else
            {
                mb.Add(b, size);
                mb.ClearNomap(b, size);
                mb.Reserve(b, size);
            }
        }

        // Register the kernel text, kernel data, initrd, and initial pagetables with memblock.
        ulong stext = machine.KernelText + config.KernelStextOffset;
        mb.Reserve(stext, kernelEnd - stext);
        return memstart;
    }

    // mirrors max_zone_phys(zone_bits)
    private static ulong MaxZonePhys(MemblockAllocator mb, int zoneBits)
    {
        ulong zoneMask = zoneBits >= 64 ? ulong.MaxValue : (1UL << zoneBits) - 1;
        ulong physStart = mb.StartOfDram;
        if (physStart > uint.MaxValue)
        {
            zoneMask = ulong.MaxValue;
        }
        else if (physStart > zoneMask)
        {
            zoneMask = uint.MaxValue;
        }
        return Math.Min(zoneMask, mb.EndOfDram - 1) + 1;
    }

    // fls64(): 1-based index of the most significant set bit, 0 for 0
    private static int Fls64(ulong v) => v == 0 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount(v);
}
