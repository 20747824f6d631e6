namespace ZoneLab.Workloads.DeviceState;

/// <summary>The busybox <c>sh</c> script that records a device snapshot (printed by <c>zonelab snapshot</c>).</summary>
public static class DeviceSnapshotScript
{
    /// <summary>The script's text (zonelab-snapshot.sh, embedded in the assembly).</summary>
    public static string Text { get; } = Load();

    private static string Load()
    {
        using Stream s = typeof(DeviceSnapshotScript).Assembly.GetManifestResourceStream("ZoneLab.zonelab-snapshot.sh")
            ?? throw new InvalidOperationException("the snapshot script is not embedded in the assembly");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
