using System.CommandLine;
using Spectre.Console;
using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab compare [SCENARIO] [--design a,b] [--seed N] [--format text|json] [--plot out.png] [--out DIR]</c>: runs
/// every design on the same scenario and seed and prints the side-by-side report (docs/report.md); <c>--out</c> also
/// writes the report folder. Without a scenario it runs the built-in <c>android-camera</c> with all designs; designs
/// without an engine model yet are reported as skipped.
/// </summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var scenario = new Argument<string?>("SCENARIO") { Description = $"A scenario file or built-in name (default {BuiltInScenarios.Default}; built-in: {string.Join(", ", BuiltInScenarios.Names)}).", Arity = ArgumentArity.ZeroOrOne };
        var design = new Option<string?>("--design", "--designs") { Description = "Comma-separated designs (default: the scenario's, all when it names none)." };
        var seed = new Option<long?>("--seed") { Description = "Override the scenario's seed." };
        var format = new Option<string>("--format") { Description = "text, json, or csv (one file per table into the --csv folder).", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "csv");
        var csvDir = new Option<string?>("--csv") { Description = "With --format csv: the folder of the table files (default compare-csv)." };
        var plot = new Option<string?>("--plot") { Description = "Write a PNG of the cma_alloc latency CDF per design." };
        var bwPlot = new Option<string?>("--bandwidth-plot") { Description = "Write a PNG of each memory controller's share of the load per design (docs/bandwidth.md)." };
        var tick = new Option<double?>("--tick") { Description = "Simulated seconds per step (default 0.1)." };
        var from = FromOption.Create();
        var output = new Option<string?>("--out") { Description = "Write report.md, report.html, report.json, run.json and PNG plots into this folder." };
        var cmd = new Command("compare", "Run the designs side by side on one workload and report the numbers.");
        cmd.Arguments.Add(scenario);
        foreach (Option o in new Option[] { design, seed, format, csvDir, plot, bwPlot, tick, output, from })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr =>
        {
            CheckOutputs(pr.GetValue(output), (pr.GetValue(plot), "--plot"), (pr.GetValue(bwPlot), "--bandwidth-plot"));
            Scenario s = BuiltInScenarios.Resolve(pr.GetValue(scenario), out string? baseDir);
            var options = new SimulationOptions
            {
                Seed = pr.GetValue(seed),
                BaseDirectory = baseDir,
                TickSeconds = pr.GetValue(tick) ?? 0.1,
                From = FromOption.Load(pr.GetValue(from), Allocator.KernelVersions.Parse(s.Kernel)),
            };
            bool json = pr.GetValue(format) == "json";
            // a scenario with variants compares kernel command lines; --design still picks plain designs
            IReadOnlyList<DesignKind>? designs = s.Variants.Count > 0 && pr.GetValue(design) == null ? null : Designs(pr.GetValue(design), s);
            (DesignReport[] reports, double[] wall) = DesignRunner.RunAll(DesignRunner.Plan(s, designs, options));
            var result = new CompareResult(s.Name, options.Seed ?? s.Seed, s.DurationSeconds, options.TickSeconds, reports) { Timeline = PlotTimeline.Of(s) };
            if (pr.GetValue(format) == "csv")
            {
                string csv = pr.GetValue(csvDir) ?? "compare-csv";
                List<string> files = CompareCsvWriter.Write(csv, result);
                Console.Out.WriteLine(string.Join('\n', files.Select(f => Path.Combine(csv, f))));
                CompareReportWriter.BootWarningsToStderr(result);
            }
            else
            {
                Print(result, json);
            }
            if (pr.GetValue(output) is string dir)
            {
                WriteReport(dir, result, wall, "compare");
            }
            if (pr.GetValue(plot) is string png && new PlotGuard().Try(() => AtomicOutput.File(png, p => LatencyPlot.Save(p, s.Name, reports, result.Timeline), "--plot")))
            {
                Console.Error.WriteLine($"zonelab: wrote {png}");
            }
            if (pr.GetValue(bwPlot) is string bwPng)
            {
                bool any = reports.Any(d => d.Available && d.Bandwidth is { Controllers.Count: > 0 });
                if (any && new PlotGuard().Try(() => AtomicOutput.File(bwPng, p => BandwidthPlot.Save(p, s.Name, reports), "--bandwidth-plot")))
                {
                    Console.Error.WriteLine($"zonelab: wrote {bwPng}");
                }
                else if (!any)
                {
                    Console.Error.WriteLine("zonelab: no bandwidth data (memory_controllers and access rates), no plot written");
                }
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Prints the result as text tables or JSON on stdout.</summary>
    internal static void Print(CompareResult result, bool json)
    {
        if (json)
        {
            Console.Out.Write(CompareReportWriter.Json(result));
            CompareReportWriter.BootWarningsToStderr(result);
        }
        else
        {
            CompareReportWriter.Text(ConsoleFactory.Create(), result);
        }
    }

    /// <summary>Refuses unusable output paths before the designs run rather than after.</summary>
    internal static void CheckOutputs(string? dir, params (string? Path, string Option)[] files)
    {
        if (dir != null)
        {
            AtomicOutput.CheckFolder(dir);
        }
        foreach ((string? path, string option) in files)
        {
            if (path != null)
            {
                AtomicOutput.CheckFile(path, option);
            }
        }
    }

    /// <summary>Writes the <c>--out</c> folder and names it on stderr.</summary>
    internal static void WriteReport(string dir, CompareResult result, double[] wall, string command)
    {
        try
        {
            List<string> files = ReportDirectory.Write(dir, result, wall, command);
            Console.Error.WriteLine($"zonelab: wrote {files.Count} files to {dir}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException("--out " + dir, 0, ex.Message);
        }
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
}
