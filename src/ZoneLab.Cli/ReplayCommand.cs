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
        var cmdline = new Option<string?>("--cmdline") { Description = "Kernel command line to add (e.g. \"cma=256M\"); default: the cmdline.txt beside the trace, when there is one." };
        var kconfig = new Option<string?>("--kconfig") { Description = "Kernel build: debian-arm64, debian-amd64, cma-amd64 or a .config." };
        Option<KernelVersion?> kernel = CliOptions.Kernel("Kernel behaviour 4.10, 6.1 or 6.12.");
        var format = new Option<string>("--format") { Description = "text (default) or json.", DefaultValueFactory = _ => "text" };
        var from = FromOption.Create();
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("replay", "Replay a recorded page-allocator trace through a design.");
        cmd.Arguments.Add(trace);
        foreach (Option o in new Option[] { design, mem, dmesg, arch, dtb, cmdline, kconfig, kernel, format, from })
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
            DesignKind kind = DesignNames.Parse(pr.GetValue(design)!);
            KernelVersion version = pr.GetValue(kernel) ?? KernelVersion.V6_1;
            if (FromOption.Load(pr.GetValue(from), version) is Workloads.DeviceState.DeviceSnapshot snap)
            {
                if (pr.GetValue(mem) != null || pr.GetValue(dmesg) != null || pr.GetValue(dtb) != null || pr.GetValue(cmdline) != null || pr.GetValue(kconfig) != null)
                {
                    throw new ZoneLabInputException("--from", "the snapshot is the machine; --mem, --dmesg, --dtb, --cmdline and --kconfig do not go with it");
                }

                using DesignMachine sdm = Workloads.DeviceState.DeviceStateBoot.Boot(snap, kind, version, out Workloads.DeviceState.DeviceStateResult sr);
                FromOption.Report(DesignNames.Name(kind), sr);
                return Replay(sdm, path, pr.GetValue(format) == "json");
            }

            string? memValue = pr.GetValue(mem) ?? (pr.GetValue(dmesg) == null && pr.GetValue(dtb) == null ? "1G" : null);
            LayoutBuilder b = MachineOptions.Build(pr.GetValue(dmesg), memValue, null, null, pr.GetValue(arch), pr.GetValue(dtb));
            if (MachineOptions.Config(pr.GetValue(kconfig), b.Arch) is KernelConfig cfg)
            {
                b.WithKernelConfig(cfg);
            }
            if ((pr.GetValue(cmdline) ?? CmdlineBeside(path)) is string cl)
            {
                b.WithExtraArgs(cl.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            using DesignMachine dm = DesignFactory.For(kind).Build(b.Build(), version);
            return Replay(dm, path, pr.GetValue(format) == "json");
        });
        return cmd;
    }

    private static int Replay(DesignMachine dm, string path, bool json)
    {
        _ = new ReclaimModel(dm.Machine);
        using FtraceReader reader = FtraceReader.Open(path);
        TraceReplayResult r = new TraceReplayer(dm).Replay(reader);
        if (json)
        {
            Console.Out.Write(r.ToJson());
        }
        else
        {
            Console.Out.WriteLine($"{r.Trace.EventsRead} events ({r.Trace.Skipped} skipped): {r.Trace.Allocations} allocations, {r.Trace.Frees} frees replayed on {r.Design}");
            Console.Out.WriteLine($"model: {r.FailedAllocations} allocations failed (trace: {r.Trace.TraceFailedAllocations}), {r.ModelFrees} blocks freed (+{r.ModelImpliedFrees} whose pfn the trace allocated again), {r.Trace.FreesPreExisting} frees of pages from before the trace");
            Console.Out.WriteLine($"fallbacks: trace {r.TraceFallbacks}, model {r.ModelFallbacks}; cma_alloc: {r.CmaAllocations} replayed, {r.CmaFailed} refused by the model");
        }
        // say why cma_alloc calls were refused: the area they name is not on the modelled machine
        string areas = string.Join(", ", dm.Areas.Select(a => a.Name));
        foreach ((string name, long calls) in r.MissingCmaAreas)
        {
            Console.Error.WriteLine($"zonelab: warning: {calls} cma_alloc calls name the CMA area '{name}', which this machine lacks ({(areas.Length > 0 ? "areas: " + areas + "; the calls went to " + dm.Areas[0].Name : "it has no CMA area; the calls were refused")}); give the traced kernel's command line (--cmdline \"cma=... hugetlb_cma=...\", or a cmdline.txt beside the trace)");
        }
        return 0;
    }

    // the traced kernel's command line, recorded beside the trace by tests/oracle's harness (cmdline.txt)
    private static string? CmdlineBeside(string trace)
    {
        string beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(trace)) ?? ".", "cmdline.txt");
        if (!File.Exists(beside))
        {
            return null;
        }
        string line = InputFiles.ReadAllText(beside, 64 << 10).Trim();
        Console.Error.WriteLine($"zonelab: kernel command line from {beside}: {line}");
        return line;
    }
}
