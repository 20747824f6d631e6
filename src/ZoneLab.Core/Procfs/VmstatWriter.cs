using System.Globalization;
using System.Text;
using ZoneLab.Allocator;

namespace ZoneLab.Procfs;

/// <summary>
/// Writes <c>/proc/vmstat</c>: the 6.1 counters in the kernel's order (zone, NUMA, node, dirty thresholds, events),
/// with the values the model drives and 0 for the rest.
/// </summary>
public static class VmstatWriter
{
    private static readonly string[] s_events =
    [
        "pgpgin", "pgpgout", "pswpin", "pswpout",
        "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable", "pgalloc_device",
        "allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable", "allocstall_device",
        "pgskip_dma", "pgskip_dma32", "pgskip_normal", "pgskip_movable", "pgskip_device",
        "pgfree", "pgactivate", "pgdeactivate", "pglazyfree", "pgfault", "pgmajfault", "pglazyfreed", "pgrefill", "pgreuse",
        "pgsteal_kswapd", "pgsteal_direct", "pgdemote_kswapd", "pgdemote_direct", "pgscan_kswapd", "pgscan_direct",
        "pgscan_direct_throttle", "pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file", "zone_reclaim_failed",
        "pginodesteal", "slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly",
        "pageoutrun", "pgrotated", "drop_pagecache", "drop_slab", "oom_kill", "numa_pte_updates", "numa_huge_pte_updates",
        "numa_hint_faults", "numa_hint_faults_local", "numa_pages_migrated", "pgmigrate_success", "pgmigrate_fail",
        "thp_migration_success", "thp_migration_fail", "thp_migration_split", "compact_migrate_scanned", "compact_free_scanned",
        "compact_isolated", "compact_stall", "compact_fail", "compact_success", "compact_daemon_wake",
        "compact_daemon_migrate_scanned", "compact_daemon_free_scanned", "htlb_buddy_alloc_success", "htlb_buddy_alloc_fail",
        "cma_alloc_success", "cma_alloc_fail",
    ];

    /// <summary>
    /// The file's text. <paramref name="events"/> gives event counters the machine does not keep itself (the CMA
    /// areas' cma_alloc_success and cma_alloc_fail, counted by <c>CmaAllocator</c>); each is printed once, in its place.
    /// </summary>
    public static string Write(Machine m, IReadOnlyDictionary<string, long>? events = null)
    {
        var byName = new Dictionary<string, long>(StringComparer.Ordinal);
        for (VmEvent e = 0; e < VmEvent.Count; e++)
        {
            byName[VmEvents.Name(e)] = m.Event(e);
        }
        foreach ((string name, long v) in events ?? new Dictionary<string, long>())
        {
            if (Array.IndexOf(s_events, name) < 0)
            {
                throw new ArgumentException($"{name} is not a /proc/vmstat event counter", nameof(events));
            }
            byName[name] = v;
        }

        var sb = new StringBuilder();
        void Line(string name, long v) => sb.Append(CultureInfo.InvariantCulture, $"{name} {v}\n");
        long ZoneSum(Func<Zone, long> f) => m.Zones.Sum(f);
        long NodeSum(Func<int, long> f) => Enumerable.Range(0, m.NodeCount).Sum(f);

        Line("nr_free_pages", ZoneSum(z => z.NrFreePages));
        Line("nr_zone_inactive_anon", ZoneSum(z => z.LruPages[0]));
        Line("nr_zone_active_anon", ZoneSum(z => z.LruPages[1]));
        Line("nr_zone_inactive_file", ZoneSum(z => z.LruPages[2]));
        Line("nr_zone_active_file", ZoneSum(z => z.LruPages[3]));
        Line("nr_zone_unevictable", ZoneSum(z => z.LruPages[4]));
        Line("nr_zone_write_pending", 0);
        Line("nr_mlock", 0);
        Line("nr_bounce", 0);
        if (m.Spec.ConfigCma)
        {
            Line("nr_free_cma", ZoneSum(z => z.NrFreeCmaPages));
        }

        string[] numa = ["numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other"];
        for (int k = 0; k < numa.Length; k++)
        {
            Line(numa[k], ZoneSum(z => z.NumaEvents[k]));
        }

        Line("nr_inactive_anon", NodeSum(n => m.LruPages(n, LruList.InactiveAnon)));
        Line("nr_active_anon", NodeSum(n => m.LruPages(n, LruList.ActiveAnon)));
        Line("nr_inactive_file", NodeSum(n => m.LruPages(n, LruList.InactiveFile)));
        Line("nr_active_file", NodeSum(n => m.LruPages(n, LruList.ActiveFile)));
        Line("nr_unevictable", NodeSum(n => m.LruPages(n, LruList.Unevictable)));
        Line("nr_slab_reclaimable", NodeSum(n => m.UsePages(n, PageUse.SlabReclaimable)));
        Line("nr_slab_unreclaimable", NodeSum(m.SlabUnreclaimablePages));
        Line("nr_anon_pages", NodeSum(n => m.UsePages(n, PageUse.Anon)));
        Line("nr_file_pages", NodeSum(n => m.UsePages(n, PageUse.File) + m.UsePages(n, PageUse.FileDirty) + m.UsePages(n, PageUse.Shmem)));
        Line("nr_dirty", NodeSum(n => m.UsePages(n, PageUse.FileDirty)));
        // node_stat_item order: nr_shmem after nr_writeback_temp, nr_kernel_stack and nr_page_table_pages after the pin counters
        Line("nr_shmem", NodeSum(n => m.UsePages(n, PageUse.Shmem)));
        Line("nr_kernel_stack", NodeSum(n => m.KernelStatPages(n, KernelPageStat.KernelStack) * 4));
        Line("nr_page_table_pages", NodeSum(n => m.KernelStatPages(n, KernelPageStat.PageTables)));
        foreach (string e in s_events)
        {
            Line(e, byName.GetValueOrDefault(e));
        }

        return sb.ToString();
    }
}
