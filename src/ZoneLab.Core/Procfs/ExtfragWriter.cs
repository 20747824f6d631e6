using System.Globalization;
using System.Text;
using ZoneLab.Allocator;

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

    /// <summary>
    /// Counts of <c>mm_page_alloc_extfrag</c> events: one line per (requested type, fallback list) pair that occurred,
    /// "alloc_migratetype=N fallback_migratetype=N claimed=N stolen=N" (claimed = the tracepoint's
    /// change_ownership=1: the pageblock now belongs to the requester).
    /// </summary>
    public static string Events(Machine m)
    {
        var sb = new StringBuilder();
        for (int a = 0; a < MigrateTypes.PcpTypes; a++)
        {
            for (int f = 0; f < MigrateTypes.Count; f++)
            {
                long claimed = m.ExtfragEvents((MigrateType)a, (MigrateType)f, true);
                long stolen = m.ExtfragEvents((MigrateType)a, (MigrateType)f, false);
                if (claimed + stolen > 0)
                {
                    sb.Append(CultureInfo.InvariantCulture,
                        $"alloc_migratetype={a} ({MigrateTypes.Name((MigrateType)a)}) fallback_migratetype={f} ({MigrateTypes.Name((MigrateType)f)}) claimed={claimed} stolen={stolen}\n");
                }
            }
        }

        return sb.ToString();
    }

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
