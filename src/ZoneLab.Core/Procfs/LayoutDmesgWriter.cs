using System.Text;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// Prints the boot layout as the kernel's own dmesg lines (mm/page_alloc.c 6.1: free_area_init(),
/// free_area_init_node(), init_unavailable_range()), byte for byte, optionally with the <c>[    0.000000] </c> prefix,
/// with the modelled setup_arch() messages (reserved memory, NUMA, CMA declarations) before them, arm64's
/// dma_contiguous_reserve() lines after them and CMA activation failures last.
/// </summary>
public static class LayoutDmesgWriter
{
    /// <summary>
    /// Writes the lines, each ending in '\n', as the kernel version of <see cref="BootLayout.KernelVersion"/> prints
    /// them (6.1 when none; see <see cref="KernelPrintStyle"/>).
    /// </summary>
    public static string Write(BootLayout layout, bool timestamps = false)
    {
        var sb = new StringBuilder();
        string pre = timestamps ? "[    0.000000] " : string.Empty;
        void Line(string s) => sb.Append(pre).Append(s).Append('\n');
        var style = new KernelPrintStyle(layout.KernelVersion) { InitmemAtZoneInit = layout.NodeDataAllocatedLines };

        foreach (string m in layout.Log.In(BootPhase.SetupArch))
        {
            Line(m); // setup_arch(): reserved memory, NUMA, hugetlb_cma, x86 dma_contiguous_reserve()
        }
        if (style.InitmemDuringNumaSetup)
        {
            // 3.x arch/x86/mm/numa.c setup_node_data(): printed while the node data is allocated, before zone sizing.
            foreach ((int nid, ulong start, ulong end) in layout.NumaNodeExtents)
            {
                Line($"Initmem setup node {nid} [mem {style.Hex(start)}-{style.Hex(end - 1)}]");
            }
        }
        foreach (string m in layout.KernelMessages)
        {
            Line(m); // find_zone_movable_pfns_for_nodes() runs before the "Zone ranges:" print
        }
        Line("Zone ranges:");
        foreach (string zoneRange in FreeAreaInitLines.ZoneRanges(layout, style))
        {
            Line(zoneRange);
        }
        Line("Movable zone start for each node");
        foreach (KeyValuePair<int, ulong> kv in layout.ZoneMovablePfn.OrderBy(k => k.Key))
        {
            if (kv.Value != 0)
            {
                Line($"  Node {kv.Key}: {style.Hex(kv.Value << Page.Shift)}");
            }
        }
        Line("Early memory node ranges");
        foreach (MemblockRegion r in layout.Memblock)
        {
            Line("  " + FreeAreaInitLines.NodeRange(style, r.Nid, r.StartPfn << Page.Shift, r.EndPfn << Page.Shift));
        }

        // free_area_init(): for_each_node() over the possible nodes; memoryless ones get a pgdat too (5.17+).
        bool generic = style.Memoryless is MemorylessNodeStyle.Generic or MemorylessNodeStyle.GenericInitmemOnly;
        var order = layout.Nodes.Select(n => (n.Nid, Node: (NodeLayout?)n)).ToList();
        if (generic)
        {
            order.AddRange(layout.MemorylessNodes.Select(m => (m.Nid, Node: (NodeLayout?)null)));
        }
        foreach ((int nid, NodeLayout? n) in order.OrderBy(x => x.Nid))
        {
            if (n == null)
            {
                if (style.Memoryless == MemorylessNodeStyle.Generic)
                {
                    Line($"Initializing node {nid} as memoryless");
                }
                Line($"Initmem setup node {nid} as memoryless");
                continue;
            }
            if (!style.InitmemDuringNumaSetup)
            {
                Line($"Initmem setup node {n.Nid} [mem {style.Hex(n.StartPfn << Page.Shift)}-{style.Hex((n.EndPfn << Page.Shift) - 1)}]");
            }
            if (style.UnavailableRangeLines && !style.UnavailableAfterAllNodes)
            {
                Unavailable(layout.UnavailableRanges.Where(u => u.Nid == n.Nid)); // 5.12-5.14: memmap_init() per node
            }
        }
        if (style.UnavailableRangeLines && style.UnavailableAfterAllNodes)
        {
            Unavailable(layout.UnavailableRanges); // 5.15+: memmap_init() once, after every node
        }
        foreach (string m in layout.Log.In(BootPhase.AfterZones))
        {
            Line(m); // arm64 bootmem_init(): dma_contiguous_reserve() after zone_sizes_init()
        }
        if (style.Memoryless == MemorylessNodeStyle.LateX86)
        {
            // 4.x-5.16 init_cpu_to_node() → init_memory_less_node(), after "smpboot: Allowing N CPUs": a pgdat for each
            // CPU node that is not online, free_area_init_node() with no pfns.
            foreach (MemorylessNode m in layout.MemorylessNodes.Where(m => m.HasCpus))
            {
                Line($"Initmem setup node {m.Nid} [mem {style.Hex(0)}-{style.Hex(0)}]");
                if (style.NodeTotalpagesLine)
                {
                    Line($"On node {m.Nid} totalpages: 0");
                }
            }
        }
        foreach (string m in layout.Log.In(BootPhase.Initcall))
        {
            Line(m); // cma_init_reserved_areas() and later
        }
        return sb.ToString();

        void Unavailable(IEnumerable<UnavailableRange> ranges)
        {
            foreach (UnavailableRange u in ranges)
            {
                Line(FreeAreaInitLines.UnavailableRange(u));
            }
        }
    }
}
