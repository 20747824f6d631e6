using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Spectre.Console;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// <c>zonelab sweep GRID.yaml --out DIR [--jobs N] [--shard I/N] [--dry-run [--format json]]</c> and
/// <c>zonelab sweep merge DIR... --out DIR</c> (docs/sweeps.md).
/// </summary>
internal static class SweepCommand
{
    /// <summary>Exit code of a merge with missing points, and of a sweep stopped by a signal before it finished.</summary>
    public const int Incomplete = 3;

    public static Command Create()
    {
        var grid = new Argument<string>("GRID") { Description = "The grid file (docs/sweeps.md)." };
        var output = new Option<string?>("--out") { Description = "The results folder (results.parquet, results.csv, summary.md, plots/); the same command resumes an interrupted sweep." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the points without running them." };
        var format = new Option<string>("--format") { Description = "text or json (with --dry-run).", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var jobs = new Option<int?>("--jobs") { Description = "Points run at once (default: the number of cores)." };
        var shard = new Option<string?>("--shard") { Description = "Run only shard I of N (points p with p % N == I), into DIR/shard-I-of-N; default from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID." };
        var shards = new Option<int?>("--shards") { Description = "The shard count when the index comes from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's completions)." };
        var cmd = new Command("sweep", "Run a scenario over a grid of parameters, designs and seeds on all cores; rows as Parquet and CSV.");
        cmd.Arguments.Add(grid);
        foreach (Option o in new Option[] { output, dryRun, format, jobs, shard, shards })
        {
            cmd.Options.Add(o);
        }
        cmd.Subcommands.Add(CreateMerge());
        cmd.SetAction(pr =>
        {
            SweepGrid g = SweepGridLoader.LoadFile(pr.GetValue(grid)!);
            var plan = new SweepPlan(g);
            foreach (string w in plan.Validate())
            {
                Console.Error.WriteLine($"zonelab: warning: {w}");
            }
            SweepShard? sh = SweepShards.Resolve(pr.GetValue(shard), pr.GetValue(shards), Environment.GetEnvironmentVariable);
            if (pr.GetValue(dryRun))
            {
                DryRun(plan, sh, pr.GetValue(format) == "json");
                return 0;
            }
            string dir = pr.GetValue(output) ?? throw new ZoneLabInputException("--out", "give the results folder (or --dry-run)");
            int n = pr.GetValue(jobs) ?? Environment.ProcessorCount;
            if (n < 1)
            {
                throw new ZoneLabInputException("--jobs", "expected at least 1");
            }
            return Run(plan, dir, sh, n);
        });
        return cmd;
    }

    private static int Run(SweepPlan plan, string dir, SweepShard? shard, int jobs)
    {
        string storeDir = shard is null ? dir : Path.Combine(dir, shard.FolderName);
        using var cts = new CancellationTokenSource();
        int signal = 0;
        // the sweep stops cooperatively: running points finish and are saved, then the same command resumes
        using IDisposable signals = Interruption.Cooperate(sig =>
        {
            signal = sig;
            cts.Cancel();
        });
        using SweepStore store = SweepStore.Open(storeDir, SweepManifest.Of(plan, shard));
        SweepRunner.Outcome o = SweepRunner.Run(plan, store, jobs, SweepProgress.PlainOutput, cts.Token);
        int have = o.Owned - (o.Complete ? 0 : o.Owned - o.Rows.Count(r => shard is null || shard.Owns(r.Point)));
        if (!o.Complete)
        {
            Console.Error.WriteLine($"zonelab: interrupted with {have}/{o.Owned} points done (results in {storeDir}); the same command resumes");
            return signal != 0 ? 128 + signal : Incomplete;
        }
        if (shard is not null)
        {
            Console.Error.WriteLine($"zonelab: shard {shard} done: {o.Owned} points ({o.Ran} run now) in {storeDir}; combine the shards with zonelab sweep merge {dir} --out DIR");
            return 0;
        }
        WriteSummary(dir, store.Manifest.ToShape(), o.Rows, print: true);
        Console.Error.WriteLine($"zonelab: {o.Rows.Count} points ({o.Ran} run now) in {dir}: results.parquet, results.csv, summary.md, summary.csv, plots/");
        return 0;
    }

    /// <summary>Writes summary.md, summary.csv and plots/ into <paramref name="dir"/> (the plots folder replaced whole), and prints the tables.</summary>
    internal static void WriteSummary(string dir, SweepShape shape, IReadOnlyList<SweepRow> rows, bool print)
    {
        string tmp = Path.Combine(dir, $"plots.{Environment.ProcessId}{AtomicFile.TempSuffix}");
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        List<string> files = SweepPlots.Write(tmp, shape, rows);
        string plots = Path.Combine(dir, "plots");
        if (Directory.Exists(plots))
        {
            Directory.Delete(plots, recursive: true);
        }
        if (Directory.Exists(tmp))
        {
            Directory.Move(tmp, plots);
        }
        files = [.. files.Select(f => "plots/" + f[(f.IndexOf('/') + 1)..])];
        AtomicFile.WriteText(Path.Combine(dir, "summary.md"), SweepSummary.Markdown(shape, rows, files));
        AtomicFile.WriteText(Path.Combine(dir, "summary.csv"), SweepSummary.Csv(shape, rows));
        if (print)
        {
            IAnsiConsole c = ConsoleFactory.Create();
            c.WriteLine($"sweep of {shape.Scenario}: {rows.Count} points");
            foreach (ReportTable t in SweepSummary.Tables(shape, rows))
            {
                var table = new Table().Title(Markup.Escape(t.Title));
                for (int i = 0; i < t.Headers.Count; i++)
                {
                    var col = new TableColumn(Markup.Escape(t.Headers[i]));
                    table.AddColumn(i == 0 ? col.NoWrap() : col.RightAligned());
                }
                foreach (string[] row in t.Rows)
                {
                    table.AddRow([.. row.Select(Markup.Escape)]);
                }
                c.Write(table);
            }
        }
    }

    private static void DryRun(SweepPlan plan, SweepShard? shard, bool json)
    {
        SweepGrid g = plan.Grid;
        var points = Enumerable.Range(0, plan.Count).Where(p => shard is null || shard.Owns(p)).ToList();
        if (json)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteNumber("points", plan.Count);
                w.WriteString("scenario", g.ScenarioName);
                w.WriteString("fingerprint", plan.Fingerprint);
                w.WriteString("tool_version", SweepPlan.ToolVersion);
                w.WriteStartObject("axes");
                foreach (SweepAxis a in g.Axes)
                {
                    w.WriteStartArray(a.Key);
                    foreach (string v in a.Values)
                    {
                        w.WriteStringValue(v);
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
                w.WriteStartArray("designs");
                g.Designs.ToList().ForEach(w.WriteStringValue);
                w.WriteEndArray();
                w.WriteStartArray("seeds");
                g.Seeds.ToList().ForEach(w.WriteNumberValue);
                w.WriteEndArray();
                w.WriteStartArray("metrics");
                g.Metrics.ToList().ForEach(m => w.WriteStringValue(m.Name));
                w.WriteEndArray();
                if (shard is not null)
                {
                    w.WriteString("shard", shard.ToString());
                    w.WriteNumber("shard_points", points.Count);
                }
                w.WriteStartArray("list");
                foreach (int p in points)
                {
                    SweepPoint pt = plan.Point(p);
                    w.WriteStartObject();
                    w.WriteNumber("point", p);
                    w.WriteString("design", pt.Design);
                    w.WriteNumber("seed", pt.Seed);
                    for (int a = 0; a < g.Axes.Count; a++)
                    {
                        w.WriteString(g.Axes[a].Key, g.Axes[a].Values[pt.AxisIndex[a]]);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            Console.Out.Write(System.Text.Encoding.UTF8.GetString(ms.ToArray()) + "\n");
            return;
        }
        Console.Out.WriteLine($"{plan.Count} points: scenario {g.ScenarioName}, {string.Concat(g.Axes.Select(a => $"{a.Key} ({a.Values.Count} values) x "))}"
            + $"{g.Designs.Count} designs x {g.Seeds.Count} seeds{(shard is null ? "" : $"; shard {shard}: {points.Count} points")}");
        foreach (int p in points)
        {
            Console.Out.WriteLine($"{p.ToString(CultureInfo.InvariantCulture),6}  {plan.Describe(plan.Point(p))}");
        }
    }

    private static Command CreateMerge()
    {
        var dirs = new Argument<string[]>("DIR") { Description = "Results folders of shards (or folders holding shard-I-of-N folders).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The merged results folder.", Required = true };
        var cmd = new Command("merge", "Combine the shards of a sweep: duplicates of retried shards removed, missing points listed.");
        cmd.Arguments.Add(dirs);
        cmd.Options.Add(output);
        cmd.SetAction(pr => Merge(pr.GetValue(dirs)!, pr.GetValue(output)!));
        return cmd;
    }

    private static int Merge(string[] inputs, string outDir)
    {
        SweepMergeResult m = SweepMerge.Merge(inputs);
        using (SweepStore store = SweepStore.Open(outDir, m.Manifest))
        {
            SweepStore.WriteResults(outDir, store.Columns, m.Rows);
            store.Compact();
        }
        WriteSummary(outDir, m.Manifest.ToShape(), m.Rows, print: false);
        Console.Error.WriteLine($"zonelab: merged {m.Folders} folders: {m.Rows.Count}/{m.Manifest.Points} points, {m.Duplicates} duplicates dropped, into {outDir}");
        if (m.Missing.Count > 0)
        {
            Console.Error.WriteLine($"zonelab: {m.Missing.Count} points missing: {SweepMerge.Ranges(m.Missing)}");
            return Incomplete;
        }
        return 0;
    }
}
