using ZoneLab.Layout.DeviceTree;
using ZoneLab.Layout.Memblock;
using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Layout.Arm64;

/// <summary>
/// Estimates arm64 <c>managed_pages</c> from the memblock model of the boot: memblock.reserved as the model leaves it
/// after dma_contiguous_reserve(), plus what start_kernel() still takes from memblock before memblock_free_all()
/// (the first percpu chunk, the early dentry and inode hash tables of vfs_caches_init_early(), the 64 MiB swiotlb
/// of mem_init() when memory extends past the DMA limit) placed by the same allocator, minus what is given back
/// later (CMA areas at activation, the initrd, the kernel's init sections). no-map memory is present but never
/// managed. The small remainder (<see cref="OtherPages"/>) was calibrated on the arm64 oracle's boots.
/// </summary>
public static class Arm64ManagedEstimator
{
    /// <summary>Size of the kernel's init sections freed by free_initmem() ("6464K init" for Debian 6.1.0-56-arm64).</summary>
    public const ulong InitSectionPages = 6464 / 4;

    /// <summary>The first percpu chunk per CPU ("percpu: Embedded 31 pages/cpu").</summary>
    public const ulong PercpuPagesPerCpu = 31;

    /// <summary>IO_TLB_DEFAULT_SIZE (64 MiB).</summary>
    public const ulong SwiotlbBytes = 64UL << 20;

    /// <summary>Later small memblock allocations (resources, command lines, percpu maps), in pages, calibrated.</summary>
    public const ulong OtherPages = 16;

    /// <summary>Fills <see cref="ZoneLayout.Managed"/> of every zone without a real count.</summary>
    public static void Apply(BootLayout layout)
    {
        MemblockAllocator? model = layout.BootMemblock;
        if (model == null)
        {
            return;
        }
        // work on a copy so the layout keeps the allocator as it was when the CMA areas were declared
        var mb = new MemblockAllocator(model.MaxNumNodes) { MovableNode = model.MovableNode };
        foreach (MemblockRange r in model.Memory.Regions)
        {
            mb.AddNode(r.Base, r.Size, r.Nid, r.Flags);
        }
        foreach (MemblockRange r in model.Reserved.Regions)
        {
            mb.Reserve(r.Base, r.Size);
        }

        // setup_per_cpu_areas(): the embedded first chunk (one CPU)
        mb.AllocInternal(PercpuPagesPerCpu << Page.Shift, Page.Size, 0, MemblockAllocator.AllocAccessible, MemblockAllocator.NumaNoNode, false);

        // vfs_caches_init_early(): dentry (scale 13) and inode (scale 14) hash tables from memblock when not hashdist
        if (layout.Nodes.Count == 1)
        {
            ulong kernelPages = 0;
            foreach (ZoneLayout z in layout.AllZones)
            {
                ulong memmap = (z.Spanned * 64 + Page.Size - 1) >> Page.Shift;
                kernelPages += z.Present >= memmap ? z.Present - memmap : z.Present;
            }
            kernelPages = (kernelPages + 255) & ~255UL; // round_up(numentries, SZ_1M / PAGE_SIZE)
            mb.Alloc(RoundUpPow2(kernelPages >> 1) * 8, MemblockAllocator.SmpCacheBytes);
            mb.Alloc(RoundUpPow2(kernelPages >> 2) * 8, MemblockAllocator.SmpCacheBytes);
        }

        // mem_init(): swiotlb_init(max_pfn > PFN_DOWN(arm64_dma_phys_limit)) → memblock_alloc_low()
        ulong maxPfn = Page.PfnDown(mb.EndOfDram);
        if (maxPfn > Page.PfnDown(layout.DmaPhysLimit))
        {
            mb.AllocInternal(SwiotlbBytes, Page.Size, 0, layout.DmaPhysLimit - 1, MemblockAllocator.NumaNoNode, false);
            // swiotlb_init_remap(): the slot array, 24 bytes per 2 KiB slab (768 KiB for 64 MiB), anywhere
            mb.Alloc((SwiotlbBytes >> 11) * 24, Page.Size);
        }

        layout.InitcallMemblock = mb;

        // given back: CMA areas (activated or not), the initrd, the init sections (in the kernel image, the first zone)
        var reservedPerZone = new Dictionary<ZoneLayout, ulong>();
        void Charge(ulong b, ulong e, long sign)
        {
            foreach (ZoneLayout z in layout.AllZones)
            {
                foreach (PfnRange p in z.PresentRanges)
                {
                    ulong s = Math.Max(b, p.Start << Page.Shift), t = Math.Min(e, p.End << Page.Shift);
                    if (t > s)
                    {
                        long pages = (long)((t - s) >> Page.Shift);
                        reservedPerZone[z] = (ulong)Math.Max(0, (long)reservedPerZone.GetValueOrDefault(z) + sign * pages);
                    }
                }
            }
        }
        // reserved or nomap (a dynamic no-map region is both): never freed by memblock_free_all()
        var kept = new MemblockType("kept");
        foreach (MemblockRange r in mb.Reserved.Regions)
        {
            ulong b = r.Base & ~(Page.Size - 1);
            kept.AddRange(b, ((r.End + Page.Size - 1) & ~(Page.Size - 1)) - b, 0, MemblockFlags.None);
        }
        foreach (MemblockRange r in mb.Memory.Regions.Where(r => r.IsNoMap))
        {
            kept.AddRange(r.Base, r.Size, 0, MemblockFlags.None);
        }
        foreach (MemblockRange r in kept.Regions)
        {
            Charge(r.Base, r.End, 1);
        }
        foreach (CmaArea a in layout.CmaAreas)
        {
            Charge(a.Base, a.Base + a.Size, -1);
        }
        foreach (MemblockRegion r in layout.Memblock.Where(r => r.Movable))
        {
            // DMB series: dmb_init_region() frees the reserved DMB pageblocks to the buddy (init_reserved_pageblock)
            Charge(r.StartPfn << Page.Shift, r.EndPfn << Page.Shift, -1);
        }
        if (layout.Initrd is (ulong initrd, ulong initrdSize))
        {
            Charge(initrd & ~(Page.Size - 1), (initrd + initrdSize + Page.Size - 1) & ~(Page.Size - 1), -1); // free_initrd_mem()
        }
        ZoneLayout? first = layout.AllZones.FirstOrDefault(z => z.IsPopulated);
        if (first != null)
        {
            reservedPerZone[first] = reservedPerZone.GetValueOrDefault(first) - Math.Min(reservedPerZone.GetValueOrDefault(first), InitSectionPages);
        }
        foreach (ZoneLayout z in layout.AllZones)
        {
            if (!z.ManagedIsReal)
            {
                ulong r = reservedPerZone.GetValueOrDefault(z);
                z.Managed = z.Present > r ? z.Present - r : 0;
            }
        }
        layout.RetainedReserved = RetainedRanges(layout, mb);
        ZoneLayout? last = layout.AllZones.LastOrDefault(z => z.IsPopulated && !z.ManagedIsReal);
        if (last != null)
        {
            last.Managed -= Math.Min(last.Managed, OtherPages);
        }
    }

    // The pfn ranges that stay reserved after boot, for the allocator engine: memblock.reserved and no-map memory, minus
    // what is given back (CMA areas, DMBs, the initrd) and minus the init sections at the end of the kernel image
    // (the lowest reservation large enough to hold them).
    private static List<PfnRange> RetainedRanges(BootLayout layout, MemblockAllocator mb)
    {
        var keep = new List<PfnRange>();
        foreach (MemblockRange r in mb.Reserved.Regions)
        {
            keep.Add(new PfnRange(r.Base >> Page.Shift, (r.End + Page.Size - 1) >> Page.Shift));
        }
        foreach (MemblockRange r in mb.Memory.Regions.Where(r => r.IsNoMap))
        {
            keep.Add(new PfnRange(r.Base >> Page.Shift, r.End >> Page.Shift));
        }
        var giveBack = new List<PfnRange>();
        foreach (CmaArea a in layout.CmaAreas)
        {
            giveBack.Add(new PfnRange(a.BasePfn, a.BasePfn + a.DeclaredPages));
        }
        foreach (MemblockRegion r in layout.Memblock.Where(r => r.Movable))
        {
            giveBack.Add(r.Range);
        }
        if (layout.Initrd is (ulong initrd, ulong initrdSize))
        {
            giveBack.Add(new PfnRange(initrd >> Page.Shift, (initrd + initrdSize + Page.Size - 1) >> Page.Shift));
        }
        PfnRange? image = keep.OrderBy(r => r.Start).Cast<PfnRange?>().FirstOrDefault(r => r!.Value.Pages >= InitSectionPages);
        if (image is PfnRange img)
        {
            giveBack.Add(new PfnRange(img.End - InitSectionPages, img.End));
        }
        var result = new List<PfnRange>();
        foreach (PfnRange k in keep.OrderBy(r => r.Start))
        {
            foreach (PfnRange p in k.Subtract(giveBack))
            {
                if (result.Count > 0 && result[^1].End >= p.Start)
                {
                    result[^1] = new PfnRange(result[^1].Start, Math.Max(result[^1].End, p.End));
                }
                else
                {
                    result.Add(p);
                }
            }
        }
        return result;
    }

    private static ulong RoundUpPow2(ulong v) => v <= 1 ? 1 : 1UL << (64 - System.Numerics.BitOperations.LeadingZeroCount(v - 1));
}
