using System.CommandLine;
using ZoneLab.Workloads.DeviceState;

namespace ZoneLab.Cli;

/// <summary><c>--from DIR</c>: a device snapshot whose machine and state a command starts from.</summary>
internal static class FromOption
{
    public static Option<string?> Create() => new("--from")
    {
        Description = "Start from a device's state: a folder written by the `zonelab snapshot` script (its machine replaces the scenario's).",
    };

    /// <summary>Loads the snapshot and prints what its state could only approximate, or null without the option.</summary>
    public static DeviceSnapshot? Load(string? dir, Allocator.KernelVersion version)
    {
        if (dir == null)
        {
            return null;
        }

        DeviceSnapshot s = DeviceSnapshot.Load(dir);
        foreach (string w in s.Plan(version).Warnings)
        {
            Console.Error.WriteLine($"zonelab: warning: {w}");
        }

        return s;
    }

    /// <summary>Reports what a design could not take over in place (a carve-out where the device had pages).</summary>
    public static void Report(string design, DeviceStateResult r)
    {
        if (r.Displaced + r.ExtraFree + r.LostFree > 0)
        {
            Console.Error.WriteLine($"zonelab: {design}: {r.Displaced} used pages sit where this design manages no memory and were allocated elsewhere ({r.DisplacedFailed} failed); {r.LostFree} free pages lost, {r.ExtraFree} extra free");
        }
    }
}
