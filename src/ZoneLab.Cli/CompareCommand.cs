using System.CommandLine;
using Spectre.Console;
using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab compare [SCENARIO] [--design a,b] [--seed N] [--format text|json] [--plot out.png]</c>: runs every design
/// on the same scenario and seed and prints the side-by-side report (docs/scenarios.md). Without a scenario it runs
/// the built-in <c>android-camera</c> with all designs; designs without an engine model yet are reported as skipped.
/// </summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var scenario = new Argument<string?>("SCENARIO") { Description = $"A scenario file or built-in name (default {BuiltInScenarios.Default}; built-in: {string.Join(", ", BuiltInScenarios.Names)}).", Arity = ArgumentArity.ZeroOrOne };
        var design = new Option<string?>("--design", "--designs") { Description = "Comma-separated designs (default: the scenario's, all when it names none)." };
        var seed = new Option<long?>("--seed") { Description = "Override the scenario's seed." };
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var plot = new Option<string?>("--plot") { Description = "Write a PNG of the cma_alloc latency CDF per design." };
        var bwPlot = new Option<string?>("--bandwidth-plot") { Description = "Write a PNG of each memory controller's share of the load per design (docs/bandwidth.md)." };
        var tick = new Option<double?>("--tick") { Description = "Simulated seconds per step (default 0.1)." };
        var cmd = new Command("compare", "Run the designs side by side on one workload and report the numbers.");
        cmd.Arguments.Add(scenario);
        foreach (Option o in new Option[] { design, seed, format, plot, bwPlot, tick })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr =>
        {
            Scenario s = BuiltInScenarios.Resolve(pr.GetValue(scenario), out string? baseDir);
            var options = new SimulationOptions { Seed = pr.GetValue(seed), BaseDirectory = baseDir, TickSeconds = pr.GetValue(tick) ?? 0.1 };
            bool json = pr.GetValue(format) == "json";
            // a scenario with variants compares kernel command lines; --design still picks plain designs
            IReadOnlyList<(string Name, Func<Action<double>, DesignReport> Run)> runs = s.Variants.Count > 0 && pr.GetValue(design) == null
                ? [.. s.Variants.Select(v => (v.Name, (Func<Action<double>, DesignReport>)(p => SimulationRunner.Run(s, v, options, p))))]
                : [.. Designs(pr.GetValue(design), s).Select(d => (DesignNames.Name(d), (Func<Action<double>, DesignReport>)(p => SimulationRunner.Run(s, d, options, p))))];
            DesignReport[] reports = RunAll(runs, showProgress: !json && !Console.IsOutputRedirected);
            var result = new CompareResult(s.Name, options.Seed ?? s.Seed, s.DurationSeconds, options.TickSeconds, reports);
            if (json)
            {
                Console.Out.Write(CompareReportWriter.Json(result));
            }
            else
            {
                CompareReportWriter.Text(ConsoleFactory.Create(), result);
            }
            if (pr.GetValue(plot) is string png)
            {
                LatencyPlot.Save(png, s.Name, reports);
                Console.Error.WriteLine($"zonelab: wrote {png}");
            }
            if (pr.GetValue(bwPlot) is string bwPng)
            {
                Console.Error.WriteLine(BandwidthPlot.Save(bwPng, s.Name, reports) ? $"zonelab: wrote {bwPng}" : "zonelab: no bandwidth data (memory_controllers and access rates), no plot written");
            }
            return 0;
        });
        return cmd;
    }

    private static IReadOnlyList<DesignKind> Designs(string? option, Scenario s)
    {
        IEnumerable<string> names = option != null ? option.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : s.Designs;
        var list = new List<DesignKind>();
        foreach (string n in names)
        {
            DesignKind k = DesignNames.Parse(n, option != null ? "--design" : "designs");
            if (!list.Contains(k))
            {
                list.Add(k);
            }
        }
        return list;
    }

    /// <summary>Runs the designs (or variants) in parallel across cores; results in the order given.</summary>
    private static DesignReport[] RunAll(IReadOnlyList<(string Name, Func<Action<double>, DesignReport> Run)> designs, bool showProgress)
    {
        var reports = new DesignReport[designs.Count];
        var done = new double[designs.Count];
        void RunOne(int i) => reports[i] = designs[i].Run(f => Volatile.Write(ref done[i], f));
        var po = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        if (!showProgress)
        {
            Parallel.For(0, designs.Count, po, RunOne);
            return reports;
        }
        AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                ProgressTask[] tasks = designs.Select(d => ctx.AddTask(d.Name, maxValue: 1)).ToArray();
                Task work = Task.Run(() => Parallel.For(0, designs.Count, po, RunOne));
                while (!work.Wait(100))
                {
                    for (int i = 0; i < tasks.Length; i++)
                    {
                        tasks[i].Value = Volatile.Read(ref done[i]);
                    }
                }
                work.GetAwaiter().GetResult();
                foreach (ProgressTask t in tasks)
                {
                    t.Value = 1;
                }
            });
        return reports;
    }
}

/// <summary>A compare run: the scenario, its seed and the per-design reports in order.</summary>
internal sealed record CompareResult(string Scenario, long Seed, double DurationSeconds, double TickSeconds, IReadOnlyList<DesignReport> Designs);
