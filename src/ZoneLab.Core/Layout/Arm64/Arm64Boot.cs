using ZoneLab.Contiguous;
using ZoneLab.Layout.DeviceTree;
using ZoneLab.Layout.Memblock;
using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Layout.Arm64;

/// <summary>
/// arm64 boot memory setup of Linux 6.1 (4 KiB pages, 48-bit VA and PA): arch/arm64/kernel/setup.c setup_arch()
/// and arch/arm64/mm/init.c — setup_machine_fdt() and early_init_dt_scan_memory(), arm64_memblock_init()
/// (mem=, initrd, kernel image, reserved-memory), paging_init()'s page tables, unflatten_device_tree(),
/// bootmem_init() (NUMA from numa-node-id or a faked node, hugetlb_cma, cma_pernuma, sparse_init's memmap,
/// zone_sizes_init() with ZONE_DMA from dma-ranges, dma_contiguous_reserve(arm64_dma_phys_limit)), then the generic
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

    /// <summary>
    /// Early page-table pages paging_init() needs besides one PTE table per 2 MiB, one PMD table per 1 GiB and one
    /// PUD table per 512 GiB of linear map (calibrated on memblock.reserved of real boots: 1028 pages for 2 GiB,
    /// 1541 for 3 GiB, 2054 for 4 GiB, 1020 for 2 GiB with a 16 MiB no-map hole).
    /// </summary>
    public const ulong ExtraPageTablePages = 1;

    /// <summary>Bytes of <c>struct mem_section_usage</c> plus the pageblock bitmap per section (8 + 32).</summary>
    public const ulong MemSectionUsageSize = 40;

    /// <summary>Bytes of memmap per section (32768 × 64-byte struct page): section_map_size() = PMD_SIZE.</summary>
    public const ulong SectionMapSize = 2UL << 20;

    private static readonly ZoneType[] s_zones = { ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal, ZoneType.Movable };

    /// <summary>Computes the layout of an arm64 machine.</summary>
    public static BootLayout Compute(Arm64Machine machine, KernelCommandLine cl, KernelConfig config)
    {
        var warnings = new List<string>(cl.Warnings);
        var log = new BootLog();
        var mb = new MemblockAllocator(config.MaxNumNodes) { MovableNode = cl.MovableNode };
        CmaParameters cmaParams = CmaParameters.Parse(cl, config);
        warnings.AddRange(cmaParams.Warnings);
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
            ? ReservedMemoryInit.Scan(machine.DeviceTree, mb, dma, config, log)
            : new List<ReservedMemoryRegion>();

        // paging_init(): page tables for the linear map, page by page from the top (early_pgtable_alloc)
        ulong ptPages = PageTablePages(mb, memstart);
        AllocPagesTopDown(mb, ptPages);

        // unflatten_device_tree(): the tree plus its 4-byte end marker, __alignof__(struct device_node)
        mb.Alloc(machine.UnflattenedSize, 8);

        // bootmem_init()
        ulong maxPfn = Page.PfnDown(mb.EndOfDram);
        List<int> online = ArchNumaInit(machine, cl, mb, config, maxPfn, log);
        var nodeData = new Dictionary<int, ulong>();
        foreach (int nid in online)
        {
            nodeData[nid] = SetupNodeData(mb, nid, config, log);
        }

        if (config.Cma && config.HugetlbPage)
        {
            // arm64_hugetlb_cma_reserve(): PUD-sized gigantic pages (pud_sect_supported() with 4 KiB pages)
            HugetlbCma.Reserve(cmaDecl, cmaParams, online, 30 - Page.Shift);
        }
        dma?.ReservePernuma(online);
        SparseInit(mb, memstart, nodeData);

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
        layout.CmaAreas = cmaTable.Areas;
        layout.ReservedMemory = rmem;
        layout.Log = log;
        layout.BootMemblock = mb;
        layout.DmaPhysLimit = dmaLimit;
        layout.Initrd = machine.Initrd;
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

    /// <summary>
    /// paging_init() page-table pages: one PTE table per 2 MiB, one PMD table per 1 GiB, one PUD table per
    /// 512 GiB of mapped (non-nomap) memory (NO_BLOCK_MAPPINGS: Debian's rodata=full maps the linear map with pages),
    /// plus <see cref="ExtraPageTablePages"/>.
    /// </summary>
    public static ulong PageTablePages(MemblockAllocator mb, ulong memstart)
    {
        ulong Distinct(int shift)
        {
            ulong count = 0;
            ulong last = ulong.MaxValue;
            foreach (MemblockRange r in mb.Memory.Regions)
            {
                if (r.IsNoMap || r.Base < memstart)
                {
                    continue;
                }
                ulong first = (r.Base - memstart) >> shift;
                ulong end = (r.End - 1 - memstart) >> shift;
                if (first == last)
                {
                    first++;
                }
                if (end >= first)
                {
                    count += end - first + 1;
                }
                last = Math.Max(last == ulong.MaxValue ? 0 : last, end);
            }
            return count;
        }
        return Distinct(21) + Distinct(30) + Distinct(39) + ExtraPageTablePages;
    }

    /// <summary>Page-by-page top-down allocations (memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0, ANYWHERE) repeated).</summary>
    private static void AllocPagesTopDown(MemblockAllocator mb, ulong pages)
    {
        while (pages > 0)
        {
            List<(ulong Start, ulong End, int Nid)> free = mb.FreeRanges(MemblockAllocator.NumaNoNode, MemblockFlags.None);
            bool any = false;
            for (int i = free.Count - 1; i >= 0 && pages > 0; i--)
            {
                ulong s = Math.Max((free[i].Start + Page.Size - 1) & ~(Page.Size - 1), Page.Size);
                ulong e = free[i].End & ~(Page.Size - 1);
                if (e <= s)
                {
                    continue;
                }
                ulong n = Math.Min(pages, (e - s) >> Page.Shift);
                mb.Reserve(e - (n << Page.Shift), n << Page.Shift);
                pages -= n;
                any = true;
                break;
            }
            if (!any)
            {
                return;
            }
        }
    }

    // mirrors arch_numa_init() → numa_init(of_numa_init) or numa_init(dummy_numa_init); returns the online nodes
    private static List<int> ArchNumaInit(Arm64Machine machine, KernelCommandLine cl, MemblockAllocator mb, KernelConfig config, ulong maxPfn, BootLog log)
    {
        if (!cl.NumaOff && config.MaxNumNodes > 1)
        {
            ulong dist = NumaAllocDistance(mb, config, maxPfn);
            var parsed = new SortedSet<int>(machine.CpuNodeIds.Where(n => n < config.MaxNumNodes));
            bool bad = false;
            foreach (DtMemoryRange r in machine.Memory)
            {
                if (r.Nid is not int nid)
                {
                    continue;
                }
                if (nid >= config.MaxNumNodes)
                {
                    log.Print($"NUMA: Node id {nid} exceeds maximum value");
                    bad = true;
                    break;
                }
                mb.Memory.SetNode(r.Base, r.Size, nid);
                parsed.Add(nid);
            }
            if (bad)
            {
                log.Print("NUMA: bad property in memory node");
            }
            else if (parsed.Count == 0)
            {
                log.Print("NUMA: No NUMA configuration found");
            }
            else
            {
                // numa_register_nodes(): every memory region must have a valid node
                MemblockRange? invalid = mb.Memory.Regions.Cast<MemblockRange?>().FirstOrDefault(r => r!.Value.Nid < 0 || r.Value.Nid >= config.MaxNumNodes);
                if (invalid is MemblockRange iv)
                {
                    log.Print($"NUMA: Warning: invalid memblk node {config.MaxNumNodes} [mem 0x{iv.Base:x8}-0x{iv.End - 1:x8}]");
                }
                else
                {
                    return parsed.ToList();
                }
            }
            // numa_free_distance()
            mb.PhysFree(dist, (ulong)config.MaxNumNodes * (ulong)config.MaxNumNodes);
            foreach (MemblockRange r in mb.Memory.Regions.ToList())
            {
                mb.Memory.SetNode(r.Base, r.Size, mb.MaxNumNodes);
            }
        }

        // dummy_numa_init()
        NumaAllocDistance(mb, config, maxPfn);
        if (cl.NumaOff)
        {
            log.Print("NUMA: NUMA disabled");
        }
        log.Print($"NUMA: Faking a node at [mem {Hex18(mb.StartOfDram)}-{Hex18(mb.EndOfDram - 1)}]");
        mb.Memory.SetNode(mb.StartOfDram, mb.EndOfDram - mb.StartOfDram, 0);
        return new List<int> { 0 };
    }

    // mirrors numa_alloc_distance(): nr_node_ids² bytes, page aligned, below max_pfn
    private static ulong NumaAllocDistance(MemblockAllocator mb, KernelConfig config, ulong maxPfn)
    {
        ulong size = (ulong)config.MaxNumNodes * (ulong)config.MaxNumNodes;
        return mb.PhysAllocRange(size, Page.Size, 0, maxPfn << Page.Shift);
    }

    // mirrors setup_node_data(): NODE_DATA on its node, top-down
    private static ulong SetupNodeData(MemblockAllocator mb, int nid, KernelConfig config, BootLog log)
    {
        ulong size = config.NodeDataSize;
        ulong pa = mb.PhysAllocTryNid(size, MemblockAllocator.SmpCacheBytes, nid);
        log.Print($"NUMA: NODE_DATA [mem 0x{pa:x8}-0x{pa + size - 1:x8}]");
        int tnid = mb.Memory.Regions.FirstOrDefault(r => r.Base <= pa && pa < r.End).Nid;
        if (tnid != nid)
        {
            log.Print($"NUMA: NODE_DATA({nid}) on node {tnid}");
        }
        return pa;
    }

    /// <summary>
    /// mirrors sparse_init() with SPARSEMEM_VMEMMAP: the mem_section root table, a root per 256 sections, and per run
    /// of sections of one node the usemaps (near NODE_DATA) and a 2 MiB-aligned memmap buffer on that node, then the
    /// vmemmap's PUD/PMD table pages.
    /// </summary>
    private static void SparseInit(MemblockAllocator mb, ulong memstart, Dictionary<int, ulong> nodeData)
    {
        const int sectionShift = SectionSizeBits;
        const ulong sectionsPerRoot = Page.Size / 16;
        const ulong nrSectionRoots = (1UL << (PhysMaskShift - sectionShift)) / sectionsPerRoot;
        var sectionNid = new SortedDictionary<ulong, int>();
        var roots = new HashSet<ulong>();
        bool rootTable = false;
        foreach (MemblockRange r in mb.Memory.Regions.ToList())
        {
            // memory_present()
            if (!rootTable)
            {
                mb.Alloc(nrSectionRoots * 8, 64);
                rootTable = true;
            }
            for (ulong s = r.Base >> sectionShift; s <= (r.End - 1) >> sectionShift; s++)
            {
                if (roots.Add(s / sectionsPerRoot))
                {
                    mb.AllocNode(Page.Size, MemblockAllocator.SmpCacheBytes, r.Nid);
                }
                sectionNid.TryAdd(s, r.Nid);
            }
        }

        var runs = new List<(int Nid, List<ulong> Sections)>();
        foreach ((ulong s, int nid) in sectionNid)
        {
            if (runs.Count == 0 || runs[^1].Nid != nid)
            {
                runs.Add((nid, new List<ulong>()));
            }
            runs[^1].Sections.Add(s);
        }
        bool pud = false;
        var pmds = new HashSet<ulong>();
        foreach ((int nid, List<ulong> sections) in runs)
        {
            // sparse_early_usemaps_alloc_pgdat_section(): in the section of NODE_DATA if possible
            ulong pgdat = nodeData.TryGetValue(nid, out ulong p) ? p : 0;
            ulong goal = pgdat & ~((1UL << sectionShift) - 1);
            ulong limit = goal + (1UL << sectionShift);
            ulong usageSize = MemSectionUsageSize * (ulong)sections.Count;
            if (mb.AllocInternal(usageSize, MemblockAllocator.SmpCacheBytes, goal, limit, nid, false) == 0)
            {
                mb.AllocInternal(usageSize, MemblockAllocator.SmpCacheBytes, goal, 0, nid, false);
            }
            // sparse_buffer_init() → memmap_alloc(size, section_map_size(), __pa(MAX_DMA_ADDRESS), nid, true)
            ulong buffer = mb.AllocInternal(SectionMapSize * (ulong)sections.Count, SectionMapSize, memstart, MemblockAllocator.AllocAccessible, nid, true);
            foreach (ulong s in sections)
            {
                // vmemmap_populate(): PUD table once, a PMD table per GiB of vmemmap (64 GiB of memory)
                ulong vmemmapOffset = ((s << sectionShift) - memstart) / 64;
                if (!pud)
                {
                    mb.AllocInternal(Page.Size, Page.Size, memstart, MemblockAllocator.AllocAccessible, nid, false);
                    pud = true;
                }
                if (pmds.Add(vmemmapOffset >> 30))
                {
                    mb.AllocInternal(Page.Size, Page.Size, memstart, MemblockAllocator.AllocAccessible, nid, false);
                }
                if (buffer == 0)
                {
                    mb.AllocInternal(SectionMapSize, SectionMapSize, memstart, MemblockAllocator.AllocAccessible, nid, false);
                }
            }
        }
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

    private static string Hex18(ulong v) => "0x" + v.ToString("x16");
}
