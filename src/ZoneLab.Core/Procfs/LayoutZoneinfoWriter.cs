using System.Text;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// Prints the boot-time part of /proc/zoneinfo in its own layout (mm/vmstat.c:zoneinfo_show_print, 6.1): the
/// "Node N, zone NAME" header (name right-aligned in 8), min/low/high when watermarks are known, the
/// spanned/present/managed/cma lines, "protection: (...)" and start_pfn for populated zones, so each line can be
/// compared with a real file.
/// </summary>
public static class LayoutZoneinfoWriter
{
    /// <summary>Writes the zones of every node in node and zone order.</summary>
    public static string Write(BootLayout layout, IReadOnlyDictionary<(int Node, ZoneType Type), ZoneWatermarks>? watermarks = null)
    {
        var sb = new StringBuilder();
        foreach (NodeLayout n in layout.Nodes)
        {
            foreach (ZoneLayout z in n.Zones)
            {
                ZoneWatermarks? w = null;
                watermarks?.TryGetValue((n.Nid, z.Type), out w);
                sb.Append($"Node {n.Nid}, zone {z.Name,8}\n");
                if (w != null)
                {
                    sb.Append($"        min      {w.Min}\n");
                    sb.Append($"        low      {w.Low}\n");
                    sb.Append($"        high     {w.High}\n");
                    if (w.HasPromoLine)
                    {
                        sb.Append($"        promo    {w.Promo}\n"); // 6.12 prints it, 6.1 does not
                    }
                }
                sb.Append($"        spanned  {z.Spanned}\n");
                sb.Append($"        present  {z.Present}\n");
                sb.Append($"        managed  {z.Managed}\n");
                sb.Append($"        cma      {z.CmaPages}\n");
                if (w != null)
                {
                    sb.Append("        protection: (").Append(string.Join(", ", w.LowmemReserve)).Append(")\n");
                }
                if (z.IsPopulated)
                {
                    sb.Append($"  start_pfn:           {z.StartPfn}\n");
                }
            }
        }
        return sb.ToString();
    }
}
