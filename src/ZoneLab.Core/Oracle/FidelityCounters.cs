namespace ZoneLab.Oracle;

/// <summary>One compared counter of one run (kernel or engine).</summary>
/// <param name="Name">Counter name (<c>buddy.node0 DMA32.o3</c>, <c>vm.pgmigrate_success</c>, ...).</param>
/// <param name="Value">Its value.</param>
/// <param name="Structural">True for the counters of the 10 % target (pages obtained, buddyinfo, pageblock census, extfrag events and claims, cma successes, offline results).</param>
public readonly record struct FidelityCounter(string Name, long Value, bool Structural);

/// <summary>
/// The counters the fidelity table compares, taken the same way from a recording and from the engine's run:
/// step results (huge and gigantic pages obtained, offline/online results), the final buddyinfo per zone and order,
/// the final pageblock census per zone and migratetype, mm_page_alloc_extfrag events by (alloc, fallback) and their
/// claims summed over the steps, and vmstat deltas over the workload.
/// </summary>
public static class FidelityCounters
{
    /// <summary>vmstat counters compared as deltas (first snapshot to last); the structural one is cma_alloc_success.</summary>
    public static readonly string[] VmstatDeltas =
    [
        "pgmigrate_success", "pgmigrate_fail", "compact_stall", "compact_fail", "compact_success", "compact_migrate_scanned",
        "compact_free_scanned", "compact_daemon_wake", "pgsteal_kswapd", "pgsteal_direct", "pgscan_kswapd", "pgscan_direct",
        "pswpout", "thp_fault_alloc", "thp_fault_fallback", "oom_kill", "cma_alloc_success", "cma_alloc_fail",
    ];

    private static readonly string[] s_types = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA"];
    private static readonly string[] s_typeNames = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"];

    /// <summary>The counters of one run.</summary>
    public static List<FidelityCounter> Of(OracleWorkload w, IReadOnlyList<ProcSnapshot> snaps, IReadOnlyList<(int Rc, Dictionary<string, string> Extra)> steps)
    {
        var list = new List<FidelityCounter>();
        for (int i = 0; i < w.Steps.Count && i < steps.Count; i++)
        {
            (int rc, Dictionary<string, string> extra) = steps[i];
            switch (w.Steps[i])
            {
                case HugepagesStep or GiganticStep:
                    list.Add(new($"step{i + 1}.{w.Steps[i].Kind}", long.TryParse(extra.GetValueOrDefault("readback"), out long v) ? v : -1, true));
                    break;
                case OfflineStep or OnlineStep:
                    list.Add(new($"step{i + 1}.{w.Steps[i].Kind}_ok", rc == 0 ? 1 : 0, true));
                    break;
            }
        }
        ProcSnapshot first = snaps[0], last = snaps[^1];
        foreach ((string zone, long[] counts) in last.Buddy.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            for (int o = 0; o < counts.Length; o++)
            {
                list.Add(new($"buddy.{zone}.o{o}", counts[o], true));
            }
        }
        foreach ((string zone, Dictionary<string, long> types) in last.Blocks.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            foreach (string t in s_types)
            {
                if (types.TryGetValue(t, out long n))
                {
                    list.Add(new($"blocks.{zone}.{t}", n, true));
                }
            }
        }
        // the starting point (the boot residue the engine re-creates): not a result, shown to explain the others
        foreach ((string zone, Dictionary<string, long> types) in first.Blocks.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            foreach (string t in s_types)
            {
                if (types.TryGetValue(t, out long n) && n > 0)
                {
                    list.Add(new($"start.blocks.{zone}.{t}", n, false));
                }
            }
        }
        list.Add(new("start.nr_free_pages", first.Vmstat.GetValueOrDefault("nr_free_pages"), false));
        var extfrag = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long wakes = 0;
        foreach (ProcSnapshot s in snaps.Skip(1))
        {
            foreach ((string key, long n) in s.Trace)
            {
                if (key.StartsWith("extfrag alloc=", StringComparison.Ordinal))
                {
                    // "extfrag alloc=A fallback=F claim=C"
                    string[] t = key.Split(' ');
                    string pair = $"extfrag.{TypeName(t[1])}->{TypeName(t[2])}";
                    extfrag[pair] = extfrag.GetValueOrDefault(pair) + n;
                    if (t[3] == "claim=1")
                    {
                        extfrag[pair + ".claimed"] = extfrag.GetValueOrDefault(pair + ".claimed") + n;
                    }
                    else
                    {
                        extfrag.TryAdd(pair + ".claimed", 0);
                    }
                }
                else if (key == "mm_vmscan_kswapd_wake")
                {
                    wakes += n;
                }
            }
        }
        foreach ((string key, long n) in extfrag)
        {
            list.Add(new(key, n, true));
        }
        list.Add(new("trace.kswapd_wake", wakes, false));
        foreach (string v in VmstatDeltas)
        {
            list.Add(new("vm." + v, last.Vmstat.GetValueOrDefault(v) - first.Vmstat.GetValueOrDefault(v), v == "cma_alloc_success"));
        }
        long allocstall = last.Vmstat.Where(x => x.Key.StartsWith("allocstall_", StringComparison.Ordinal)).Sum(x => x.Value)
            - first.Vmstat.Where(x => x.Key.StartsWith("allocstall_", StringComparison.Ordinal)).Sum(x => x.Value);
        list.Add(new("vm.allocstall", allocstall, false));
        list.Add(new("vm.nr_free_pages.after", last.Vmstat.GetValueOrDefault("nr_free_pages"), true));
        return list;
    }

    private static string TypeName(string kv)
    {
        int eq = kv.IndexOf('=');
        return int.TryParse(kv[(eq + 1)..], out int t) && t >= 0 && t < s_typeNames.Length ? s_typeNames[t] : kv[(eq + 1)..];
    }
}
