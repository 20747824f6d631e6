using System.CommandLine;
using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Reclaim;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab replay TRACE [--design X] [--mem SIZE|--dmesg FILE] [--cmdline ...] [--format text|json]</c>: replays a
/// recorded ftrace of the page allocator through a design and reports how the model's run differs from the trace.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var trace = new Argument<string>("TRACE") { Description = "tracefs 'trace' text, trace_pipe or trace-cmd report output (.gz read too)." };
        var design = new Option<string>("--design") { Description = "The design to replay on (default migrate-cma).", DefaultValueFactory = _ => "migrate-cma" };
        var mem = new Option<string?>("--mem") { Description = "RAM size of a QEMU machine (default 1G when no --dmesg/--dtb)." };
        var dmesg = new Option<string?>("--dmesg") { Description = "The traced machine's boot log (x86)." };
        var arch = new Option<string?>("--arch") { Description = "x86_64 (default) or arm64." };
        var dtb = new Option<string?>("--dtb") { Description = "A device tree blob (arm64)." };
        var cmdline = new Option<string?>("--cmdline") { Description = "Kernel command line to add (e.g. \"cma=256M\")." };
        var kconfig = new Option<string?>("--kconfig") { Description = "Kernel build: debian-arm64, debian-amd64, cma-amd64 or a .config." };
        Option<KernelVersion?> kernel = CliOptions.Kernel("Kernel behaviour 4.10, 6.1 or 6.12.");
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("replay", "Replay a recorded page-allocator trace through a design.");
        cmd.Arguments.Add(trace);
        foreach (Option o in new Option[] { design, mem, dmesg, arch, dtb, cmdline, kconfig, kernel, format })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(trace)!;
            if (!File.Exists(path))
            {
                throw new ZoneLabInputException("TRACE", $"'{path}': no such file");
            }
            string? memValue = pr.GetValue(mem) ?? (pr.GetValue(dmesg) == null && pr.GetValue(dtb) == null ? "1G" : null);
            LayoutBuilder b = MachineOptions.Build(pr.GetValue(dmesg), memValue, null, null, pr.GetValue(arch), pr.GetValue(dtb));
            if (MachineOptions.Config(pr.GetValue(kconfig), b.Arch) is KernelConfig cfg)
            {
                b.WithKernelConfig(cfg);
            }
            if (pr.GetValue(cmdline) is string cl)
            {
                b.WithExtraArgs(cl.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            DesignKind kind = DesignNames.Parse(pr.GetValue(design)!);
            using DesignMachine dm = DesignFactory.For(kind).Build(b.Build(), pr.GetValue(kernel) ?? KernelVersion.V6_1);
            _ = new ReclaimModel(dm.Machine);
            using FtraceReader reader = FtraceReader.Open(path);
            TraceReplayResult r = new TraceReplayer(dm).Replay(reader);
            if (pr.GetValue(format) == "json")
            {
                Console.Out.Write(r.ToJson());
            }
            else
            {
                Console.Out.WriteLine($"{r.Trace.EventsRead} events ({r.Trace.Skipped} skipped): {r.Trace.Allocations} allocations, {r.Trace.Frees} frees replayed on {r.Design}");
                Console.Out.WriteLine($"model: {r.FailedAllocations} allocations failed (trace: {r.Trace.TraceFailedAllocations}), {r.ModelFrees} blocks freed (+{r.ModelImpliedFrees} whose pfn the trace allocated again), {r.Trace.FreesPreExisting} frees of pages from before the trace");
                Console.Out.WriteLine($"fallbacks: trace {r.TraceFallbacks}, model {r.ModelFallbacks}; cma_alloc: {r.CmaAllocations} replayed, {r.CmaFailed} refused by the model");
            }
            return 0;
        });
        return cmd;
    }
}
