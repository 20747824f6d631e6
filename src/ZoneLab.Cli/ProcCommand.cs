using System.CommandLine;
using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Cli;

/// <summary><c>zonelab proc</c>: boot the allocator model on a machine and print a /proc view of it.</summary>
internal static class ProcCommand
{
    public static Command Create()
    {
        var dmesg = new Option<string?>("--dmesg") { Description = "A real x86 boot log (e820 map, SRAT nodes, command line)." };
        var mem = new Option<string?>("--mem") { Description = "Synthesize the machine QEMU gives a guest of this size (e.g. 8G)." };
        var numa = new Option<string?>("--numa") { Description = "NUMA node sizes for --mem, e.g. 1G,3G." };
        var machine = new Option<string>("--machine") { Description = "QEMU machine type for --mem: pc or q35.", DefaultValueFactory = _ => "pc" };
        var cmdline = new Option<string?>("--cmdline") { Description = "Kernel command line (replaces the one in --dmesg)." };
        var zoneinfo = new Option<string?>("--zoneinfo") { Description = "A real /proc/zoneinfo of the same boot: its managed counts are used." };
        Option<KernelVersion?> kernel = CliOptions.Kernel("Kernel behaviour: 4.10, 6.1 or 6.12.");
        Option<ProcFile> format = CliOptions.Choice("--format", "The /proc file to print.", ProcFiles.All, ProcFiles.Name, ProcFile.Zoneinfo,
            f => $"'{f}' is not a format; expected {string.Join(", ", ProcFiles.All.Select(ProcFiles.Name))}");
        var from = FromOption.Create();
        var kernelArgs = new Argument<string[]>("kernel-args") { Description = "Kernel arguments after a bare --.", Arity = ArgumentArity.ZeroOrMore };

        var cmd = new Command("proc", "Boot the page allocator model on a machine and print /proc/zoneinfo, buddyinfo, pagetypeinfo, meminfo, vmstat or the extfrag indexes.");
        foreach (Option o in new Option[] { dmesg, mem, numa, machine, cmdline, zoneinfo, kernel, format, from })
        {
            cmd.Options.Add(o);
        }
        cmd.Arguments.Add(kernelArgs);
        cmd.SetAction(pr =>
        {
            ProcFile file = pr.GetValue(format);
            KernelVersion version = pr.GetValue(kernel) ?? KernelVersion.V6_1;
            if (FromOption.Load(pr.GetValue(from), version) is Workloads.DeviceState.DeviceSnapshot snap)
            {
                // the device's own design (mainline MIGRATE_CMA) brought to the recorded state
                using Designs.DesignMachine dm = Workloads.DeviceState.DeviceStateBoot.Boot(snap, Designs.DesignKind.MigrateCma, version, out Workloads.DeviceState.DeviceStateResult r);
                FromOption.Report("migrate-cma", r);
                Console.Out.Write(ProcFiles.Write(file, dm.Machine));
                return 0;
            }
            LayoutBuilder builder = MachineOptions.Build(pr.GetValue(dmesg), pr.GetValue(mem), pr.GetValue(numa), pr.GetValue(machine)!);
            if (pr.GetValue(cmdline) is string c)
            {
                builder.WithCommandLine(c);
            }
            builder.WithExtraArgs(pr.GetValue(kernelArgs) ?? Array.Empty<string>());
            if (pr.GetValue(zoneinfo) is string z)
            {
                builder.WithZoneinfo(z);
            }
            BootLayout layout = builder.Build();
            using var m = new Machine(LayoutMachineSpec.Create(layout, version));
            Console.Out.Write(ProcFiles.Write(file, m));
            return 0;
        });
        return cmd;
    }

    private static string Write(string fmt, Machine m) => fmt switch
    {
        "zoneinfo" => ZoneinfoWriter.Write(m),
        "buddyinfo" => BuddyinfoWriter.Write(m),
        "pagetypeinfo" => PagetypeinfoWriter.Write(m),
        "meminfo" => MeminfoWriter.Write(m),
        "vmstat" => VmstatWriter.Write(m),
        "extfrag_index" => ExtfragWriter.ExtfragIndex(m),
        "unusable_index" => ExtfragWriter.UnusableIndex(m),
        _ => throw new ZoneLabInputException("--format", $"'{fmt}' is not a format"),
    };

    /// <summary>Parses --kernel, turning the library's FormatException into a one-line input error.</summary>
    public static KernelVersion ParseKernel(string text)
    {
        try
        {
            return KernelVersions.Parse(text);
        }
        catch (FormatException)
        {
            throw new ZoneLabInputException("--kernel", $"'{text}' is not a kernel version; expected e.g. 4.10, 6.1 or 6.12");
        }
    }
}
