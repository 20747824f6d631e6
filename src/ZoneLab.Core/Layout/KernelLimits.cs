namespace ZoneLab.Layout;

/// <summary>
/// The hard limits of the kernels ZoneLab models, used to refuse input no real machine can have (a located error
/// instead of an overflow, a hang or a silently wrong answer).
/// </summary>
public static class KernelLimits
{
    /// <summary>
    /// MAX_NUMNODES at its largest: <c>1 &lt;&lt; CONFIG_NODES_SHIFT</c>, and NODES_SHIFT is at most 10 on x86-64
    /// (arch/x86/Kconfig: range 1 10, the MAXSMP value) and arm64 (arch/arm64/Kconfig: range 1 10). A node id a
    /// kernel prints (SRAT, NODE_DATA, "node N:") is below it.
    /// </summary>
    public const int MaxNumNodes = 1 << 10;

    /// <summary>MAX_PHYSMEM_BITS of x86-64 with 4-level paging (arch/x86/include/asm/sparsemem.h): 64 TiB.</summary>
    public const int X86PhysmemBits4Level = 46;

    /// <summary>MAX_PHYSMEM_BITS of x86-64 with 5-level paging (CONFIG_X86_5LEVEL, la57): 4 PiB.</summary>
    public const int X86PhysmemBits5Level = 52;

    /// <summary>The largest machine x86-64 can address at all: 2^52 bytes (4 PiB).</summary>
    public const ulong X86MaxPhysicalBytes = 1UL << X86PhysmemBits5Level;

    /// <summary>
    /// MAX_PHYSMEM_BITS of arm64 with 4 KiB pages (arch/arm64/include/asm/sparsemem.h: CONFIG_ARM64_PA_BITS, at
    /// most 48 with 4 KiB pages in 6.1; 52 needs 64 KiB pages): 256 TiB.
    /// </summary>
    public const ulong Arm64MaxPhysicalBytes = 1UL << 48;

    /// <summary>
    /// MIN_MEMORY_BLOCK_SIZE on x86-64: one section, <c>1 &lt;&lt; SECTION_SIZE_BITS</c> (27, 128 MiB).
    /// </summary>
    public const ulong X86MinMemoryBlockSize = 1UL << 27;

    /// <summary>MAX_BLOCK_SIZE of arch/x86/mm/init_64.c: 2 GiB.</summary>
    public const ulong X86MaxMemoryBlockSize = 2UL << 30;

    /// <summary>
    /// MAX_FDT_SIZE (arch/arm64/include/asm/boot.h, SZ_2M): <c>fixmap_remap_fdt()</c> refuses a larger blob, so
    /// no arm64 kernel boots with one.
    /// </summary>
    public const uint MaxFdtSize = 2u << 20;

    /// <summary>
    /// True when <paramref name="bytes"/> is a memory block size <c>probe_memory_block_size()</c> can produce on
    /// x86-64: a power of two from MIN_MEMORY_BLOCK_SIZE (128 MiB) to MAX_BLOCK_SIZE (2 GiB); the generic code
    /// (drivers/base/memory.c) also requires a multiple of the section size.
    /// </summary>
    public static bool IsX86MemoryBlockSize(ulong bytes) =>
        bytes >= X86MinMemoryBlockSize && bytes <= X86MaxMemoryBlockSize && (bytes & (bytes - 1)) == 0;
}
