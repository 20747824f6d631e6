using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Procfs;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab run SCENARIO --design X [--seed N] [--out DIR] [--format text|json] [--watch [--watch-every S]]</c>: one
/// design on one scenario, the compare report for it; <c>--watch</c> shows /proc/buddyinfo and /proc/pagetypeinfo
/// while it runs (a live view on a terminal, a plain snapshot every S simulated seconds otherwise).
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var scenario = new Argument<string>("SCENARIO") { Description = $"A scenario file or built-in name ({string.Join(", ", BuiltInScenarios.Names)})." };
        var design = new Option<string>("--design") { Description = "The design to run, or one of the scenario's variants.", Required = true };
        var seed = new Option<long?>("--seed") { Description = "Override the scenario's seed." };
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var output = new Option<string?>("--out") { Description = "Write report.md, report.html, report.json, run.json and PNG plots into this folder." };
        var watch = new Option<bool>("--watch") { Description = "Show buddyinfo and pagetypeinfo during the run." };
        var every = new Option<double>("--watch-every") { Description = "Simulated seconds between snapshots when the output is not a terminal (default 10).", DefaultValueFactory = _ => 10 };
        var tick = new Option<double?>("--tick") { Description = "Simulated seconds per step (default 0.1)." };
        var from = FromOption.Create();
        var cmd = new Command("run", "Run one design on a workload and report its numbers.");
        cmd.Arguments.Add(scenario);
        foreach (Option o in new Option[] { design, seed, format, output, watch, every, tick, from })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr =>
        {
            CompareCommand.CheckOutputs(pr.GetValue(output));
            Scenario s = BuiltInScenarios.Resolve(pr.GetValue(scenario), out string? baseDir);
            // a scenario's variant (stb-dual-memc's "dmb-600m") is a design plus command-line text: run it under its name
            string name = pr.GetValue(design)!;
            ScenarioVariant? variant = s.Variants.FirstOrDefault(v => v.Name == name);
            if (variant != null)
            {
                s = variant.Apply(s);
            }
            DesignKind kind = variant != null ? ScenarioDesigns.Kind(variant.Design) : DesignNames.Parse(name, "--design");
            double watchEvery = pr.GetValue(every);
            if (!(watchEvery > 0))
            {
                throw new ZoneLabInputException("--watch-every", 0, $"expected a positive number of seconds, got {watchEvery.ToString(CultureInfo.InvariantCulture)}");
            }
            var options = new SimulationOptions
            {
                Seed = pr.GetValue(seed),
                BaseDirectory = baseDir,
                TickSeconds = pr.GetValue(tick) ?? 0.1,
                From = FromOption.Load(pr.GetValue(from), Allocator.KernelVersions.Parse(s.Kernel)),
            };
            WorkEstimate.Check(s, options.TickSeconds);
            bool json = pr.GetValue(format) == "json";
            DesignReport report;
            double wall;
            if (pr.GetValue(watch))
            {
                (report, wall) = Console.IsOutputRedirected
                    ? RunWithSnapshots(s, kind, options with { WatchSeconds = watchEvery }, json ? Console.Error : Console.Out)
                    : RunLive(s, kind, options);
            }
            else
            {
                (DesignReport[] reports, double[] walls) = DesignRunner.RunAll(DesignRunner.Plan(s, [kind], options));
                (report, wall) = (reports[0], walls[0]);
            }
            if (variant != null)
            {
                report = report with { Design = variant.Name };
            }
            if (!report.Available)
            {
                throw new ZoneLabInputException("--design", 0, $"{report.Design}: {report.SkipReason}");
            }
            var result = new CompareResult(s.Name, options.Seed ?? s.Seed, s.DurationSeconds, options.TickSeconds, [report]) { Timeline = PlotTimeline.Of(s) };
            CompareCommand.Print(result, json);
            if (pr.GetValue(output) is string dir)
            {
                CompareCommand.WriteReport(dir, result, [wall], "run");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>The watch text: simulated time, then /proc/buddyinfo and /proc/pagetypeinfo as the writers print them.</summary>
    internal static string Snapshot(string design, double now, Machine m)
        => $"--- {design} at {now.ToString("0.#", CultureInfo.InvariantCulture)} s ---\n/proc/buddyinfo\n{BuddyinfoWriter.Write(m)}\n/proc/pagetypeinfo\n{PagetypeinfoWriter.Write(m)}\n";

    // output redirected: a plain-text snapshot every WatchSeconds of simulated time, written from the simulation thread
    private static (DesignReport, double) RunWithSnapshots(Scenario s, DesignKind kind, SimulationOptions options, TextWriter to)
    {
        string name = DesignNames.Name(kind);
        var sw = Stopwatch.StartNew();
        DesignReport r = SimulationRunner.Run(s, kind, options with { Watch = (t, m) => to.Write(Snapshot(name, t, m)) }, DesignRunner.PlainProgress(name));
        return (r, sw.Elapsed.TotalSeconds);
    }

    // on a terminal: the simulation thread renders a snapshot each simulated second, the UI shows the latest one
    private static (DesignReport, double) RunLive(Scenario s, DesignKind kind, SimulationOptions options)
    {
        string name = DesignNames.Name(kind);
        string latest = $"--- {name} starting ---";
        double done = 0;
        var sw = Stopwatch.StartNew();
        DesignReport? report = null;
        SimulationOptions o = options with { WatchSeconds = 1, Watch = (t, m) => Volatile.Write(ref latest, Snapshot(name, t, m)) };
        AnsiConsole.Live(new Text(latest)).AutoClear(true).Start(ctx =>
        {
            Task work = Task.Run(() => report = SimulationRunner.Run(s, kind, o, f => Volatile.Write(ref done, f)));
            while (!work.Wait(200))
            {
                string pct = (Volatile.Read(ref done) * 100).ToString("0", CultureInfo.InvariantCulture);
                ctx.UpdateTarget(new Panel(new Text(Volatile.Read(ref latest))).Header($"{name}: {pct}% of {s.Name}"));
            }
            work.GetAwaiter().GetResult();
        });
        return (report!, sw.Elapsed.TotalSeconds);
    }
}
