namespace ZoneLab.Layout.DeviceTree;

/// <summary>
/// A child of <c>/reserved-memory</c> (Documentation/devicetree/bindings/reserved-memory/reserved-memory.yaml and
/// shared-dma-pool.yaml; the DMB series' <c>designated-movable-block</c> and <c>shared-dmb-pool</c>), decoded with
/// the root's cell sizes as drivers/of/of_reserved_mem.c does. A malformed property is recorded with the kernel's
/// message instead of a value; the boot code reacts to it as the kernel does.
/// </summary>
public sealed class ReservedMemoryNode
{
    internal ReservedMemoryNode(DeviceTreeNode node, int addressCells, int sizeCells)
    {
        Node = node;
        Name = node.Name;
        Compatible = node.Compatible;
        Available = node.IsAvailable;
        Reusable = node.Has("reusable");
        NoMap = node.Has("no-map");
        CmaDefault = node.Has("linux,cma-default");
        DmaDefault = node.Has("linux,dma-default");
        Phandle = (node.Property("phandle") ?? node.Property("linux,phandle"))?.AsU32();

        int tLen = (addressCells + sizeCells) * 4;

        // __reserved_mem_reserve_reg(): "reg" is a list of (address, size) with the root's cells.
        if (node.Property("reg") is DeviceTreeProperty reg)
        {
            if (tLen == 0 || (reg.Length != 0 && reg.Length % tLen != 0))
            {
                RegError = $"Reserved memory: invalid reg property in '{Name}', skipping node.";
            }
            else
            {
                Reg = ReadRanges(reg, addressCells, sizeCells);
            }
        }

        // __reserved_mem_alloc_size(): "size" has exactly the root's size cells, "alignment" the address cells.
        if (node.Property("size") is DeviceTreeProperty size)
        {
            HasSize = true;
            if (size.Length != sizeCells * 4)
            {
                SizeError = $"invalid size property in '{Name}' node.";
            }
            else
            {
                Size = size.ReadNumber(0, sizeCells);
            }
        }
        if (node.Property("alignment") is DeviceTreeProperty align)
        {
            if (align.Length != addressCells * 4)
            {
                AlignmentError = $"invalid alignment property in '{Name}' node.";
            }
            else
            {
                Alignment = align.ReadNumber(0, addressCells);
            }
        }
        if (node.Property("alloc-ranges") is DeviceTreeProperty ranges)
        {
            if (tLen == 0 || ranges.Length % tLen != 0)
            {
                AllocRangesError = $"invalid alloc-ranges property in '{Name}', skipping node.";
            }
            else
            {
                AllocRanges = ReadRanges(ranges, addressCells, sizeCells);
            }
        }
    }

    /// <summary>The device tree node.</summary>
    public DeviceTreeNode Node { get; }

    /// <summary>The node name as the kernel prints it (<c>uname</c>, e.g. <c>linux,cma</c> or <c>pool@60000000</c>).</summary>
    public string Name { get; }

    /// <summary>The <c>compatible</c> strings.</summary>
    public IReadOnlyList<string> Compatible { get; }

    /// <summary><c>status</c> is absent, "okay" or "ok".</summary>
    public bool Available { get; }

    /// <summary><c>reusable</c>: the OS may use the memory while the device does not (a CMA pool).</summary>
    public bool Reusable { get; }

    /// <summary><c>no-map</c>: the region is removed from the linear map (memblock_mark_nomap).</summary>
    public bool NoMap { get; }

    /// <summary><c>linux,cma-default</c>: the pool becomes the default CMA area.</summary>
    public bool CmaDefault { get; }

    /// <summary><c>linux,dma-default</c>: the default coherent DMA pool (CONFIG_DMA_GLOBAL_POOL).</summary>
    public bool DmaDefault { get; }

    /// <summary>The node's phandle, if any.</summary>
    public uint? Phandle { get; }

    /// <summary>Static placement from <c>reg</c>, or null when the node has no usable reg.</summary>
    public IReadOnlyList<DtRange>? Reg { get; }

    /// <summary>The kernel's message when <c>reg</c> has a bad length.</summary>
    public string? RegError { get; }

    /// <summary>True when the node has a <c>size</c> property (even a malformed one).</summary>
    public bool HasSize { get; }

    /// <summary>Dynamic size from <c>size</c>.</summary>
    public ulong? Size { get; }

    /// <summary>The kernel's message when <c>size</c> has a bad length.</summary>
    public string? SizeError { get; }

    /// <summary>Alignment of a dynamic allocation from <c>alignment</c>.</summary>
    public ulong? Alignment { get; }

    /// <summary>The kernel's message when <c>alignment</c> has a bad length.</summary>
    public string? AlignmentError { get; }

    /// <summary>Ranges a dynamic allocation may come from (<c>alloc-ranges</c>), tried in order.</summary>
    public IReadOnlyList<DtRange>? AllocRanges { get; }

    /// <summary>The kernel's message when <c>alloc-ranges</c> has a bad length.</summary>
    public string? AllocRangesError { get; }

    /// <summary><c>compatible = "shared-dma-pool"</c> (kernel/dma/contiguous.c and coherent.c).</summary>
    public bool IsSharedDmaPool => Node.IsCompatible("shared-dma-pool");

    /// <summary><c>compatible = "designated-movable-block"</c> (DMB series v1; no driver in mainline 6.1).</summary>
    public bool IsDesignatedMovableBlock => Node.IsCompatible("designated-movable-block");

    /// <summary><c>compatible = "shared-dmb-pool"</c> (DMB series v1; no driver in mainline 6.1).</summary>
    public bool IsSharedDmbPool => Node.IsCompatible("shared-dmb-pool");

    // dt_mem_next_cell() pairs while at least one whole pair remains.
    private static List<DtRange> ReadRanges(DeviceTreeProperty p, int addressCells, int sizeCells)
    {
        var list = new List<DtRange>();
        int pair = addressCells + sizeCells;
        for (int i = 0; pair > 0 && (i + pair) <= p.CellCount; i += pair)
        {
            list.Add(new DtRange(p.ReadNumber(i, addressCells), p.ReadNumber(i + addressCells, sizeCells)));
        }
        return list;
    }

    public override string ToString() => Name;
}
