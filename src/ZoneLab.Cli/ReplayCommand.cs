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
        Option<DesignKind> design = CliOptions.Design("The design to replay on.");
        Option<KernelVersion?> kernel = CliOptions.Kernel("Kernel behaviour 4.10, 6.1, 6.6 or 6.12.");
        var format = new Option<string>("--format") { Description = "text (default) or json.", DefaultValueFactory = _ => "text" };
        var from = FromOption.Create();
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("replay", "Replay a recorded page-allocator trace through a design.");
        cmd.Arguments.Add(trace);
        cmd.Options.Add(design);
        MachineOptionSet machine = MachineOptionSet.AddTo(cmd, MachineOption.Mem | MachineOption.Dmesg | MachineOption.Arch | MachineOption.Dtb
            | MachineOption.Cmdline | MachineOption.Kconfig);
        machine.Mem.Description = "RAM size of a QEMU machine (default 1G when no --dmesg/--dtb).";
        machine.Cmdline.Description = "Kernel command line to add (e.g. \"cma=256M\"); default: the cmdline.txt beside the trace, when there is one.";
        foreach (Option o in new Option[] { kernel, format, from })
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
            DesignKind kind = pr.GetValue(design);
            KernelVersion version = pr.GetValue(kernel) ?? KernelVersion.V6_1;
            if (FromOption.Load(pr.GetValue(from), version) is Workloads.DeviceState.DeviceSnapshot snap)
            {
                machine.RefuseWithSnapshot(pr);

                using DesignMachine sdm = Workloads.DeviceState.DeviceStateBoot.Boot(snap, kind, version, out Workloads.DeviceState.DeviceStateResult sr);
                FromOption.Report(DesignNames.Name(kind), sr);
                return Replay(sdm, path, pr.GetValue(format) == "json");
            }

            LayoutBuilder b = machine.Builder(pr, memDefault: "1G");
            if ((machine.CmdlineText(pr) ?? CmdlineBeside(path)) is string cl)
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
        if (r.Trace.EventsRead == r.Trace.Skipped)
        {
            // nothing was replayed: a report of zeros would read as "the model agrees", so say what was expected
            string what = r.Trace.EventsRead == 0 ? "no trace event lines" : $"{r.Trace.EventsRead} event line{(r.Trace.EventsRead == 1 ? "" : "s")}, none of them a page-allocator or CMA event";
            throw new ZoneLabInputException(path, $"{what}; expected a trace with {string.Join(", ", r.Trace.Events.Select(e => e.Key))} events (trace-cmd report, or tracefs 'trace' with the kmem and cma events enabled)");
        }
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
