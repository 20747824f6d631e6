using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Layout;

/// <summary>
/// The CMA part of x86-64 setup_arch() (arch/x86/kernel/setup.c, 6.1): after initmem_init(),
/// <c>dma_contiguous_reserve(max_pfn_mapped &lt;&lt; PAGE_SHIFT)</c> and, with 1 GiB pages,
/// <c>hugetlb_cma_reserve(PUD_SHIFT - PAGE_SHIFT)</c>. memblock.reserved at that point holds the first 1 MiB
/// (reserve_real_mode()), the kernel image at LOAD_PHYSICAL_ADDR (16 MiB, nokaslr), the initrd and each node's
/// NODE_DATA — taken from the boot log's "RAMDISK:" and "NODE_DATA(n) allocated" lines when there is one, else placed
/// as QEMU and alloc_node_data() place them. Allocation is top-down up to max_pfn_mapped (memblock.current_limit).
/// </summary>
public static class X86Contiguous
{
    /// <summary>LOAD_PHYSICAL_ADDR (CONFIG_PHYSICAL_START 0x1000000).</summary>
    public const ulong LoadPhysicalAddr = 0x1000000;

    /// <summary>Declares and activates the CMA areas of an x86-64 layout.</summary>
    public static void Apply(BootLayout layout, MachineDescription machine, KernelConfig config, ulong initrdSize)
    {
        var log = new BootLog();
        layout.Config = config;
        layout.Log = log;
        var cmaParams = CmaParameters.Parse(layout.CommandLine, config);
        foreach (string w in cmaParams.Warnings)
        {
            layout.Warnings.Add(w);
        }
        foreach (string m in cmaParams.KernelMessages)
        {
            log.Print(m);
        }
        if (!config.Cma)
        {
            return;
        }

        var mb = new MemblockAllocator(config.MaxNumNodes) { MovableNode = layout.CommandLine.MovableNode };
        foreach (MemblockRegion r in layout.Memblock)
        {
            mb.AddNode(r.StartPfn << Page.Shift, r.Pages << Page.Shift, r.Nid, r.Hotplug ? Memblock.MemblockFlags.Hotplug : Memblock.MemblockFlags.None);
        }
        ulong maxMapped = layout.Memblock.Max(r => r.EndPfn) << Page.Shift;
        mb.CurrentLimit = maxMapped; // memblock_set_current_limit(get_max_mapped())
        // numa_init() resets memblock to top-down after parsing the SRAT, whatever movable_node set before

        mb.Reserve(0, 1UL << 20);
        mb.Reserve(LoadPhysicalAddr, config.KernelImageSize);
        (ulong Start, ulong End)? ramdisk = machine.Ramdisk;
        if (ramdisk == null && initrdSize > 0)
        {
            // QEMU's linux loader puts the initrd at the top of RAM below 4 GiB, page aligned
            ulong top = machine.FirmwareE820.Entries.Where(e => e.Type == E820Type.Ram && e.Start < (1UL << 32)).Max(e => Math.Min(e.End, 1UL << 32));
            ramdisk = ((top - initrdSize) & ~(Page.Size - 1), top);
        }
        if (ramdisk is (ulong rs, ulong re))
        {
            mb.Reserve(rs, re - rs);
        }
        if (machine.NodeDataFromLog.Count > 0)
        {
            foreach ((_, ulong s, ulong e) in machine.NodeDataFromLog)
            {
                mb.Reserve(s, e - s);
            }
        }
        else
        {
            foreach (NodeLayout n in layout.Nodes)
            {
                mb.PhysAllocTryNid(config.NodeDataSize, MemblockAllocator.SmpCacheBytes, n.Nid); // alloc_node_data()
            }
        }

        var table = new CmaAreaTable(config.CmaAreas);
        var decl = new CmaDeclaration(mb, table, log);
        var dma = new DmaContiguous(decl, cmaParams, config);
        dma.Reserve(maxMapped);
        if (config.HugetlbPage)
        {
            var online = layout.Nodes.Select(n => n.Nid).ToList();
            if (machine.Gbpages)
            {
                HugetlbCma.Reserve(decl, cmaParams, online, 30 - Page.Shift);
            }
            else if (cmaParams.HugetlbCmaSize != 0)
            {
                // hugetlb_cma_check(): hugetlb_cma_reserve() was never called
                log.Phase = BootPhase.Initcall;
                log.Print("hugetlb_cma: the option isn't supported by current arch");
                log.Phase = BootPhase.SetupArch;
                layout.Warnings.Add("hugetlb_cma= needs 1 GiB pages on x86 (X86_FEATURE_GBPAGES, e.g. QEMU -cpu max or host); this CPU has none");
            }
        }
        layout.Warnings.AddRange(decl.FailureWarnings);
        layout.CmaAreas = table.Areas;
        layout.BootMemblock = mb;
        layout.DmaPhysLimit = maxMapped;
        CmaActivation.ActivateAll(layout, log);
    }
}
