using System.Globalization;
using System.Text;

namespace ZoneLab.Oracle;

/// <summary>
/// Writes the step file that the guest helper <c>zlguest</c> runs (one line per step; the format is in
/// src/oracle-guest/zlguest.c) and the list of trace events the guest enables.
/// </summary>
public static class GuestStepScript
{
    /// <summary>The trace events counted per step (subsystem/event, as under /sys/kernel/tracing/events).</summary>
    public static readonly string[] Events =
    [
        "kmem/mm_page_alloc_extfrag",
        "compaction/mm_compaction_begin", "compaction/mm_compaction_end", "compaction/mm_compaction_kcompactd_wake",
        "compaction/mm_compaction_defer_compaction",
        "vmscan/mm_vmscan_kswapd_wake", "vmscan/mm_vmscan_wakeup_kswapd", "vmscan/mm_vmscan_direct_reclaim_begin",
        "migrate/mm_migrate_pages",
        "cma/cma_alloc_start", "cma/cma_alloc_finish", "cma/cma_alloc_busy_retry", "cma/cma_release",
    ];

    /// <summary>The step file for <paramref name="arch"/>.</summary>
    public static string Write(OracleWorkload w, string arch)
    {
        var sb = new StringBuilder();
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        string Dir(bool disk) => disk ? "/mnt/disk" : "/mnt/tmpfs";
        string Gigantic(GiganticStep g) => $"/sys/kernel/mm/hugepages/hugepages-{OracleWorkloadChecks.GiganticBytes(arch, g) >> 10}kB/nr_hugepages";
        foreach (OracleStep s in w.Steps)
        {
            string line = s switch
            {
                AnonStep a => $"anon {a.Name} {I((long)a.Bytes)} {(a.Mlock ? "mlock" : "-")}{(a.Thp ? ",thp" : string.Empty)}{(a.NoThp ? ",nothp" : string.Empty)}",
                ThinStep t => $"thin {t.Name} {I(t.Keep)}",
                FreeStep f => $"free {f.Name}",
                FileStep f => $"file {f.Name} {Dir(f.OnDisk)} {I((long)f.Bytes)} {(f.Dirty ? 1 : 0)}",
                ReadStep r => $"read {r.Name}",
                FilesStep f => $"files {f.Name} {Dir(f.OnDisk)} {I(f.Count)}",
                PipesStep p => $"pipes {p.Name} {I(p.Count)}",
                DropCachesStep d => $"write /proc/sys/vm/drop_caches {I(d.Mode)}",
                CompactMemoryStep => "write /proc/sys/vm/compact_memory 1",
                HugepagesStep h => $"write /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages {I(h.Count)}",
                GiganticStep g => $"write {Gigantic(g)} {I(g.Count)}",
                OfflineStep o => $"offline {o.Name} {o.Zone} {I(o.Block)}",
                OnlineStep o => $"online {o.Name}",
                SleepStep z => $"sleep {I((long)Math.Round(z.Seconds * 1000))}",
                _ => throw new InvalidOperationException($"step type {s.GetType().Name} has no guest form"),
            };
            sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }
}
