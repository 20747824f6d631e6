namespace ZoneLab.Layout.DeviceTree;

/// <summary>
/// The part of drivers/of/address.c (6.1) arm64 uses to size ZONE_DMA: <c>dma-ranges</c> parsing
/// (<c>of_dma_range_parser_init</c>, <c>for_each_of_range</c>), <c>of_translate_dma_address()</c> and
/// <c>of_dma_get_max_cpu_address()</c>. Every bus is translated with the default map (<c>of_bus_default_map</c>);
/// PCI's flag cell only matters for I/O-space ranges, which do not bound DMA.
/// </summary>
public static class OfDmaRanges
{
    /// <summary>OF_BAD_ADDR.</summary>
    public const ulong BadAddress = ulong.MaxValue;

    /// <summary>PHYS_ADDR_MAX: "no DMA constraint".</summary>
    public const ulong PhysAddrMax = ulong.MaxValue;

    /// <summary>OF_MAX_ADDR_CELLS.</summary>
    private const int MaxAddrCells = 4;

    /// <summary>
    /// mirrors of_dma_get_max_cpu_address(np): the highest CPU address every DMA master under
    /// <paramref name="node"/> can reach, the minimum over the subtree; PHYS_ADDR_MAX when nothing limits it.
    /// </summary>
    public static ulong MaxCpuAddress(DeviceTreeNode node, int depth = 0)
    {
        ulong max = PhysAddrMax;
        ulong cpuEnd = 0;
        if (node.Property("dma-ranges") is DeviceTreeProperty ranges && ranges.Length > 0)
        {
            foreach ((ulong cpu, ulong size) in Ranges(node, ranges))
            {
                if (unchecked(cpu + size) > cpuEnd)
                {
                    cpuEnd = unchecked(cpu + size - 1);
                }
            }
            if (max > cpuEnd)
            {
                max = cpuEnd;
            }
        }
        if (depth >= FlattenedDeviceTree.MaxDepth)
        {
            return max;
        }
        foreach (DeviceTreeNode child in node.Children)
        {
            if (!child.IsAvailable)
            {
                continue; // for_each_available_child_of_node
            }
            ulong sub = MaxCpuAddress(child, depth + 1);
            if (max > sub)
            {
                max = sub;
            }
        }
        return max;
    }

    /// <summary>
    /// The (cpu address, size) pairs of a node's <c>dma-ranges</c>: entries of (child address, parent address, size)
    /// cells, the parent address translated up to the root (parser_init + of_pci_range_parser_one).
    /// </summary>
    public static IEnumerable<(ulong Cpu, ulong Size)> Ranges(DeviceTreeNode node, DeviceTreeProperty ranges)
    {
        int na = node.BusAddressCells;   // of_bus_n_addr_cells(node): child bus address cells
        int pna = node.AddressCells;     // of_n_addr_cells(node): parent bus address cells
        int ns = node.BusSizeCells;
        int one = na + pna + ns;
        if (one <= 0 || one > 64)
        {
            yield break;
        }
        for (int i = 0; i + one <= ranges.CellCount; i += one)
        {
            uint[] parentAddr = new uint[pna];
            for (int k = 0; k < pna; k++)
            {
                parentAddr[k] = ranges.Cell(i + na + k) ?? 0;
            }
            ulong cpu = TranslateDmaAddress(node, parentAddr);
            ulong size = ranges.ReadNumber(i + na + pna, ns);
            yield return (cpu, size);
        }
    }

    /// <summary>
    /// mirrors of_translate_dma_address(dev, in_addr) → __of_translate_address(): <paramref name="addr"/> is an address
    /// on <paramref name="dev"/>'s parent bus; each ancestor below the root maps it through its own <c>dma-ranges</c>
    /// (absent or empty: 1:1), OF_BAD_ADDR when no entry covers it.
    /// </summary>
    public static ulong TranslateDmaAddress(DeviceTreeNode dev, uint[] addr)
    {
        DeviceTreeNode? cur = dev.Parent;
        if (cur == null)
        {
            return BadAddress;
        }
        int na = dev.AddressCells;
        int ns = dev.SizeCells;
        if (na < 1 || na > MaxAddrCells || ns <= 0)
        {
            return BadAddress; // OF_CHECK_COUNTS
        }
        uint[] a = addr;
        for (int guard = 0; guard <= FlattenedDeviceTree.MaxDepth; guard++)
        {
            DeviceTreeNode? parent = cur.Parent;
            if (parent == null)
            {
                return Read(a, na);
            }
            int pna = cur.AddressCells;
            int pns = cur.SizeCells;
            if (pna < 1 || pna > MaxAddrCells || pns <= 0)
            {
                return BadAddress;
            }
            DeviceTreeProperty? ranges = cur.Property("dma-ranges");
            uint[] next = new uint[pna];
            ulong offset;
            if (ranges == null || ranges.Length == 0)
            {
                offset = Read(a, na); // empty ranges; 1:1 translation
            }
            else
            {
                offset = BadAddress;
                int rone = na + pna + ns;
                for (int i = 0; i + rone <= ranges.CellCount; i += rone)
                {
                    // of_bus_default_map()
                    ulong cp = ranges.ReadNumber(i, na);
                    ulong s = ranges.ReadNumber(i + na + pna, ns);
                    ulong da = Read(a, na);
                    if (da >= cp && da < unchecked(cp + s))
                    {
                        offset = da - cp;
                        for (int k = 0; k < pna; k++)
                        {
                            next[k] = ranges.Cell(i + na + k) ?? 0;
                        }
                        break;
                    }
                }
                if (offset == BadAddress)
                {
                    return BadAddress;
                }
            }
            // of_bus_default_translate(): the parent address plus the offset, in the low two cells
            ulong v = unchecked(Read(next, pna) + offset);
            Array.Clear(next);
            next[pna - 1] = (uint)v;
            if (pna > 1)
            {
                next[pna - 2] = (uint)(v >> 32);
            }
            a = next;
            na = pna;
            ns = pns;
            cur = parent;
        }
        return BadAddress;
    }

    private static ulong Read(uint[] cells, int n)
    {
        ulong r = 0;
        for (int i = Math.Max(0, cells.Length - n); i < cells.Length; i++)
        {
            r = unchecked((r << 32) | cells[i]);
        }
        return r;
    }
}
