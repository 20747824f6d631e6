using System.Globalization;
using System.Text;
using ZoneLab.Allocator;

namespace ZoneLab.Procfs;

/// <summary>
/// Writes <c>/proc/pagetypeinfo</c> (mm/vmstat.c <c>pagetypeinfo_show</c>): free blocks per order and migratetype
/// (the kernel caps each count at 100000 and prints "&gt;100000"), then the pageblock count table.
/// Without CONFIG_CMA the CMA column is absent, as in Debian's x86-64 kernel.
/// </summary>
public static class PagetypeinfoWriter
{
    /// <summary>The file's text (one block per node with memory).</summary>
    public static string Write(Machine m)
    {
        MigrateType[] types = m.Spec.ConfigCma
            ? [MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable, MigrateType.HighAtomic, MigrateType.Cma, MigrateType.Isolate]
            : [MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable, MigrateType.HighAtomic, MigrateType.Isolate];
        var sb = new StringBuilder();
        for (int node = 0; node < m.NodeCount; node++)
        {
            if (!m.Zones.Any(z => z.Node == node && z.PresentPages != 0))
            {
                continue;
            }

            sb.Append(CultureInfo.InvariantCulture, $"Page block order: {Pageblock.Order}\n");
            sb.Append(CultureInfo.InvariantCulture, $"Pages per block:  {Pageblock.NrPages}\n\n");
            sb.Append(CultureInfo.InvariantCulture, $"{"Free pages count per migrate type at order",-43} ");
            for (int o = 0; o <= Pageblock.MaxOrder; o++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{o,6} ");
            }

            sb.Append('\n');
            foreach (Zone z in m.Zones)
            {
                if (z.Node != node || z.PresentPages == 0)
                {
                    continue;
                }

                foreach (MigrateType t in types)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"Node {node,4}, zone {z.Name,8}, type {MigrateTypes.Name(t),12} ");
                    for (int o = 0; o <= Pageblock.MaxOrder; o++)
                    {
                        int n = m.FreeCount(z.Index, o, t);
                        sb.Append(n >= 100000 ? ">" : string.Empty).Append(CultureInfo.InvariantCulture, $"{Math.Min(n, 100000),6} ");
                    }

                    sb.Append('\n');
                }
            }

            sb.Append(CultureInfo.InvariantCulture, $"\n{"Number of blocks type ",-23}");
            foreach (MigrateType t in types)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{MigrateTypes.Name(t),12} ");
            }

            sb.Append('\n');
            foreach (Zone z in m.Zones)
            {
                if (z.Node != node || z.PresentPages == 0)
                {
                    continue;
                }

                long[] counts = m.PageblockCounts(z.Index);
                sb.Append(CultureInfo.InvariantCulture, $"Node {node}, zone {z.Name,8} ");
                foreach (MigrateType t in types)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{counts[(int)t],12} ");
                }

                sb.Append('\n');
            }
        }

        return sb.ToString();
    }
}
