namespace ZoneLab.Layout;

/// <summary>
/// The range lines free_area_init() prints (mm/page_alloc.c), as the log's kernel version formats them: written by
/// Procfs' dmesg writer and compared with a boot log's own lines by <see cref="BootLogConsistency"/>, so both read
/// the same text.
/// </summary>
public static class FreeAreaInitLines
{
    /// <summary>
    /// The lines under "Zone ranges:": every configured zone but ZONE_MOVABLE, from arch_zone_lowest_possible_pfn to
    /// arch_zone_highest_possible_pfn, "empty" when they are equal (two leading spaces, the name padded to 8).
    /// </summary>
    public static List<string> ZoneRanges(BootLayout layout, KernelPrintStyle style)
    {
        var result = new List<string>();
        foreach (ZoneType z in layout.ZoneTypesConfigured)
        {
            if (z == ZoneType.Movable)
            {
                continue;
            }
            ulong lo = layout.ArchZoneLowestPfn[(int)z], hi = layout.ArchZoneHighestPfn[(int)z];
            string name = ZoneTypes.Name(z).PadRight(8);
            result.Add(lo == hi ? $"  {name} empty" : $"  {name} [mem {style.Hex(lo << Page.Shift)}-{style.Hex((hi << Page.Shift) - 1)}]");
        }
        return result;
    }

    /// <summary>init_unavailable_range()'s line for one zone's memmap holes (5.12+).</summary>
    public static string UnavailableRange(UnavailableRange u) =>
        $"On node {u.Nid}, zone {ZoneTypes.Name(u.Zone)}: {u.Pages} pages in unavailable ranges";

    /// <summary>One line under "Early memory node ranges" for bytes [<paramref name="start"/>, <paramref name="end"/>), without the leading spaces.</summary>
    public static string NodeRange(KernelPrintStyle style, int nid, ulong start, ulong end) =>
        $"node {nid,3}: [mem {style.Hex(start)}-{style.Hex(end - 1)}]";
}
