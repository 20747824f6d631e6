using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Metrics;
using ZoneLab.Reclaim;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab bench</c>: the speed and memory targets (a 64 GiB machine is cheap, 1 TiB fits in this machine's memory),
/// measured end to end. BenchmarkDotNet (bench/ZoneLab.Benchmarks) gives the statistically careful numbers.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Skip the 1 TiB machine." };
        var seed = new Option<int>("--seed") { Description = "Seed of the random allocation mix.", DefaultValueFactory = _ => 1 };
        var cmd = new Command("bench", "Measure layout, boot and allocator throughput on 64 GiB and 1 TiB machines.");
        cmd.Options.Add(quick);
        cmd.Options.Add(seed);
        var json = new Option<bool>("--json") { Description = "Run the engine scenarios (ZoneLab.Cli.EngineBench) and print one JSON object." };
        cmd.Options.Add(json);
        var trace = new Option<string?>("--trace") { Description = $"The recorded trace the replay figure repeats (default {DefaultTrace}, looked up above the current directory)." };
        cmd.Options.Add(trace);
        cmd.SetAction(pr =>
        {
            string? tracePath = FindTrace(pr.GetValue(trace));
            if (pr.GetValue(json))
            {
                // order0_alloc_free_ns, order0_alloc_free_ns_1tib, order3_alloc_free_ns, mixed_churn_ns_per_op,
                // bytes_per_page, build_1tib_seconds, build_1tib_peak_bytes (+ the deferred-linking cost),
                // replay_events_per_second, compare_default_seconds
                bool big = !pr.GetValue(quick);
                if (big)
                {
                    // the 1 TiB machine stays lazily booted (about 50 MB resident); the deferred-linking pass is timed on
                    // EngineBench.MaterializeGib GiB: the run peaks near 250 MB (measured, README), not the 3 GB of a fully linked 1 TiB
                    long avail = MemAvailableBytes();
                    Console.Error.WriteLine($"zonelab: bench --json builds a lazily booted 1 TiB machine and times linking every boot block on {EngineBench.MaterializeGib} GiB: peak about 250 MB resident{(avail > 0 ? $" ({avail >> 20} MiB available)" : string.Empty)}; --quick skips the 1 TiB part");
                    if (avail > 0 && avail < (512L << 20))
                    {
                        Console.Error.WriteLine("zonelab: warning: less than 512 MiB available: the 1 TiB figures are skipped (as with --quick)");
                        big = false;
                    }
                }
                EngineBenchResult r = EngineBench.Run(include1Tib: big, log: Console.Error);
                (long events, double perSecond, double perCpuSecond) = tracePath == null ? (0, double.NaN, double.NaN) : Replay(tracePath);
                Console.Error.WriteLine(tracePath == null ? $"replay: no trace ({DefaultTrace} not found; give --trace)"
                    : $"replay: {events} events, {perSecond / 1e6:F2} M events/s ({perCpuSecond / 1e6:F2} M per CPU-second; load average {LoadAverage()})");
                double compare = CompareDefault();
                Console.Error.WriteLine($"compare (default scenario, all designs): {compare:F2} s");
                Console.Out.WriteLine((r with { ReplayEvents = events, ReplayEventsPerSecond = perSecond, ReplayEventsPerCpuSecond = perCpuSecond, CompareDefaultSeconds = compare }).ToJson());
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("what");
            table.AddColumn(new TableColumn("result").RightAligned());
            var sizes = pr.GetValue(quick) ? new[] { 64UL } : new[] { 64UL, 1024UL };
            foreach (ulong gib in sizes)
            {
                Console.Error.WriteLine($"zonelab: bench: {gib} GiB machine, 4 nodes: layout, boot, 2 M order-0 pairs, 2 M mixed operations");
                ulong[] nodes = Enumerable.Repeat((gib / 4) << 30, 4).ToArray();
                var sw = Stopwatch.StartNew();
                BootLayout layout = new LayoutBuilder().FromQemu(gib << 30, QemuMachineType.Q35, nodes).WithCommandLine("movablecore=25%").Build();
                double layoutMs = sw.Elapsed.TotalMilliseconds;
                long before = GC.GetTotalMemory(true);
                sw.Restart();
                using var m = new Machine(LayoutMachineSpec.Create(layout));
                double bootMs = sw.Elapsed.TotalMilliseconds;
                table.AddRow($"{gib} GiB, 4 nodes: layout", $"{layoutMs:0.00} ms");
                table.AddRow($"{gib} GiB: boot (memmap init + free to buddy)", $"{bootMs:0} ms");
                table.AddRow($"{gib} GiB: model state", $"{m.StateBytes / (1024.0 * 1024.0):0} MiB ({(double)m.StateBytes / m.PfnCount:0.0} B/pfn), managed heap +{(GC.GetTotalMemory(false) - before) / (1024.0 * 1024.0):0.0} MiB");
                table.AddRow($"{gib} GiB: order-0 GFP_KERNEL alloc+free", $"{Pairs(m, 2_000_000):0.0} M pairs/s");
                table.AddRow($"{gib} GiB: mixed churn (orders 0-3, 3 migratetypes)", $"{Churn(m, 2_000_000, pr.GetValue(seed)):0.0} M ops/s");
            }
            if (tracePath != null)
            {
                Console.Error.WriteLine($"zonelab: bench: replaying {tracePath} repeated to 10 M events");
                (long events, double perSecond, double perCpuSecond) = Replay(tracePath);
                table.AddRow($"replay {Path.GetFileName(Path.GetDirectoryName(tracePath))} x{events / 1e6:0.0} M events (read + replay, migrate-cma)", $"{perSecond / 1e6:0.00} M events/s ({perCpuSecond / 1e6:0.00} M per CPU-s)");
            }

            Console.Error.WriteLine("zonelab: bench: compare on the default scenario, all designs");
            table.AddRow("compare, default scenario, all designs", $"{CompareDefault():0.00} s");
            IAnsiConsole console = ConsoleFactory.Create();
            console.Write(table);
            return 0;
        });
        return cmd;
    }

    // MemAvailable of /proc/meminfo in bytes, or 0 where unknown
    private static long MemAvailableBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)
                    && long.TryParse(line[13..].Trim().Split(' ')[0], out long kb))
                {
                    return kb << 10;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return 0;
    }

    private const string DefaultTrace = "tests/ZoneLab.Tests/Fixtures/trace/x86_64-6.1-kmem/trace.txt";

    private static string? FindTrace(string? given)
    {
        if (given != null)
        {
            return File.Exists(given) ? given : throw new ZoneLabInputException("--trace", $"'{given}': no such file");
        }

        for (DirectoryInfo? d = new(Environment.CurrentDirectory); d != null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, DefaultTrace);
            if (File.Exists(p))
            {
                return p;
            }
        }

        return null;
    }

    // The trace repeated to 10 M events, replayed on the machine `zonelab replay` builds by default (QEMU 1G, migrate-cma).
    // The 1-minute load average, so a reader of the figures can tell a quiet run from a loaded one (Linux only; the
    // benchmarks' SweepScaling prints it too).
    internal static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static (long Events, double PerSecond, double PerCpuSecond) Replay(string path)
    {
        (byte[] text, long perCopy) = EngineBench.TraceBody(path);
        return EngineBench.ReplayThroughput(
            () =>
            {
                DesignMachine dm = DesignFactory.For(DesignKind.MigrateCma).Build(MachineOptions.Build(null, "1G", null, null).Build(), KernelVersions.Parse("6.1"));
                _ = new ReclaimModel(dm.Machine);
                return dm;
            },
            text,
            perCopy);
    }

    // What `zonelab compare` does without arguments: the default built-in scenario, its designs, in parallel.
    private static double CompareDefault()
    {
        Scenario s = BuiltInScenarios.Resolve(null, out string? baseDir);
        var designs = new List<DesignKind>();
        foreach (string n in s.Designs)
        {
            designs.Add(DesignNames.Parse(n, "designs"));
        }

        var options = new SimulationOptions { BaseDirectory = baseDir, TickSeconds = 0.1 };
        var sw = Stopwatch.StartNew();
        Parallel.For(0, designs.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => SimulationRunner.Run(s, designs[i], options, _ => { }));
        return sw.Elapsed.TotalSeconds;
    }

    private static double Pairs(Machine m, int n)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            AllocResult r = m.Allocate(0, Gfp.Kernel);
            if (r.Success)
            {
                m.Free(r.Pfn, 0);
            }
        }
        return n / sw.Elapsed.TotalSeconds / 1e6;
    }

    // A working set of up to 200k live allocations, random orders and GFP classes, deterministic for a seed.
    private static double Churn(Machine m, int n, int seed)
    {
        var rng = new Random(seed);
        var live = new (ulong Pfn, int Order)[200_000];
        int count = 0;
        GfpFlags[] gfps = { Gfp.Kernel, Gfp.HighUserMovable, Gfp.Kernel | GfpFlags.Reclaimable };
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            if (count > 0 && (count == live.Length || rng.Next(2) == 0))
            {
                int k = rng.Next(count);
                m.Free(live[k].Pfn, live[k].Order);
                live[k] = live[--count];
            }
            else
            {
                int order = rng.Next(4);
                AllocResult r = m.Allocate(order, gfps[rng.Next(gfps.Length)]);
                if (r.Success)
                {
                    live[count++] = (r.Pfn, order);
                }
            }
        }
        double rate = n / sw.Elapsed.TotalSeconds / 1e6;
        while (count > 0)
        {
            count--;
            m.Free(live[count].Pfn, live[count].Order);
        }
        return rate;
    }
}
