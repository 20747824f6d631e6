using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Workloads.DeviceState;

/// <summary>
/// A folder written by the snapshot script (<c>zonelab snapshot</c>, docs/snapshot.md): a device's /proc files, boot
/// log and device tree, read and checked against each other. <see cref="Layout"/> boots that machine as the layout
/// readers do (x86: boot log + zoneinfo; arm64: <c>/sys/firmware/fdt</c> + zoneinfo); <see cref="DeviceStatePlan"/>
/// then says where every free and used page goes.
/// </summary>
public sealed class DeviceSnapshot
{
    private readonly object _planLock = new();
    private readonly Dictionary<string, DeviceStatePlan> _plans = [];

    private DeviceSnapshot(string directory) => Directory = directory;

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>"x86_64" or "arm64".</summary>
    public string Arch { get; private set; } = "x86_64";

    /// <summary><c>uname -r</c>, when recorded.</summary>
    public string? Release { get; private set; }

    /// <summary>/proc/buddyinfo.</summary>
    public IReadOnlyList<BuddyinfoZone> Buddyinfo { get; private set; } = [];

    /// <summary>/proc/pagetypeinfo, or null when the device did not give it (not root, or an old kernel).</summary>
    public PagetypeinfoFile? Pagetypeinfo { get; private set; }

    /// <summary>/proc/meminfo.</summary>
    public MeminfoFile Meminfo { get; private set; } = null!;

    /// <summary>/proc/vmstat, or null when absent.</summary>
    public IReadOnlyDictionary<string, long>? Vmstat { get; private set; }

    /// <summary>/proc/zoneinfo, zone by zone with the line each starts on.</summary>
    public IReadOnlyList<ZoneinfoHeader> Zoneinfo { get; private set; } = [];

    /// <summary>The kernel build the layout is computed for.</summary>
    public KernelConfig Config { get; private set; } = KernelConfig.DebianAmd64;

    /// <summary>Path of a file of the snapshot.</summary>
    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Reads and checks a snapshot folder; any problem is a <see cref="ZoneLabInputException"/> naming the file and line.</summary>
    public static DeviceSnapshot Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ZoneLabInputException(directory, "not a folder; expected a folder written by the snapshot script (zonelab snapshot)");
        }

        var s = new DeviceSnapshot(directory);
        string Need(string name)
        {
            string p = s.PathOf(name);
            return File.Exists(p) ? p : throw new ZoneLabInputException(p, $"missing; a snapshot needs zoneinfo, buddyinfo, meminfo and the boot log (dmesg){(name == "dmesg" ? " to know the machine's memory map" : string.Empty)}");
        }

        s.Zoneinfo = ZoneinfoReader.Read(ProcText.ReadLines(Need("zoneinfo"), s.PathOf("zoneinfo")), s.PathOf("zoneinfo"));
        foreach (ZoneinfoHeader z in s.Zoneinfo)
        {
            // the snapshot script copies /proc/zoneinfo whole, and zoneinfo_show_print prints every zone's protection
            // line, populated or not: a zone without one is a file cut short, whose last number may be cut too (a
            // hand-edited zoneinfo without them is still fine for `layout --zoneinfo`, which reads managed counts only)
            if (!z.Fields.ContainsKey("protection"))
            {
                throw new ZoneLabInputException(s.PathOf("zoneinfo"), z.Line, $"node {z.Node} zone {z.Zone} has no 'protection: (...)' line, which every zone of /proc/zoneinfo has; is the file cut short?");
            }
        }
        s.Buddyinfo = BuddyinfoReader.Read(Need("buddyinfo"), s.PathOf("buddyinfo"));
        s.Meminfo = MeminfoReader.Read(Need("meminfo"), s.PathOf("meminfo"));
        if (File.Exists(s.PathOf("pagetypeinfo")))
        {
            s.Pagetypeinfo = PagetypeinfoReader.Read(s.PathOf("pagetypeinfo"), s.PathOf("pagetypeinfo"));
        }

        if (File.Exists(s.PathOf("vmstat")))
        {
            s.Vmstat = VmstatReader.Read(s.PathOf("vmstat"), s.PathOf("vmstat"));
        }

        s.Release = FirstLine(s.PathOf("uname-r"));
        s.Arch = DetectArch(s);
        if (s.Arch == "x86_64")
        {
            Need("dmesg");
        }
        else if (!File.Exists(s.PathOf("fdt")))
        {
            throw new ZoneLabInputException(s.PathOf("fdt"), "missing; an arm64 snapshot needs the device tree the kernel booted with (/sys/firmware/fdt)");
        }

        // CONFIG_CMA: pagetypeinfo has a CMA column, meminfo has CmaTotal
        bool cma = s.Pagetypeinfo?.Types.Contains(MigrateType.Cma) ?? s.Meminfo.Has("CmaTotal");
        s.Config = s.Arch == "arm64"
            ? KernelConfig.DebianArm64 with { Cma = cma }
            : cma ? KernelConfig.CmaAmd64 : KernelConfig.DebianAmd64;
        return s;
    }

    /// <summary>
    /// The machine's boot layout, with its real managed counts, as the device booted it; <paramref name="features"/>
    /// selects kernel changes (the DMB series) a design needs. The command line is the device's own.
    /// </summary>
    public BootLayout Layout(KernelFeatures? features = null)
    {
        var b = new LayoutBuilder();
        if (features != null)
        {
            b.WithFeatures(features);
        }

        if (Arch == "arm64")
        {
            b.ForArm64(null, null, PathOf("fdt"));
        }
        else
        {
            b.FromDmesg(PathOf("dmesg"));
        }

        b.WithKernelConfig(Config);
        b.WithZoneinfo(PathOf("zoneinfo"));
        return b.Build();
    }

    /// <summary>
    /// Where every page of the device goes, worked out once on the device's own design (mainline MIGRATE_CMA on its
    /// layout) and shared by every design that is brought to this state.
    /// </summary>
    public DeviceStatePlan Plan(KernelVersion version)
    {
        string key = version.ToString();
        lock (_planLock)
        {
            if (!_plans.TryGetValue(key, out DeviceStatePlan? plan))
            {
                plan = DeviceStatePlanner.Build(this, version);
                _plans[key] = plan;
            }

            return plan;
        }
    }

    private static string DetectArch(DeviceSnapshot s)
    {
        string? m = FirstLine(s.PathOf("uname-m"));
        switch (m)
        {
            case "x86_64":
                return "x86_64";
            case "aarch64" or "arm64":
                return "arm64";
            case null:
                // no uname -m: a device tree means arm64 here; otherwise the boot log must be an x86 one
                return File.Exists(s.PathOf("fdt")) ? "arm64" : "x86_64";
            default:
                throw new ZoneLabInputException(s.PathOf("uname-m"), 1, $"machine '{ProcText.Clip(m)}' is not modelled; expected x86_64 or aarch64");
        }
    }

    private static string? FirstLine(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        string[] lines = ProcText.ReadLines(path, path);
        return lines.Length == 0 || lines[0].Trim().Length == 0 ? null : lines[0].Trim();
    }
}
