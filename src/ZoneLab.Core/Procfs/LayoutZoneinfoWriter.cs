using System.Text;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// Prints the layout part of /proc/zoneinfo in its own layout (mm/vmstat.c:zoneinfo_show_print, 6.1): the
/// "Node N, zone NAME" header (name right-aligned in 8), the spanned/present/managed/cma lines, and start_pfn
/// for populated zones, so the lines can be compared with a real file.
/// </summary>
public static class LayoutZoneinfoWriter
{
    /// <summary>Writes the zones of every node in node and zone order.</summary>
    public static string Write(BootLayout layout)
    {
        var sb = new StringBuilder();
        foreach (NodeLayout n in layout.Nodes)
        {
            foreach (ZoneLayout z in n.Zones)
            {
                sb.Append($"Node {n.Nid}, zone {z.Name,8}\n");
                sb.Append($"        spanned  {z.Spanned}\n");
                sb.Append($"        present  {z.Present}\n");
                sb.Append($"        managed  {z.Managed}\n");
                sb.Append($"        cma      {z.CmaPages}\n"); // zone_cma_pages(), printed by 6.1 with or without CONFIG_CMA
                if (z.IsPopulated)
                {
                    sb.Append($"  start_pfn:           {z.StartPfn}\n");
                }
            }
        }
        return sb.ToString();
    }
}
