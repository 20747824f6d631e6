using ZoneLab.Designs;
using ZoneLab.Procfs;
using ZoneLab.Workloads.DeviceState;

namespace ZoneLab.Cli;

/// <summary><c>explain FILE --from DIR [--design X|--designs a,b]</c>: reruns each report's request from the snapshot's state.</summary>
internal static class ExplainWhatIf
{
    public static string Append(string output, bool json, string dir, IReadOnlyList<AllocFailureReport> reports, string? design, string? designs)
    {
        if (design != null && designs != null)
        {
            throw new ZoneLabInputException("--design", "give --design or --designs, not both");
        }

        IReadOnlyList<DesignKind> kinds = (design ?? designs) is string list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => DesignNames.Parse(n, design != null ? "--design" : "--designs")).ToList()
            : DesignNames.All;
        if (kinds.Count == 0)
        {
            throw new ZoneLabInputException("--designs", "no design named");
        }

        // the engine runs the rules of the snapshot's kernel (the state is that kernel's), not the report's
        DeviceSnapshot snap = DeviceSnapshot.Load(dir);
        foreach (string w in snap.Plan(Allocator.KernelVersions.Parse(snap.Release ?? "6.1")).Warnings)
        {
            Console.Error.WriteLine($"zonelab: warning: {w}");
        }

        var perReport = reports.Select(r => FailureRerun.Run(r, snap, kinds)).ToList();
        return json
            ? FailureRerunWriter.AddToJson(output, dir, perReport)
            : output + FailureRerunWriter.ToText(dir, reports.Select(r => r.Line).ToList(), perReport);
    }
}
