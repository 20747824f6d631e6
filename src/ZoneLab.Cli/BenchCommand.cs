using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using ZoneLab.Allocator;
using ZoneLab.Layout;

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
        var json = new Option<bool>("--json") { Description = "Run the engine scenarios (ZoneLab.Metrics.EngineBench) and print one JSON object." };
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            if (pr.GetValue(json))
            {
                // order0_alloc_free_ns, order0_alloc_free_ns_1tib, order3_alloc_free_ns, mixed_churn_ns_per_op,
                // bytes_per_page, build_1tib_seconds, build_1tib_peak_bytes (+ the deferred-linking cost)
                Console.Out.WriteLine(ZoneLab.Metrics.EngineBench.Run(include1Tib: !pr.GetValue(quick), log: Console.Error).ToJson());
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("what");
            table.AddColumn(new TableColumn("result").RightAligned());
            var sizes = pr.GetValue(quick) ? new[] { 64UL } : new[] { 64UL, 1024UL };
            foreach (ulong gib in sizes)
            {
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
            IAnsiConsole console = ConsoleFactory.Create();
            console.Write(table);
            return 0;
        });
        return cmd;
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
