namespace ZoneLab.Layout;

/// <summary>
/// Estimates <c>managed_pages</c> (present pages minus what memblock keeps reserved at the end of boot) for x86-64
/// when no real /proc/zoneinfo is given. The terms and their placement follow where the kernel puts each
/// reservation; the sizes were calibrated on Debian 6.1 amd64 boots under QEMU (docs/managed-estimate.md):
/// <list type="bullet">
/// <item>the first 1 MiB is always reserved (x86 since 5.13, <c>x86/setup: always reserve the first 1M of RAM</c>);</item>
/// <item>the kernel image (text, rodata, data, bss after init is freed) sits at 16 MiB: <see cref="KernelImagePages"/>;</item>
/// <item>the memmap (64-byte <c>struct page</c> per page, allocated per present 128 MiB section = 512 pages) and
///   other per-node boot allocations are made top-down on the node, so they land in the zone of the node's last pages;</item>
/// <item>the 64 MiB swiotlb bounce buffer is allocated below 4 GiB when memory extends above 4 GiB (pci_swiotlb_detect).</item>
/// </list>
/// </summary>
public static class ManagedEstimator
{
    /// <summary>Pages of the Debian 6.1 amd64 kernel image that stay reserved (measured: 11318).</summary>
    public const ulong KernelImagePages = 11318;

    /// <summary>Pages of memmap per present section (32768 pages × 64 bytes).</summary>
    public const ulong MemmapPagesPerSection = 512;

    /// <summary>Other top-down boot allocations per node, per mille of node pages (page tables, percpu, NODE_DATA; measured 1.7-2.2‰).</summary>
    public const ulong OtherPerMille = 2;

    /// <summary>swiotlb default size (64 MiB) in pages.</summary>
    public const ulong SwiotlbPages = 16384;

    /// <summary>Fills <see cref="ZoneLayout.Managed"/> of every zone that has no real count yet.</summary>
    public static void Apply(BootLayout layout)
    {
        var reserved = new Dictionary<ZoneLayout, ulong>();
        void Charge(ZoneLayout? z, ulong pages)
        {
            if (z != null)
            {
                reserved[z] = reserved.GetValueOrDefault(z) + pages;
            }
        }
        ZoneLayout? ZoneOf(ulong pfn) => layout.AllZones.FirstOrDefault(z => z.IsPopulated && z.PresentRanges.Any(r => r.Contains(pfn)));

        // The first 1 MiB.
        foreach (ZoneLayout z in layout.AllZones)
        {
            foreach (PfnRange r in z.PresentRanges)
            {
                PfnRange low = r.Intersect(new PfnRange(0, 256));
                Charge(z, low.Pages);
            }
        }

        // The kernel image at 16 MiB (LOAD_PHYSICAL_ADDR with nokaslr).
        Charge(ZoneOf(0x1000000 >> Page.Shift) ?? ZoneOf(layout.Memblock[0].StartPfn), KernelImagePages);

        int shift = X86Boot.SectionSizeBits - Page.Shift;
        foreach (NodeLayout node in layout.Nodes)
        {
            // present sections, counted range by range (not one by one: a 4 PiB machine has 2^25 of them); ranges
            // are sorted, so a section shared with the previous range is the only one counted twice
            ulong sections = 0;
            ulong lastSection = ulong.MaxValue;
            foreach (PfnRange r in node.MemoryRanges)
            {
                ulong first = r.Start >> shift, last = (r.End - 1) >> shift;
                sections += last - first + 1 - (first == lastSection ? 1UL : 0UL);
                lastSection = last;
            }
            ulong top = MemmapPagesPerSection * sections + node.PresentPages * OtherPerMille / 1000;
            Charge(ZoneOf(node.MemoryRanges[^1].End - 1), top);
        }

        ulong maxPfn = layout.Memblock[^1].EndPfn;
        if (maxPfn > X86Boot.MaxDma32Pfn)
        {
            // swiotlb_init_remap() allocates below 4 GiB (memblock_alloc_low); with no RAM there it fails
            // ("swiotlb: cannot allocate buffer") and nothing is reserved
            ulong lowEnd = layout.Memblock.Where(r => r.StartPfn < X86Boot.MaxDma32Pfn).Select(r => Math.Min(r.EndPfn, X86Boot.MaxDma32Pfn)).DefaultIfEmpty(0UL).Max();
            if (lowEnd > 0)
            {
                Charge(ZoneOf(lowEnd - 1), SwiotlbPages);
            }
        }

        foreach (ZoneLayout z in layout.AllZones)
        {
            if (!z.ManagedIsReal)
            {
                ulong r = reserved.GetValueOrDefault(z);
                z.Managed = z.Present > r ? z.Present - r : 0;
            }
        }
    }
}
