using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>Prints a <see cref="CompareResult"/> as tables or JSON (no host data, so the output is reproducible).</summary>
internal static class CompareReportWriter
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The JSON document, ending with a newline.</summary>
    public static string Json(CompareResult r) => JsonSerializer.Serialize(r, s_json) + "\n";

    /// <summary>Two tables (device memory, kernel side) and the skipped designs.</summary>
    public static void Text(IAnsiConsole c, CompareResult r)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        c.WriteLine($"scenario {r.Scenario}, seed {r.Seed}, {r.DurationSeconds.ToString("0.#", inv)} s simulated in {r.TickSeconds.ToString("0.###", inv)} s steps");
        var ran = r.Designs.Where(d => d.Available).ToList();
        var dev = new Table().Title("device memory (cma_alloc)");
        foreach (string h in new[] { "design", "area MiB", "ok/fail", "p50 ms", "p99 ms", "max ms", "late", "migrated", "dropped", "kernel use" })
        {
            dev.AddColumn(new TableColumn(h).RightAligned());
        }
        foreach (DesignReport d in ran)
        {
            dev.AddRow(d.Design, (d.ReservedPages >> 8).ToString(inv), $"{d.DeviceSuccesses}/{d.DeviceFailures}",
                Ms(d.DeviceLatency.P50Ms), Ms(d.DeviceLatency.P99Ms), Ms(d.DeviceLatency.MaxMs), d.DeadlineMisses.ToString(inv),
                d.PagesMigrated.ToString(inv), d.PagesDiscarded.ToString(inv), (d.ReservedUtilisation * 100).ToString("0.0", inv) + " %");
        }
        c.Write(dev);
        var k = new Table().Title("kernel side");
        foreach (string h in new[] { "design", "unmov-fail", "atomic-fail", "fail-cma-free", "mov-fail", "thp", "kswapd", "pgsteal", "pswpout", "compact", "oom" })
        {
            k.AddColumn(new TableColumn(h).RightAligned());
        }
        foreach (DesignReport d in ran)
        {
            long E(string n) => d.VmEvents.GetValueOrDefault(n);
            k.AddRow(d.Design, d.UnmovableFailures.ToString(inv), d.AtomicFailures.ToString(inv), d.KernelFailuresWithMovableOnlyFree.ToString(inv),
                d.MovableFailures.ToString(inv), d.ThpAttempts == 0 ? "-" : $"{d.ThpSuccesses}/{d.ThpAttempts}",
                E("kswapd_wakeups_model").ToString(inv), (E("pgsteal_kswapd") + E("pgsteal_direct")).ToString(inv),
                E("pswpout").ToString(inv), E("compact_stall").ToString(inv), E("oom_kill").ToString(inv));
        }
        c.Write(k);
        var stall = new Table().Title("memory stalls (cost model)");
        foreach (string h in new[] { "design", "direct reclaim s", "direct compact s", "kswapd s", "pswpout", "pswpin", "cache misses", "stall s", "elapsed s" })
        {
            stall.AddColumn(new TableColumn(h).RightAligned());
        }
        foreach (DesignReport d in ran)
        {
            stall.AddRow(d.Design, d.DirectReclaimSeconds.ToString("0.00", inv), d.DirectCompactSeconds.ToString("0.00", inv), d.KswapdSeconds.ToString("0.00", inv),
                d.VmEvents.GetValueOrDefault("pswpout").ToString(inv), d.Pswpin.ToString(inv), d.PageCacheMisses.ToString(inv), d.StallSeconds.ToString("0.00", inv), d.ElapsedSeconds.ToString("0.0", inv));
        }
        c.Write(stall);
        foreach (DesignReport d in ran)
        {
            foreach (PageblockCensus pc in d.PageblockCensus)
            {
                c.WriteLine($"pageblocks {d.Design} after {pc.Phase}: {pc.Polluted}/{pc.Pageblocks} hold unmovable pages ({(pc.PollutedFraction * 100).ToString("0.0", inv)} %), unmovable {(pc.UnmovableFraction * 100).ToString("0.0", inv)} % of managed");
            }
        }
        foreach (DesignReport d in ran.Where(d => d.OfflineAttempts > 0))
        {
            string reasons = string.Join(", ", d.OfflineFailureReasons.Select(p => $"{p.Key}: {p.Value}"));
            double ms = d.Offline.Sum(o => o.Milliseconds);
            c.WriteLine($"offline {d.Design}: {d.OfflineSuccesses}/{d.OfflineAttempts} blocks offlined, {ms.ToString("0.0", inv)} ms{(reasons.Length > 0 ? "; " + reasons : "")}");
        }
        foreach (DesignReport d in r.Designs.Where(d => !d.Available))
        {
            c.WriteLine($"skipped {d.Design}: {d.SkipReason}");
        }
        foreach (string a in ran.SelectMany(d => d.SkippedActors).Distinct())
        {
            c.WriteLine($"not modelled: {a}");
        }
    }

    private static string Ms(double v) => v.ToString(v < 10 ? "0.00" : "0", CultureInfo.InvariantCulture);
}
