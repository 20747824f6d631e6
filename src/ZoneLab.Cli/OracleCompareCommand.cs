using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ZoneLab.Oracle;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab oracle compare DIR | --all</c>: runs the recorded workload in the engine from the recording's boot log
/// and first zoneinfo, and prints the fidelity table (kernel min..max over the runs, engine, error) as text or JSON.
/// </summary>
internal static class OracleCompareCommand
{
    public static Command Create()
    {
        var dir = new Argument<string?>("dir") { Description = "A recording (zonelab oracle run --out DIR) or a folder of run* recordings.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Compare every recorded workload in the repository (oracle/recordings/WORKLOAD/ARCH/run*); with --start-state, every --page-state recording (oracle/page-state/WORKLOAD/ARCH/run*)." };
        var recordings = new Option<string?>("--recordings") { Description = "The recordings folder for --all (default: oracle/recordings, with --start-state oracle/page-state, found from the current folder up)." };
        var format = new Option<string>("--format") { Description = "text (default), json or markdown.", DefaultValueFactory = _ => "text" };
        var onlyOff = new Option<bool>("--off") { Description = "Text: list only the counters outside the target." };
        var pcp = new Option<bool>("--per-cpu-lists") { Description = "Run the engine with the guest's per-cpu page lists (step 0's pcp counts from its zoneinfo); off for the published table (docs/fidelity.md, Round 4)." };
        var startState = new Option<bool>("--start-state") { Description = "Start the engine from the guest's own page state at step 0 (a recording made with oracle run --page-state) instead of re-creating its used memory." };
        var guestClock = new Option<bool>("--guest-clock") { Description = "Run kcompactd's 500 ms timer on the recording's own step times, inside long steps too (proactive compaction with the engine's state at that point); off for the published table (docs/fidelity.md, Round 8)." };
        var dirty = new Option<bool>("--dirty-throttle") { Description = "Write disk files dirty and pace the writer as balance_dirty_pages does, against a device writing a page per ReclaimCostModel.WritebackNs; off for the published table (docs/fidelity.md, Round 8)." };
        var boostLoop = new Option<bool>("--boost-loop") { Description = "Run 6.1's boosted balance_pgdat in full (reclaim nr_boost_reclaim pages, or restart to the boosted high watermark when the node is not balanced there); off for the published table (docs/fidelity.md, Round 12)." };
        var steps = new Option<bool>("--steps") { Description = "Also show the free blocks per order of every zone after every step, kernel (min-max over its runs) against engine, and the first step where the engine leaves the target (text or json)." };
        var writeGaps = new Option<string?>("--write-gaps") { Description = "Also write the counters outside the target as a known-gaps file (the drift gate of the tests)." };
        var cmd = new Command("compare", "Run a recorded workload in the engine and print the fidelity table: kernel vs engine per counter.");
        cmd.Arguments.Add(dir);
        var ext4Journal = new Option<bool>("--ext4-journal") { Description = "Keep the ext4 metadata blocks a disk file step journals held by jbd2 for the rest of the run, so alloc_contig_range fails on them (buffer_migrate_folio_norefs); off for the published table (docs/fidelity.md, Round 13)." };
        var swapCache = new Option<bool>("--swap-cache") { Description = "Let the swap writes of a kswapd batch its time slice cuts complete while the batch is isolated (not rotated: they wait as swap cache at the head of the inactive list), and free a swap-cache page when its owner unmaps it (free_swap_and_cache); off for the published table (docs/fidelity.md, Round 14)." };
        var pinnedResidue = new Option<bool>("--pinned-residue-slab") { Description = "Keep the boot residue's reclaimable slab (pinned tracefs and rootfs dentries and inodes, which no shrinker counts) instead of freeing its pages, and run balance_pgdat down to priority 1 as 6.1 does, without the model's end after a round that reclaimed nothing; off for the published table (docs/fidelity.md, Round 16)." };
        foreach (Option o in new Option[] { all, recordings, format, onlyOff, steps, pcp, writeGaps, startState, guestClock, dirty, boostLoop, ext4Journal, swapCache, pinnedResidue })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(pr =>
        {
            string fmt = pr.GetValue(format)!;
            if (fmt is not ("text" or "json" or "markdown"))
            {
                throw new ZoneLabInputException("--format", $"expected text, json or markdown, not '{fmt}'");
            }
            if (fmt == "markdown" && pr.GetValue(steps))
            {
                throw new ZoneLabInputException("--steps", "shown in the text and json formats, not markdown");
            }
            List<string> dirs;
            if (pr.GetValue(all))
            {
                // the guest-state table (docs/fidelity.md, Round 10) runs on the recordings that have the guest's page state
                dirs = OracleCompare.All(pr.GetValue(recordings) ?? FindRecordings(pr.GetValue(startState) ? "page-state" : "recordings"));
            }
            else
            {
                dirs = [pr.GetValue(dir) ?? throw new ZoneLabInputException("compare", "give a recording folder or --all")];
            }
            var mechanisms = new OracleMechanisms
            {
                PerCpuLists = pr.GetValue(pcp),
                GuestClock = pr.GetValue(guestClock),
                DirtyThrottle = pr.GetValue(dirty),
                BoostLoop = pr.GetValue(boostLoop),
                Ext4Journal = pr.GetValue(ext4Journal),
                SwapCache = pr.GetValue(swapCache),
                PinnedResidueSlab = pr.GetValue(pinnedResidue),
            };
            var report = new FidelityReport { Workloads = [.. dirs.Select(d => OracleCompare.Compare(d, mechanisms, pr.GetValue(startState), pr.GetValue(steps)))] };
            if (pr.GetValue(writeGaps) is string gaps)
            {
                string tmp = gaps + ".tmp";
                File.WriteAllText(tmp, KnownGaps.Write(report, pr.GetValue(startState) ? " --start-state" : string.Empty, gaps));
                File.Move(tmp, gaps, overwrite: true);
            }
            Console.Write(fmt switch
            {
                "json" => JsonSerializer.Serialize(report, FidelityJsonContext.Default.FidelityReport) + "\n",
                "markdown" => Markdown(report),
                _ => Text(report, pr.GetValue(onlyOff)),
            });
            return 0;
        });
        return cmd;
    }

    private static string FindRecordings(string folder)
    {
        for (string? d = Directory.GetCurrentDirectory(); d != null; d = Path.GetDirectoryName(d))
        {
            string r = Path.Combine(d, "oracle", folder);
            if (Directory.Exists(r))
            {
                return r;
            }
        }
        throw new ZoneLabInputException("--all", $"no oracle/{folder} folder here or above (use --recordings DIR)");
    }

    /// <summary>Markdown: a summary table, then one table per workload and architecture (structural counters marked *).</summary>
    public static string Markdown(FidelityReport report)
    {
        var sb = new StringBuilder();
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        sb.Append("| workload | arch | kernel runs | counters within target | structural within target |\n|---|---|---|---|---|\n");
        foreach (FidelityWorkload w in report.Workloads)
        {
            int s = w.Counters.Count(c => c.Structural), sOk = w.Counters.Count(c => c.Structural && c.Ok);
            sb.Append(CultureInfo.InvariantCulture, $"| {w.Name} | {w.Arch} | {w.Runs} | {w.Counters.Count(c => c.Ok)}/{w.Counters.Count} | {sOk}/{s} |\n");
        }
        foreach (FidelityWorkload w in report.Workloads)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n### {w.Name} ({w.Arch})\n\n| counter | kernel (min..max) | engine | error | |\n|---|---:|---:|---:|---|\n");
            foreach (FidelityRow c in w.Counters)
            {
                string k = c.KernelMin == c.KernelMax ? I(c.Kernel) : $"{I(c.KernelMin)}..{I(c.KernelMax)}";
                string err = c.Error == 0 ? "0" : c.Error.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture);
                sb.Append(CultureInfo.InvariantCulture, $"| {c.Name}{(c.Structural ? " *" : string.Empty)} | {k} | {I(c.Model)} | {err} | {(c.Ok ? string.Empty : "off")} |\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>The text table: one block per workload and architecture, one line per counter.</summary>
    public static string Text(FidelityReport report, bool onlyOff)
    {
        var sb = new StringBuilder();
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        foreach (FidelityWorkload w in report.Workloads)
        {
            int off = w.Counters.Count(c => !c.Ok), offS = w.Counters.Count(c => !c.Ok && c.Structural);
            sb.Append(CultureInfo.InvariantCulture, $"{w.Name} ({w.Arch}, {w.Runs} kernel runs): {w.Counters.Count - off}/{w.Counters.Count} counters within target, {offS} structural off\n");
            sb.Append(CultureInfo.InvariantCulture, $"  {"counter",-40} {"kernel",20} {"engine",10} {"error",8}  \n");
            foreach (FidelityRow c in w.Counters)
            {
                if (onlyOff && c.Ok)
                {
                    continue;
                }
                string k = c.KernelMin == c.KernelMax ? I(c.Kernel) : $"{I(c.KernelMin)}..{I(c.KernelMax)}";
                string err = c.Error == 0 ? "0" : c.Error.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture);
                sb.Append(CultureInfo.InvariantCulture, $"  {c.Name + (c.Structural ? " *" : string.Empty),-40} {k,20} {I(c.Model),10} {err,8}  {(c.Ok ? string.Empty : "OFF")}\n");
            }
            if (w.Landing is LandingResult l)
            {
                sb.Append(OracleLandingText.Write(l));
            }
            if (w.Steps is { } steps)
            {
                StepsText(sb, steps);
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    // free blocks per order after every step: "min-max/engine" per order, a * on the first order outside the target
    private static void StepsText(StringBuilder sb, IReadOnlyList<FidelityStep> steps)
    {
        static string R(long a, long b) => a == b ? a.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{a}-{b}");
        int orders = steps.SelectMany(s => s.Zones).Select(z => z.Model.Length).DefaultIfEmpty(0).Max();
        sb.Append("  free blocks per order after each step, kernel (min-max over its runs) / engine; * the first order outside the target\n");
        sb.Append(CultureInfo.InvariantCulture, $"  {"step",4} {"kind",-14} {"zone",-14}");
        for (int o = 0; o < orders; o++)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {"o" + o,12}");
        }
        sb.Append('\n');
        FidelityStep? firstOff = null;
        foreach (FidelityStep st in steps)
        {
            foreach (FidelityStepZone z in st.Zones)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  {st.Step,4} {st.Kind,-14} {z.Zone,-14}");
                for (int o = 0; o < z.Model.Length; o++)
                {
                    string cell = R(z.KernelMin[o], z.KernelMax[o]) + "/" + z.Model[o].ToString(CultureInfo.InvariantCulture) + (o == z.FirstOffOrder ? "*" : string.Empty);
                    sb.Append(CultureInfo.InvariantCulture, $" {cell,12}");
                }
                sb.Append('\n');
                if (firstOff == null && z.FirstOffOrder >= 0)
                {
                    firstOff = st;
                }
            }
        }
        sb.Append(firstOff == null ? "  every step's free blocks within the target\n"
            : string.Create(CultureInfo.InvariantCulture, $"  the engine first leaves the target after step {firstOff.Step} ({firstOff.Kind})\n"));
    }
}
