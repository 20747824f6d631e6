namespace ZoneLab.Layout.DeviceTree;

/// <summary>
/// What early boot reads from a device tree (drivers/of/fdt.c 6.1: early_init_dt_scan_root, _memory, _chosen;
/// fdt_scan_reserved_mem; drivers/of/of_numa.c; drivers/of/address.c:of_dma_get_max_cpu_address), decoded
/// as the kernel decodes it, with the kernel's messages for what it skips.
/// </summary>
public sealed class BootDeviceTree
{
    private BootDeviceTree(FlattenedDeviceTree fdt)
    {
        Fdt = fdt;
    }

    /// <summary>The parsed blob.</summary>
    public FlattenedDeviceTree Fdt { get; }

    /// <summary><c>dt_root_addr_cells</c>.</summary>
    public int RootAddressCells { get; private init; }

    /// <summary><c>dt_root_size_cells</c>.</summary>
    public int RootSizeCells { get; private init; }

    /// <summary>The root's <c>model</c> (or first <c>compatible</c>), printed as "Machine model: ...".</summary>
    public string? Model { get; private init; }

    /// <summary>Ranges of every available <c>device_type = "memory"</c> child of the root, in blob order.</summary>
    public IReadOnlyList<DtMemoryRange> Memory { get; private init; } = Array.Empty<DtMemoryRange>();

    /// <summary><c>/chosen/bootargs</c>, or null.</summary>
    public string? Bootargs { get; private init; }

    /// <summary><c>linux,initrd-start</c> / <c>linux,initrd-end</c>, when both are present.</summary>
    public (ulong Start, ulong End)? Initrd { get; private init; }

    /// <summary>The <c>/reserved-memory</c> node is present.</summary>
    public bool HasReservedMemory { get; private init; }

    /// <summary>
    /// __reserved_mem_check_root(): the node has the root's cell sizes and a <c>ranges</c> property; otherwise the
    /// kernel prints "Reserved memory: unsupported node format, ignoring" and ignores every child.
    /// </summary>
    public bool ReservedMemoryRootValid { get; private init; }

    /// <summary>Children of <c>/reserved-memory</c> in blob order (available or not).</summary>
    public IReadOnlyList<ReservedMemoryNode> ReservedMemory { get; private init; } = Array.Empty<ReservedMemoryNode>();

    /// <summary>of_dma_get_max_cpu_address(NULL): the DMA limit from <c>dma-ranges</c>, <see cref="OfDmaRanges.PhysAddrMax"/> if none.</summary>
    public ulong MaxDmaCpuAddress { get; private init; }

    /// <summary>The blob's <c>/memreserve/</c> entries.</summary>
    public IReadOnlyList<FdtReserveEntry> MemReserve => Fdt.MemoryReservations;

    /// <summary>Decodes a parsed blob.</summary>
    public static BootDeviceTree From(FlattenedDeviceTree fdt)
    {
        DeviceTreeNode root = fdt.Root;
        // early_init_dt_scan_root()
        int ac = (int)Math.Min(root.Property("#address-cells")?.AsU32() ?? DeviceTreeNode.RootAddressCellsDefault, 64u);
        int sc = (int)Math.Min(root.Property("#size-cells")?.AsU32() ?? DeviceTreeNode.RootSizeCellsDefault, 64u);

        DeviceTreeNode? chosen = fdt.Find("/chosen") ?? fdt.Find("/chosen@0");
        string? bootargs = null;
        (ulong, ulong)? initrd = null;
        if (chosen != null)
        {
            // early_init_dt_scan_chosen(): bootargs copied up to COMMAND_LINE_SIZE (2048 on arm64)
            DeviceTreeProperty? b = chosen.Property("bootargs");
            if (b != null && b.Length > 0)
            {
                string s = b.AsString() ?? System.Text.Encoding.UTF8.GetString(b.Value);
                bootargs = s.Length > 2047 ? s[..2047] : s;
            }
            // early_init_dt_check_for_initrd(): of_read_number(prop, len / 4)
            DeviceTreeProperty? st = chosen.Property("linux,initrd-start");
            DeviceTreeProperty? en = chosen.Property("linux,initrd-end");
            if (st != null && en != null)
            {
                initrd = (st.ReadNumber(0, st.CellCount), en.ReadNumber(0, en.CellCount));
            }
        }

        var memory = new List<DtMemoryRange>();
        int pair = ac + sc;
        foreach (DeviceTreeNode n in root.Children)
        {
            // early_init_dt_scan_memory(): device_type "memory", available, linux,usable-memory or reg
            if (n.Property("device_type")?.AsString() != "memory" || !n.IsAvailable)
            {
                continue;
            }
            DeviceTreeProperty? reg = n.Property("linux,usable-memory") ?? n.Property("reg");
            if (reg == null || pair == 0)
            {
                continue;
            }
            int? nid = n.Property("numa-node-id")?.AsU32() is uint v ? (int)Math.Min(v, int.MaxValue) : null;
            bool hot = n.Has("hotpluggable");
            for (int i = 0; i + pair <= reg.CellCount; i += pair)
            {
                ulong b = reg.ReadNumber(i, ac);
                ulong s = reg.ReadNumber(i + ac, sc);
                if (s != 0)
                {
                    memory.Add(new DtMemoryRange(b, s, nid, hot, n.Path));
                }
            }
        }

        DeviceTreeNode? rmem = fdt.Find("/reserved-memory");
        bool rootValid = false;
        var children = new List<ReservedMemoryNode>();
        if (rmem != null)
        {
            rootValid = rmem.Property("#size-cells")?.AsU32() == (uint)sc
                && rmem.Property("#address-cells")?.AsU32() == (uint)ac
                && rmem.Has("ranges");
            foreach (DeviceTreeNode c in rmem.Children)
            {
                children.Add(new ReservedMemoryNode(c, ac, sc));
            }
        }

        string? model = root.Property("model")?.AsString() ?? root.Compatible.FirstOrDefault();
        return new BootDeviceTree(fdt)
        {
            RootAddressCells = ac,
            RootSizeCells = sc,
            Model = model,
            Memory = memory,
            Bootargs = bootargs,
            Initrd = initrd,
            HasReservedMemory = rmem != null,
            ReservedMemoryRootValid = rootValid,
            ReservedMemory = children,
            MaxDmaCpuAddress = OfDmaRanges.MaxCpuAddress(root),
        };
    }

    /// <summary>Loads and decodes a <c>.dtb</c> file.</summary>
    public static BootDeviceTree Load(string path) => From(FlattenedDeviceTree.Load(path));
}
