using ZoneLab.Layout.Memblock;

namespace ZoneLab.Layout.DeviceTree;

/// <summary>
/// drivers/of/fdt.c early_init_fdt_scan_reserved_mem() and drivers/of/of_reserved_mem.c (6.1): the blob's
/// <c>/memreserve/</c> entries, static <c>reg</c> regions (reserved or marked nomap) for every available child,
/// then the saved regions sorted by the kernel's heapsort, dynamic ones allocated (<c>size</c>, <c>alignment</c>,
/// <c>alloc-ranges</c>, top-down), and each handed to the init function of its <c>compatible</c>
/// (<c>shared-dma-pool</c>: rmem_cma_setup() then rmem_dma_setup(); <c>restricted-dma-pool</c>).
/// </summary>
public static class ReservedMemoryInit
{
    /// <summary>MAX_RESERVED_REGIONS.</summary>
    public const int MaxReservedRegions = 64;

    private sealed class Saved
    {
        public required ReservedMemoryNode Node { get; init; }
        public ulong Base { get; set; }
        public ulong Size { get; set; }
        public bool Dynamic { get; set; }
    }

    /// <summary>Runs the scan against <paramref name="memblock"/>, declaring DT CMA pools through <paramref name="dma"/>.</summary>
    /// <param name="dt">The device tree.</param>
    /// <param name="memblock">Early memory.</param>
    /// <param name="dma">CMA declaration (null without CONFIG_DMA_CMA).</param>
    /// <param name="config">Kernel build.</param>
    /// <param name="log">Boot messages.</param>
    /// <param name="dmbs">With the DMB series (<c>rmem_dmb_setup</c> compiled in): receives the accepted
    /// <c>designated-movable-block</c> regions as byte ranges; null for a mainline kernel (no such driver).</param>
    public static List<ReservedMemoryRegion> Scan(BootDeviceTree dt, Memblock.Memblock memblock, DmaContiguous? dma, KernelConfig config, BootLog log,
        List<(ulong S, ulong E)>? dmbs = null)
    {
        // Process header /memreserve/ fields
        foreach (FdtReserveEntry e in dt.MemReserve)
        {
            memblock.Reserve(e.Address, e.Size);
        }

        var saved = new List<Saved>();
        var result = new List<ReservedMemoryRegion>();
        if (!dt.HasReservedMemory)
        {
            return result;
        }
        if (!dt.ReservedMemoryRootValid)
        {
            log.Print("OF: fdt: Reserved memory: unsupported node format, ignoring");
            return result;
        }

        // fdt_scan_reserved_mem()
        foreach (ReservedMemoryNode n in dt.ReservedMemory)
        {
            if (!n.Available)
            {
                continue;
            }
            int err = ReserveReg(n, memblock, saved, log);
            if (err == -Errno.ENOENT && n.HasSize)
            {
                Save(saved, n, 0, 0, true, log);
            }
        }

        // fdt_init_reserved_mem(): check for overlapping reserved regions
        KernelSort.Sort(saved, (a, b) => a.Base != b.Base ? a.Base.CompareTo(b.Base) : a.Size.CompareTo(b.Size));
        for (int i = 0; i + 1 < saved.Count; i++)
        {
            Saved t = saved[i], nx = saved[i + 1];
            if (t.Base + t.Size > nx.Base)
            {
                log.Print($"OF: reserved mem: OVERLAP DETECTED!\n{t.Node.Name} ({CmaDeclaration.Pa(t.Base)}--{CmaDeclaration.Pa(t.Base + t.Size)}) overlaps with {nx.Node.Name} ({CmaDeclaration.Pa(nx.Base)}--{CmaDeclaration.Pa(nx.Base + nx.Size)})");
            }
        }

        foreach (Saved r in saved)
        {
            ReservedMemoryNode n = r.Node;
            int err = 0;
            if (r.Size == 0)
            {
                err = AllocSize(n, memblock, r, log);
            }
            if (err != 0)
            {
                result.Add(new ReservedMemoryRegion(n.Name, r.Base, r.Size, n.NoMap, r.Dynamic, ReservedMemoryOutcome.Failed, n));
                continue;
            }
            (err, ReservedMemoryOutcome outcome) = InitNode(n, r.Base, r.Size, dma, config, log, dmbs);
            if (err != 0 && err != -Errno.ENOENT)
            {
                log.Print($"OF: reserved mem: node {n.Name} compatible matching fail");
                if (n.NoMap)
                {
                    memblock.ClearNomap(r.Base, r.Size);
                }
                else
                {
                    memblock.PhysFree(r.Base, r.Size);
                }
                outcome = ReservedMemoryOutcome.Released;
            }
            result.Add(new ReservedMemoryRegion(n.Name, r.Base, r.Size, n.NoMap, r.Dynamic, outcome, n));
        }
        return result;
    }

    // mirrors __reserved_mem_reserve_reg()
    private static int ReserveReg(ReservedMemoryNode n, Memblock.Memblock memblock, List<Saved> saved, BootLog log)
    {
        if (!n.Node.Has("reg"))
        {
            return -Errno.ENOENT;
        }
        if (n.RegError != null)
        {
            log.Print("OF: fdt: " + n.RegError);
            return -Errno.EINVAL;
        }
        bool first = true;
        foreach (DtRange r in n.Reg!)
        {
            if (r.Size == 0 || EarlyInitDtReserveMemory(memblock, r.Base, r.Size, n.NoMap) != 0)
            {
                log.Print($"OF: fdt: Reserved memory: failed to reserve memory for node '{n.Name}': base {CmaDeclaration.Pa(r.Base)}, size {r.Size >> 20} MiB");
            }
            if (first)
            {
                Save(saved, n, r.Base, r.Size, false, log);
                first = false;
            }
        }
        return 0;
    }

    // mirrors early_init_dt_reserve_memory()
    private static int EarlyInitDtReserveMemory(Memblock.Memblock memblock, ulong b, ulong size, bool nomap)
    {
        if (nomap)
        {
            // an already reserved range may not become nomap, unless it is not memory at all
            if (memblock.Memory.Overlaps(b, size) && memblock.IsRegionReserved(b, size))
            {
                return -Errno.EBUSY;
            }
            memblock.MarkNomap(b, size);
            return 0;
        }
        memblock.Reserve(b, size);
        return 0;
    }

    // mirrors fdt_reserved_mem_save_node()
    private static void Save(List<Saved> saved, ReservedMemoryNode n, ulong b, ulong size, bool dynamic, BootLog log)
    {
        if (saved.Count == MaxReservedRegions)
        {
            log.Print("OF: reserved mem: not enough space for all defined regions.");
            return;
        }
        saved.Add(new Saved { Node = n, Base = b, Size = size, Dynamic = dynamic || size == 0 });
    }

    // mirrors __reserved_mem_alloc_size() + early_init_dt_alloc_reserved_memory_arch()
    private static int AllocSize(ReservedMemoryNode n, Memblock.Memblock memblock, Saved r, BootLog log)
    {
        if (!n.HasSize)
        {
            return -Errno.EINVAL;
        }
        if (n.SizeError != null)
        {
            log.Print("OF: reserved mem: " + n.SizeError);
            return -Errno.EINVAL;
        }
        if (n.AlignmentError != null)
        {
            log.Print("OF: reserved mem: " + n.AlignmentError);
            return -Errno.EINVAL;
        }
        ulong size = n.Size!.Value;
        ulong align = n.Alignment ?? 0;
        bool nomap = n.NoMap;
        // Need adjust the alignment to satisfy the CMA requirement
        if (n.IsSharedDmaPool && n.Reusable && !nomap)
        {
            align = Math.Max(align, CmaDeclaration.MinAlignmentBytes);
        }
        ulong b = 0;
        if (n.Node.Has("alloc-ranges"))
        {
            if (n.AllocRangesError != null)
            {
                log.Print("OF: reserved mem: " + n.AllocRangesError);
                return -Errno.EINVAL;
            }
            foreach (DtRange range in n.AllocRanges!)
            {
                if (AllocArch(memblock, size, align, range.Base, range.End, nomap, out b) == 0)
                {
                    break;
                }
            }
        }
        else
        {
            AllocArch(memblock, size, align, 0, 0, nomap, out b);
        }
        if (b == 0)
        {
            log.Print($"OF: reserved mem: failed to allocate memory for node '{n.Name}': size {size >> 20} MiB");
            return -Errno.ENOMEM;
        }
        r.Base = b;
        r.Size = size;
        return 0;
    }

    // mirrors early_init_dt_alloc_reserved_memory_arch()
    private static int AllocArch(Memblock.Memblock memblock, ulong size, ulong align, ulong start, ulong end, bool nomap, out ulong b)
    {
        end = end == 0 ? Memblock.Memblock.AllocAnywhere : end;
        align = align == 0 ? Memblock.Memblock.SmpCacheBytes : align;
        b = memblock.PhysAllocRange(size, align, start, end);
        if (b == 0)
        {
            return -Errno.ENOMEM;
        }
        if (nomap)
        {
            memblock.MarkNomap(b, size);
        }
        return 0;
    }

    // mirrors __reserved_mem_init_node(): the __reservedmem_of_table entries in link order
    // (kernel/dma/contiguous.o "shared-dma-pool", coherent.o "shared-dma-pool", swiotlb.o "restricted-dma-pool").
    private static (int Err, ReservedMemoryOutcome Outcome) InitNode(ReservedMemoryNode n, ulong b, ulong size, DmaContiguous? dma, KernelConfig config, BootLog log,
        List<(ulong S, ulong E)>? dmbs)
    {
        int ret = -Errno.ENOENT;
        if (dmbs != null && n.IsDesignatedMovableBlock)
        {
            // mirrors rmem_dmb_setup (DMB series, "mm/dmb: introduce rmem designated-movable-block", 13 Sep 2022): reusable
            // and not no-map, base and size aligned to PAGE_SIZE << max(MAX_ORDER - 1, pageblock_order), then
            // memblock_mark_movable() on the region memblock already reserved: the same state dmb_reserve() leaves
            // for movablecore=size@base
            // MAX_ORDER 11 with 4 KiB pages (6.1 arm64/x86 defaults): max(MAX_ORDER - 1, pageblock_order 9) = 10, 4 MiB
            ulong mask = (Page.Size << 10) - 1;
            if (!n.Reusable || n.NoMap)
            {
                return (-Errno.EINVAL, ReservedMemoryOutcome.Reserved);
            }

            if ((b & mask) != 0 || (size & mask) != 0)
            {
                log.Print("Reserved memory: incorrect alignment of DMB region");
                return (-Errno.EINVAL, ReservedMemoryOutcome.Reserved);
            }

            dmbs.Add((b, b + size));
            log.Print($"Reserved memory: created DMB at {CmaDeclaration.Pa(b)}, size {size >> 20} MiB");
            log.Print($"OF: reserved mem: initialized node {n.Name}, compatible id designated-movable-block");
            return (0, ReservedMemoryOutcome.Dmb);
        }

        if (n.IsSharedDmaPool && config.DmaCma && dma != null)
        {
            ret = dma.RmemCmaSetup(n.Name, b, size, n.Reusable, n.NoMap, n.CmaDefault);
            if (ret == 0)
            {
                log.Print($"OF: reserved mem: initialized node {n.Name}, compatible id shared-dma-pool");
                return (0, ReservedMemoryOutcome.Cma);
            }
        }
        if (n.IsSharedDmaPool && config.DmaDeclareCoherent)
        {
            // rmem_dma_setup(): reusable regions are for CMA
            ret = n.Reusable ? -Errno.EINVAL : 0;
            if (ret == 0)
            {
                log.Print($"Reserved memory: created DMA memory pool at {CmaDeclaration.Pa(b)}, size {size >> 20} MiB");
                log.Print($"OF: reserved mem: initialized node {n.Name}, compatible id shared-dma-pool");
                return (0, ReservedMemoryOutcome.DmaCoherent);
            }
        }
        if (n.Node.IsCompatible("restricted-dma-pool") && config.DmaRestrictedPool)
        {
            // rmem_swiotlb_setup()
            if (n.Reusable || n.NoMap || n.CmaDefault || n.DmaDefault)
            {
                ret = -Errno.EINVAL;
            }
            else
            {
                log.Print($"software IO TLB: Reserved memory: created restricted DMA pool at {CmaDeclaration.Pa(b)}, size {size >> 20} MiB");
                log.Print($"OF: reserved mem: initialized node {n.Name}, compatible id restricted-dma-pool");
                return (0, ReservedMemoryOutcome.RestrictedDma);
            }
        }
        return (ret, ReservedMemoryOutcome.Reserved);
    }
}
