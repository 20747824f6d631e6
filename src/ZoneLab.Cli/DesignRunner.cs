using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Cli;

/// <summary>
/// Runs designs in parallel across cores and shows progress on stderr: a Spectre progress display when both stdout
/// and stderr are terminals, plain <c>zonelab: DESIGN 50%</c> lines (no ANSI) otherwise.
/// </summary>
internal static class DesignRunner
{
    /// <summary>
    /// The runs of a compare: the scenario's variants (kernel command lines, each with its design) when it has some and
    /// no <c>--design</c> was given, else the designs.
    /// </summary>
    public static IReadOnlyList<DesignRun> Plan(Scenario s, IReadOnlyList<DesignKind>? designs, SimulationOptions options)
    {
        WorkEstimate.Check(s, options.TickSeconds, runs: designs?.Count ?? s.Variants.Count);
        if (designs is { Count: 0 })
        {
            throw new ZoneLabInputException("--design", "no design named; expected a comma-separated list such as migrate-cma,zone-cma");
        }
        var runs = new List<DesignRun>();
        if (designs == null)
        {
            foreach (ScenarioVariant v in s.Variants)
            {
                runs.Add(new DesignRun(v.Name, p => SimulationRunner.Run(s, v, options, p)));
            }
            return runs;
        }
        foreach (DesignKind d in designs)
        {
            runs.Add(new DesignRun(DesignNames.Name(d), p => SimulationRunner.Run(s, d, options, p)));
        }
        return runs;
    }

    /// <summary>Plain progress lines on stderr (<c>zonelab: NAME 25%</c>) at each quarter, for output that is not a terminal.</summary>
    public static Action<double> PlainProgress(string name)
    {
        int quarter = 0;
        return f =>
        {
            int q = (int)Math.Floor(Math.Min(f, 1) * 4 + 1e-9);
            if (q > quarter && q < 4)
            {
                quarter = q;
                Console.Error.WriteLine($"zonelab: {name} {q * 25}%");
            }
        };
    }

    /// <summary>Runs <paramref name="designs"/>; reports in the order given and the wall seconds each took.</summary>
    public static (DesignReport[] Reports, double[] WallSeconds) RunAll(IReadOnlyList<DesignRun> designs)
    {
        var reports = new DesignReport[designs.Count];
        var wall = new double[designs.Count];
        var done = new double[designs.Count];
        bool plain = Console.IsErrorRedirected || Console.IsOutputRedirected;
        var quarter = new int[designs.Count];
        void RunOne(int i)
        {
            string name = designs[i].Name;
            var sw = Stopwatch.StartNew();
            reports[i] = designs[i].Run(f =>
            {
                Volatile.Write(ref done[i], f);
                int q = (int)Math.Floor(Math.Min(f, 1) * 4 + 1e-9);
                if (plain && q > quarter[i] && q < 4)
                {
                    quarter[i] = q;
                    Console.Error.WriteLine($"zonelab: {name} {q * 25}%");
                }
            });
            wall[i] = sw.Elapsed.TotalSeconds;
            if (plain)
            {
                Console.Error.WriteLine(reports[i].Available
                    ? $"zonelab: {name} done ({wall[i].ToString("0.0", CultureInfo.InvariantCulture)} s)"
                    : $"zonelab: {name} skipped");
            }
        }

        var po = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        if (plain)
        {
            Parallel.For(0, designs.Count, po, RunOne);
            return (reports, wall);
        }

        IAnsiConsole err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        err.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var tasks = new ProgressTask[designs.Count];
                for (int i = 0; i < tasks.Length; i++)
                {
                    tasks[i] = ctx.AddTask(designs[i].Name, maxValue: 1);
                }
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
        return (reports, wall);
    }
}

/// <summary>One run of a compare: the name it is reported under and the simulation (called with a progress callback).</summary>
/// <param name="Name">A design name or a scenario variant's name.</param>
/// <param name="Run">Runs the simulation.</param>
internal sealed record DesignRun(string Name, Func<Action<double>, DesignReport> Run);
