namespace ZoneLab.Layout;

/// <summary>Who declared a CMA area.</summary>
public enum CmaAreaKind
{
    /// <summary>The default DMA area "reserved" (cma= or CONFIG_CMA_SIZE_*), dma_contiguous_reserve().</summary>
    DmaDefault,

    /// <summary>A device tree <c>shared-dma-pool</c> with <c>reusable</c> (rmem_cma_setup()).</summary>
    DeviceTree,

    /// <summary>A per-node DMA area "pernuma&lt;nid&gt;" (cma_pernuma=).</summary>
    PerNuma,

    /// <summary>A gigantic-page area "hugetlb&lt;nid&gt;" (hugetlb_cma=).</summary>
    Hugetlb,
}

/// <summary>
/// One entry of <c>cma_areas[]</c> (mm/cma.h): name as debugfs shows it, base pfn, size in pages,
/// order_per_bit; after <c>cma_activate_area()</c> the zone it lies in, or not activated (count 0).
/// </summary>
public sealed class CmaArea
{
    public CmaArea(string name, ulong basePfn, ulong declaredPages, int orderPerBit, int requestedNid, CmaAreaKind kind)
    {
        Name = name;
        BasePfn = basePfn;
        DeclaredPages = declaredPages;
        OrderPerBit = orderPerBit;
        RequestedNid = requestedNid;
        Kind = kind;
    }

    /// <summary><c>cma-&gt;name</c> ("reserved", "linux,cma", "hugetlb0", "pernuma1", ...).</summary>
    public string Name { get; }

    /// <summary><c>cma-&gt;base_pfn</c>.</summary>
    public ulong BasePfn { get; }

    /// <summary>Pages reserved at declaration (<c>size &gt;&gt; PAGE_SHIFT</c>).</summary>
    public ulong DeclaredPages { get; }

    /// <summary><c>cma-&gt;order_per_bit</c>.</summary>
    public int OrderPerBit { get; }

    /// <summary>The node the declaration asked for (NUMA_NO_NODE = -1 for the default area).</summary>
    public int RequestedNid { get; }

    /// <summary>Who declared it.</summary>
    public CmaAreaKind Kind { get; }

    /// <summary>Physical base address.</summary>
    public ulong Base => BasePfn << Page.Shift;

    /// <summary>Size in bytes as declared.</summary>
    public ulong Size => DeclaredPages << Page.Shift;

    /// <summary>True once cma_activate_area() found every page in one zone; false when it refused the area.</summary>
    public bool? Activated { get; internal set; }

    /// <summary>The zone of the area's pages (null when not activated).</summary>
    public ZoneType? Zone { get; internal set; }

    /// <summary>The node of the area's base pfn.</summary>
    public int? Node { get; internal set; }

    /// <summary><c>cma-&gt;count</c> after activation as debugfs <c>count</c> shows it: 0 for an area that was not activated.</summary>
    public ulong Count => Activated == false ? 0 : DeclaredPages;

    public override string ToString() => $"{Name} 0x{Base:x}+{Size >> 20} MiB";
}
