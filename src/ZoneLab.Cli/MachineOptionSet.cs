using System.CommandLine;
using ZoneLab.Layout;

namespace ZoneLab.Cli;

/// <summary>The machine options a command can take, as flags for <see cref="MachineOptionSet.AddTo"/>.</summary>
[Flags]
internal enum MachineOption
{
    None = 0,
    Dmesg = 1,
    Mem = 2,
    Numa = 4,
    Machine = 8,
    Arch = 16,
    Dtb = 32,
    Kconfig = 64,
    Cmdline = 128,
    Zoneinfo = 256,
}

/// <summary>
/// The options that describe the machine (<c>--dmesg --mem --numa --machine --arch --dtb --kconfig --cmdline
/// --zoneinfo</c>), declared once: a command adds the ones it takes with <see cref="AddTo"/> and builds the layout with
/// <see cref="Builder"/>. Every option has the same name, type, help and errors in every command.
/// </summary>
internal sealed class MachineOptionSet
{
    private MachineOptionSet(MachineOption which) => Which = which;

    /// <summary>The options this command took.</summary>
    public MachineOption Which { get; }

    public Option<FileInfo?> Dmesg { get; } = CliOptions.ExistingFile("--dmesg", "A real x86 boot log (dmesg or serial console): e820 map, SRAT nodes and command line are read from it.");

    public Option<string?> Mem { get; } = new("--mem") { Description = "Synthesize the memory QEMU gives a guest of this size (e.g. 8G): the x86 e820 map, or arm64 virt RAM at 0x40000000." };

    public Option<string?> Numa { get; } = new("--numa") { Description = "NUMA node sizes for --mem, in order, e.g. 1G,3G (must add up to --mem)." };

    public Option<string?> Machine { get; } = new("--machine") { Description = "QEMU machine type for --mem: pc or q35 (x86_64, default pc); virt (arm64)." };

    public Option<Arch?> Arch { get; } = CliOptions.ArchOption("x86_64 (default) or arm64 (QEMU virt and/or a device tree; the default with --dtb).");

    public Option<FileInfo?> Dtb { get; } = CliOptions.ExistingFile("--dtb", "A flattened device tree blob (arm64): memory, reserved-memory pools, dma-ranges; with --mem its memory is replaced as QEMU -dtb does.");

    public Option<string?> Kconfig { get; } = new("--kconfig") { Description = "Kernel build: debian-arm64, debian-amd64 (CMA off), cma-amd64, or a .config file (default: Debian's stock kernel)." };

    public Option<string?> Cmdline { get; } = new("--cmdline") { Description = "Kernel command line (replaces the one in --dmesg)." };

    public Option<FileInfo?> Zoneinfo { get; } = CliOptions.ExistingFile("--zoneinfo", "A real /proc/zoneinfo of the same boot: its managed counts replace the estimate.");

    /// <summary>Adds the options in <paramref name="which"/> to <paramref name="cmd"/>, in the order above.</summary>
    public static MachineOptionSet AddTo(Command cmd, MachineOption which)
    {
        var set = new MachineOptionSet(which);
        foreach ((MachineOption flag, Option o) in set.All())
        {
            if ((which & flag) != 0)
            {
                cmd.Options.Add(o);
            }
        }
        return set;
    }

    /// <summary>The --dmesg path as typed, or null.</summary>
    public string? DmesgPath(ParseResult pr) => Path(pr, MachineOption.Dmesg, Dmesg);

    /// <summary>The --zoneinfo path as typed, or null.</summary>
    public string? ZoneinfoPath(ParseResult pr) => Path(pr, MachineOption.Zoneinfo, Zoneinfo);

    /// <summary>The --cmdline text, or null.</summary>
    public string? CmdlineText(ParseResult pr) => Has(MachineOption.Cmdline) ? pr.GetValue(Cmdline) : null;

    /// <summary>
    /// The layout builder of the machine the options describe (<see cref="MachineOptions.Build"/>), with --kconfig
    /// and --zoneinfo applied; <paramref name="memDefault"/> is the size used when neither --mem, --dmesg nor --dtb is given.
    /// </summary>
    public LayoutBuilder Builder(ParseResult pr, string? memDefault = null)
    {
        string? dmesg = DmesgPath(pr);
        string? dtb = Path(pr, MachineOption.Dtb, Dtb);
        string? mem = (Has(MachineOption.Mem) ? pr.GetValue(Mem) : null) ?? (dmesg == null && dtb == null ? memDefault : null);
        Arch? arch = Has(MachineOption.Arch) ? pr.GetValue(Arch) : null;
        LayoutBuilder b = MachineOptions.Build(dmesg, mem, Has(MachineOption.Numa) ? pr.GetValue(Numa) : null,
            Has(MachineOption.Machine) ? pr.GetValue(Machine) : null, arch is Arch a ? Arches.Name(a) : null, dtb);
        if (Has(MachineOption.Kconfig) && MachineOptions.Config(pr.GetValue(Kconfig), b.Arch) is KernelConfig kc)
        {
            b.WithKernelConfig(kc);
        }
        return b;
    }

    /// <summary>
    /// Refuses machine options given with <c>--from</c>: the snapshot is the machine, so a size, boot log, device tree,
    /// command line or kernel build beside it would be silently ignored.
    /// </summary>
    public void RefuseWithSnapshot(ParseResult pr, IReadOnlyCollection<string>? kernelArgs = null)
    {
        var given = new List<string>();
        foreach ((MachineOption flag, Option o) in All())
        {
            if (Has(flag) && pr.GetResult(o) is { Implicit: false })
            {
                given.Add(o.Name);
            }
        }
        if (kernelArgs is { Count: > 0 })
        {
            given.Add("kernel arguments after --");
        }
        if (given.Count > 0)
        {
            throw new ZoneLabInputException("--from", $"the snapshot is the machine; {string.Join(", ", given)} {(given.Count == 1 ? "does" : "do")} not go with it");
        }
    }

    private bool Has(MachineOption o) => (Which & o) != 0;

    private string? Path(ParseResult pr, MachineOption flag, Option<FileInfo?> o) => Has(flag) ? pr.GetValue(o)?.ToString() : null;

    private IEnumerable<(MachineOption, Option)> All() =>
    [
        (MachineOption.Dmesg, Dmesg), (MachineOption.Mem, Mem), (MachineOption.Numa, Numa), (MachineOption.Machine, Machine),
        (MachineOption.Arch, Arch), (MachineOption.Dtb, Dtb), (MachineOption.Kconfig, Kconfig), (MachineOption.Cmdline, Cmdline),
        (MachineOption.Zoneinfo, Zoneinfo),
    ];
}
