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
        Option<KernelVersion?> kernel = CliOptions.Kernel("Kernel behaviour: 4.10, 6.1, 6.6 or 6.12.");
        Option<ProcFile> format = CliOptions.Choice("--format", "The /proc file to print.", ProcFiles.All, ProcFiles.Name, ProcFile.Zoneinfo,
            f => $"'{f}' is not a format; expected {string.Join(", ", ProcFiles.All.Select(ProcFiles.Name))}");
        Option<Designs.DesignKind> design = CliOptions.Design("Kernel design whose machine is booted: migrate-cma (mainline 6.1: the CMA areas as MIGRATE_CMA pageblocks), zone-cma, cma-in-movable, dmb, carveout, gcma or sticky-movable.", mainlineAlias: true);
        var from = FromOption.Create();
        var kernelArgs = new Argument<string[]>("kernel-args") { Description = "Kernel arguments after a bare --.", Arity = ArgumentArity.ZeroOrMore };

        var cmd = new Command("proc", "Boot the page allocator model on a machine and print /proc/zoneinfo, buddyinfo, pagetypeinfo, meminfo, vmstat or the extfrag indexes.");
        MachineOptionSet machine = MachineOptionSet.AddTo(cmd, MachineOption.Dmesg | MachineOption.Mem | MachineOption.Numa | MachineOption.Machine
            | MachineOption.Arch | MachineOption.Dtb | MachineOption.Kconfig | MachineOption.Cmdline | MachineOption.Zoneinfo);
        foreach (Option o in new Option[] { kernel, format, design, from })
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
                // the device brought to the recorded state under the design (the device's own, mainline MIGRATE_CMA,
                // by default); --design was read only without --from, so another design printed the device's machine
                machine.RefuseWithSnapshot(pr, pr.GetValue(kernelArgs));
                Designs.DesignKind fromDesign = pr.GetValue(design);
                using Designs.DesignMachine dm = Workloads.DeviceState.DeviceStateBoot.Boot(snap, fromDesign, version, out Workloads.DeviceState.DeviceStateResult r);
                FromOption.Report(Designs.DesignNames.Name(fromDesign), r);
                Console.Out.Write(ProcFiles.Write(file, dm.Machine));
                return 0;
            }
            // through the design, as compare does: the mainline machine carries the CMA areas the layout reserved
            // (their pageblocks MIGRATE_CMA, zoneinfo's cma and nr_free_cma); a bare Machine had none
            Designs.IDesign kind = Designs.DesignRegistry.For(pr.GetValue(design));
            LayoutBuilder builder = machine.Builder(pr);
            builder.WithFeatures(kind.Features);
            if (machine.CmdlineText(pr) is string c)
            {
                builder.WithCommandLine(c);
            }
            builder.WithExtraArgs(pr.GetValue(kernelArgs) ?? Array.Empty<string>());
            if (machine.ZoneinfoPath(pr) is string z)
            {
                builder.WithZoneinfo(z);
            }
            BootLayout layout = builder.Build();
            using Designs.DesignMachine booted = kind.Build(layout, version);
            Console.Out.Write(ProcFiles.Write(file, booted.Machine));
            return 0;
        });
        return cmd;
    }
}
