namespace ZoneLab.Allocator;

/// <summary>
/// Node counters for kernel pages that are not slab, kept apart from <see cref="PageUse.Kernel"/> (which the model
/// otherwise prints as unreclaimable slab): the kernel's <c>NR_KERNEL_STACK_KB</c> and <c>NR_PAGETABLE</c>, unevictable
/// pages, and everything else the kernel uses without a counter of its own (vmalloc, percpu, per-cpu free lists,
/// drivers, device memory). Set when a machine is brought to a device's state (<c>--from</c>).
/// </summary>
public enum KernelPageStat
{
    /// <summary>Kernel stacks (<c>NR_KERNEL_STACK_KB</c>, meminfo KernelStack).</summary>
    KernelStack = 0,

    /// <summary>Page tables (<c>NR_PAGETABLE</c>, meminfo PageTables).</summary>
    PageTables = 1,

    /// <summary>Unevictable pages (ramfs, mlocked; meminfo Unevictable): held, never reclaimed by the model.</summary>
    Unevictable = 2,

    /// <summary>Kernel memory with no counter of its own (MemTotal - MemFree - everything meminfo itemises).</summary>
    Other = 3,
}
