using System.Globalization;
using System.Text;
using ZoneLab.Allocator;

namespace ZoneLab.Procfs;

/// <summary>Writes <c>/proc/buddyinfo</c> (mm/vmstat.c <c>frag_show_print</c>): populated zones only.</summary>
public static class BuddyinfoWriter
{
    /// <summary>The file's text.</summary>
    public static string Write(Machine m)
    {
        var sb = new StringBuilder();
        foreach (Zone z in m.Zones)
        {
            if (z.PresentPages == 0)
            {
                continue;
            }

            sb.Append(CultureInfo.InvariantCulture, $"Node {z.Node}, zone {z.Name,8} ");
            for (int o = 0; o <= Pageblock.MaxOrder; o++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{m.AreaNrFree(z.Index, o),6} ");
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}
