using System.Globalization;
using System.Text;
using ZoneLab.Allocator;
using ZoneLab.Metrics;

namespace ZoneLab.Procfs;

/// <summary>Writes debugfs <c>extfrag/extfrag_index</c> and <c>extfrag/unusable_index</c> (mm/vmstat.c).</summary>
public static class ExtfragWriter
{
    /// <summary><c>extfrag_show_print</c>: "%2d.%03d " per order.</summary>
    public static string ExtfragIndex(Machine m) => Write(m, (o, info) =>
    {
        int index = FragmentationIndex.Fragmentation(o, info);
        return string.Create(CultureInfo.InvariantCulture, $"{index / 1000,2}.{Math.Abs(index % 1000):000} ");
    });

    /// <summary><c>unusable_show_print</c>: "%d.%03d " per order.</summary>
    public static string UnusableIndex(Machine m) => Write(m, (o, info) =>
    {
        int index = FragmentationIndex.Unusable(o, info);
        return string.Create(CultureInfo.InvariantCulture, $"{index / 1000}.{index % 1000:000} ");
    });

    private static string Write(Machine m, Func<int, ContigPageInfo, string> cell)
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
                sb.Append(cell(o, FragmentationIndex.Fill(m, z.Index, o)));
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}
