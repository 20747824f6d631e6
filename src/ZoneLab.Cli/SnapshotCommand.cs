using System.CommandLine;
using ZoneLab.Workloads.DeviceState;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab snapshot</c>: prints the busybox <c>sh</c> script that records a device's page-allocator state into a
/// folder (or a tar on stdout) for <c>--from DIR</c> (docs/snapshot.md).
/// </summary>
internal static class SnapshotCommand
{
    public static Command Create()
    {
        var cmd = new Command("snapshot", "Print the sh script that records a device's state (zoneinfo, buddyinfo, pagetypeinfo, meminfo, vmstat, boot log, device tree) for --from DIR.");
        cmd.SetAction(_ =>
        {
            Console.Out.Write(DeviceSnapshotScript.Text);
            return 0;
        });
        return cmd;
    }
}
