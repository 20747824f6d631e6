namespace ZoneLab.Workloads;

/// <summary>
/// The kernel's own memory traffic in the bandwidth model (<c>machine.kernel_traffic</c>, docs/bandwidth.md): it loads
/// the controllers where the kernel's pages are in the engine at each sample. No published per-workload figures for
/// the DRAM traffic of slab, page tables or struct pages were found, so every value is a parameter of the scenario.
/// </summary>
/// <param name="SlabBytesPerSecond">Bytes/s of slab and other kernel-object traffic, spread evenly over every allocated
/// kernel page that is not a page table (unmovable and reclaimable slab, kernel allocations).</param>
/// <param name="PageTableFraction">Of each accessing actor's <c>access</c>, the part that becomes page-table walks (TLB
/// misses), on that actor's own PTE pages.</param>
/// <param name="MemmapFraction">Of each accessing actor's <c>access</c>, the part that touches the <c>struct page</c>s of its
/// pages (LRU, reference and dirty bits, page-cache lookups), in the memmap where sparse_init() put them.</param>
public sealed record KernelTraffic(double SlabBytesPerSecond, double PageTableFraction, double MemmapFraction);
