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
    /// <summary>Runs <paramref name="designs"/>; reports in the order given and the wall seconds each took.</summary>
    public static (DesignReport[] Reports, double[] WallSeconds) RunAll(Scenario s, IReadOnlyList<DesignKind> designs, SimulationOptions options)
    {
        var reports = new DesignReport[designs.Count];
        var wall = new double[designs.Count];
        var done = new double[designs.Count];
        bool plain = Console.IsErrorRedirected || Console.IsOutputRedirected;
        var quarter = new int[designs.Count];
        void RunOne(int i)
        {
            string name = DesignNames.Name(designs[i]);
            var sw = Stopwatch.StartNew();
            reports[i] = SimulationRunner.Run(s, designs[i], options, f =>
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
                    tasks[i] = ctx.AddTask(DesignNames.Name(designs[i]), maxValue: 1);
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
