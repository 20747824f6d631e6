using System.Globalization;
using System.Numerics;
using System.Text;
using ZoneLab.Allocator;

namespace ZoneLab.Procfs;

/// <summary>
/// Writes <c>/proc/zoneinfo</c> in the layout of mm/vmstat.c <c>zoneinfo_show_print</c> (6.1; 6.12 adds the
/// <c>promo</c> line and <c>nr_unaccepted</c>). Counters the model does not drive print 0.
/// </summary>
public static class ZoneinfoWriter
{
    // node_stat_item names of 6.1 (x86-64 Debian config), in order
    private static readonly string[] s_nodeStats =
    [
        "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
        "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file", "workingset_nodes",
        "workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon", "workingset_activate_file",
        "workingset_restore_anon", "workingset_restore_file", "workingset_nodereclaim", "nr_anon_pages", "nr_mapped",
        "nr_file_pages", "nr_dirty", "nr_writeback", "nr_writeback_temp", "nr_shmem", "nr_shmem_hugepages",
        "nr_shmem_pmdmapped", "nr_file_hugepages", "nr_file_pmdmapped", "nr_anon_transparent_hugepages",
        "nr_vmscan_write", "nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written", "nr_throttled_written",
        "nr_kernel_misc_reclaimable", "nr_foll_pin_acquired", "nr_foll_pin_released", "nr_kernel_stack",
        "nr_page_table_pages", "nr_sec_page_table_pages", "nr_swapcached", "pgpromote_success", "pgpromote_candidate",
    ];

    private static readonly string[] s_numaStats = ["numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other"];

    /// <summary>The full file for a machine.</summary>
    public static string Write(Machine m)
    {
        var sb = new StringBuilder();
        bool v612 = m.Version >= KernelVersion.V6_12;
        foreach (Zone z in m.Zones)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Node {z.Node}, zone {z.Name,8}");
            if (IsFirstPopulated(m, z))
            {
                sb.Append("\n  per-node stats");
                foreach (string name in s_nodeStats)
                {
                    Stat(sb, name, NodeStat(m, z.Node, name));
                }
            }

            ZoneWatermarks w = z.Watermarks;
            AppendHeader(sb, z.NrFreePages, w.Boost, w.Min, w.Low, w.High, v612 ? w.RawMark(WatermarkIndex.Promo) + w.Boost : null,
                z.SpannedPages, z.PresentPages, z.ManagedPages, z.CmaPages, w.LowmemReserve);
            if (z.PresentPages == 0)
            {
                sb.Append('\n');
                continue;
            }

            Stat(sb, "nr_free_pages", z.NrFreePages);
            Stat(sb, "nr_zone_inactive_anon", z.LruPages[(int)LruList.InactiveAnon]);
            Stat(sb, "nr_zone_active_anon", z.LruPages[(int)LruList.ActiveAnon]);
            Stat(sb, "nr_zone_inactive_file", z.LruPages[(int)LruList.InactiveFile]);
            Stat(sb, "nr_zone_active_file", z.LruPages[(int)LruList.ActiveFile]);
            Stat(sb, "nr_zone_unevictable", z.LruPages[(int)LruList.Unevictable]);
            Stat(sb, "nr_zone_write_pending", 0);
            Stat(sb, "nr_mlock", 0);
            Stat(sb, "nr_bounce", 0);
            if (m.Spec.ConfigZsmalloc)
            {
                Stat(sb, "nr_zspages", 0);
            }

            Stat(sb, "nr_free_cma", z.NrFreeCmaPages);
            if (v612)
            {
                Stat(sb, "nr_unaccepted", 0);
            }

            for (int k = 0; k < s_numaStats.Length; k++)
            {
                Stat(sb, s_numaStats[k], z.NumaEvents[k]);
            }

            int batch = Machine.ZoneBatchsize(z);
            int high = m.ZoneHighsize(z, batch);
            sb.Append("\n  pagesets");
            for (int cpu = 0; cpu < m.Spec.Cpus; cpu++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\n    cpu: {cpu}\n              count: {m.PcpCount(z.Index, cpu)}\n              high:  {high}\n              batch: {batch}");
                sb.Append(CultureInfo.InvariantCulture, $"\n  vm stats threshold: {NormalThreshold(m, z)}");
            }

            sb.Append(CultureInfo.InvariantCulture, $"\n  node_unreclaimable:  {(m.KswapdFailures(z.Node) >= Machine.MaxReclaimRetries ? 1 : 0)}");
            sb.Append(CultureInfo.InvariantCulture, $"\n  start_pfn:           {z.StartPfn}\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// The watermark part of each zone (header through <c>protection:</c>, plus <c>start_pfn</c> of populated zones)
    /// for zones parsed from a real file, with min/low/high/protection from a <see cref="BootWatermarkReplay"/>.
    /// </summary>
    public static string WriteWatermarks(IReadOnlyList<ZoneinfoZone> zones, WatermarkCalculator calc)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < zones.Count; i++)
        {
            ZoneinfoZone r = zones[i];
            ZoneWatermarks w = calc.Zones[i];
            sb.Append(CultureInfo.InvariantCulture, $"Node {r.Node}, zone {Layout.ZoneTypes.Name(r.Type),8}");
            AppendHeader(sb, (long)r.Free, 0, w.Min, w.Low, w.High, r.Promo is null ? null : w.RawMark(WatermarkIndex.Promo),
                r.Spanned, r.Present, r.Managed, r.Cma, w.LowmemReserve);
            sb.Append('\n');
            if (r.StartPfn is ulong s && r.Present != 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  start_pfn:           {s}\n");
            }
        }

        return sb.ToString();
    }

    private static void AppendHeader(StringBuilder sb, long free, ulong boost, ulong min, ulong low, ulong high, ulong? promo,
        ulong spanned, ulong present, ulong managed, ulong cma, ulong[] protection)
    {
        sb.Append(CultureInfo.InvariantCulture, $"\n  pages free     {free}\n        boost    {boost}\n        min      {min}\n        low      {low}\n        high     {high}");
        if (promo is ulong p)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n        promo    {p}");
        }

        sb.Append(CultureInfo.InvariantCulture, $"\n        spanned  {spanned}\n        present  {present}\n        managed  {managed}\n        cma      {cma}");
        sb.Append("\n        protection: (").AppendJoin(", ", protection).Append(')');
    }

    private static void Stat(StringBuilder sb, string name, long value)
        => sb.Append(CultureInfo.InvariantCulture, $"\n      {name,-12} {value}");

    private static bool IsFirstPopulated(Machine m, Zone z)
    {
        foreach (Zone c in m.Zones)
        {
            if (c.Node == z.Node && c.PresentPages != 0)
            {
                return c == z;
            }
        }

        return false;
    }

    private static long NodeStat(Machine m, int node, string name) => name switch
    {
        "nr_inactive_anon" => m.LruPages(node, LruList.InactiveAnon),
        "nr_active_anon" => m.LruPages(node, LruList.ActiveAnon),
        "nr_inactive_file" => m.LruPages(node, LruList.InactiveFile),
        "nr_active_file" => m.LruPages(node, LruList.ActiveFile),
        "nr_unevictable" => m.LruPages(node, LruList.Unevictable),
        "nr_slab_reclaimable" => m.UsePages(node, PageUse.SlabReclaimable),
        "nr_slab_unreclaimable" => m.SlabUnreclaimablePages(node),
        "nr_anon_pages" => m.UsePages(node, PageUse.Anon),
        "nr_file_pages" => m.UsePages(node, PageUse.File) + m.UsePages(node, PageUse.FileDirty) + m.UsePages(node, PageUse.Shmem),
        "nr_shmem" => m.UsePages(node, PageUse.Shmem),
        "nr_kernel_stack" => m.KernelStatPages(node, KernelPageStat.KernelStack) * 4, // NR_KERNEL_STACK_KB is in kB
        "nr_page_table_pages" => m.KernelStatPages(node, KernelPageStat.PageTables),
        "nr_dirty" => m.UsePages(node, PageUse.FileDirty),
        _ => 0,
    };

    // mirrors calculate_normal_threshold
    internal static int NormalThreshold(Machine m, Zone z)
    {
        ulong mem = z.ManagedPages >> (27 - 12);
        int threshold = 2 * Fls((ulong)m.Spec.Cpus) * (1 + Fls(mem));
        return Math.Min(125, threshold);
    }

    private static int Fls(ulong x) => x == 0 ? 0 : 64 - BitOperations.LeadingZeroCount(x);
}
