namespace ZoneLab.Layout;

/// <summary>
/// The <c>struct page</c>s of pfns [<paramref name="StartPfn"/>, <paramref name="EndPfn"/>) (one memory section) start at
/// physical address <paramref name="Phys"/>: sparse_init() → sparse_init_nid() → __populate_section_memmap() from the
/// node's sparse buffer (mm/sparse.c, 6.1), 64 bytes per page.
/// </summary>
public readonly record struct MemmapRange(ulong StartPfn, ulong EndPfn, ulong Phys)
{
    /// <summary>sizeof(struct page) on 64-bit kernels without CONFIG_MEMCG_KMEM oddities: 64 bytes.</summary>
    public const ulong StructPageSize = 64;

    /// <summary>The physical address of <paramref name="pfn"/>'s struct page.</summary>
    public ulong StructPage(ulong pfn) => Phys + (pfn - StartPfn) * StructPageSize;
}
