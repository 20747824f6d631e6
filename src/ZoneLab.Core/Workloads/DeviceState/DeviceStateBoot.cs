using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Workloads.DeviceState;

/// <summary>Boots a design on a device snapshot's machine and brings it to the recorded state.</summary>
public static class DeviceStateBoot
{
    /// <summary>
    /// The design booted on the snapshot's layout (the DMB design with the DMB series' command-line reading), then
    /// seeded with <see cref="DeviceStateSeeder"/>.
    /// </summary>
    public static DesignMachine Boot(DeviceSnapshot snapshot, DesignKind design, KernelVersion version, out DeviceStateResult result, VmSysctls? sysctls = null, bool debugChecks = false, long swapPages = 0)
    {
        KernelFeatures features = DesignRegistry.For(design).Features; // the DMB series reads movablecore=size@base
        BootLayout layout = snapshot.Layout(features);
        DesignMachine dm = DesignFactory.For(design).Build(layout, version, sysctls, debugChecks, swapPages);
        try
        {
            result = DeviceStateSeeder.Apply(dm.Machine, snapshot.Plan(version));
        }
        catch
        {
            dm.Dispose();
            throw;
        }

        return dm;
    }
}
