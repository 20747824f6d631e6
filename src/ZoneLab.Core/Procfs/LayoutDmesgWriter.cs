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
    /// <summary>Writes the lines, each ending in '\n'.</summary>
    public static string Write(BootLayout layout, bool timestamps = false)
    {
        var sb = new StringBuilder();
        string pre = timestamps ? "[    0.000000] " : string.Empty;
        void Line(string s) => sb.Append(pre).Append(s).Append('\n');

        foreach (string m in layout.Log.In(BootPhase.SetupArch))
        {
            Line(m); // setup_arch(): reserved memory, NUMA, hugetlb_cma, x86 dma_contiguous_reserve()
        }
        foreach (string m in layout.KernelMessages)
        {
            Line(m); // find_zone_movable_pfns_for_nodes() runs before the "Zone ranges:" print
        }
        Line("Zone ranges:");
        foreach (ZoneType z in layout.ZoneTypesConfigured)
        {
            if (z == ZoneType.Movable)
            {
                continue;
            }
            ulong lo = layout.ArchZoneLowestPfn[(int)z], hi = layout.ArchZoneHighestPfn[(int)z];
            string name = ZoneTypes.Name(z).PadRight(8);
            Line(lo == hi
                ? $"  {name} empty"
                : $"  {name} [mem {KernelNumber.Hex18(lo << Page.Shift)}-{KernelNumber.Hex18((hi << Page.Shift) - 1)}]");
        }
        Line("Movable zone start for each node");
        foreach (KeyValuePair<int, ulong> kv in layout.ZoneMovablePfn.OrderBy(k => k.Key))
        {
            if (kv.Value != 0)
            {
                Line($"  Node {kv.Key}: {KernelNumber.Hex18(kv.Value << Page.Shift)}");
            }
        }
        Line("Early memory node ranges");
        foreach (MemblockRegion r in layout.Memblock)
        {
            Line($"  node {r.Nid,3}: [mem {KernelNumber.Hex18(r.StartPfn << Page.Shift)}-{KernelNumber.Hex18((r.EndPfn << Page.Shift) - 1)}]");
        }
        foreach (NodeLayout n in layout.Nodes)
        {
            Line($"Initmem setup node {n.Nid} [mem {KernelNumber.Hex18(n.StartPfn << Page.Shift)}-{KernelNumber.Hex18((n.EndPfn << Page.Shift) - 1)}]");
        }
        foreach (UnavailableRange u in layout.UnavailableRanges)
        {
            Line($"On node {u.Nid}, zone {ZoneTypes.Name(u.Zone)}: {u.Pages} pages in unavailable ranges");
        }
        foreach (string m in layout.Log.In(BootPhase.AfterZones))
        {
            Line(m); // arm64 bootmem_init(): dma_contiguous_reserve() after zone_sizes_init()
        }
        foreach (string m in layout.Log.In(BootPhase.Initcall))
        {
            Line(m); // cma_init_reserved_areas() and later
        }
        return sb.ToString();
    }
}
