using System.CommandLine;
using System.Diagnostics;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Cli;

/// <summary><c>zonelab layout</c>: a machine's boot-time zones, ZONE_MOVABLE and memory blocks.</summary>
internal static class LayoutCommand
{
    public static Command Create()
    {
        var initrd = new Option<string?>("--initrd-size") { Description = "Size of the initrd the bootloader loads (0 for none; default the oracle's initramfs), placed as QEMU places it." };
        Option<LayoutFormat> format = CliOptions.Choice("--format", "What to print.", LayoutFormats.All, LayoutFormats.Name, LayoutFormat.Text,
            f => $"'{f}' is not a format; expected text, dmesg, zoneinfo, json, memory-blocks or iomem");
        Option<DesignKind> design = CliOptions.Design("Kernel design: migrate-cma (mainline 6.1), zone-cma (ZONE_CMA v7: a CMA zone after Movable), cma-in-movable (4.17-rc1: CMA areas in ZONE_MOVABLE), dmb (Designated Movable Blocks: movablecore=size@base; CMA areas become DMBs), carveout (areas reserved no-map), gcma (areas back a cleancache) or sticky-movable.", mainlineAlias: true);
        var mirror = new Option<string?>("--mirror") { Description = "Mirrored memory (EFI_MEMORY_MORE_RELIABLE) as SIZE@BASE[,SIZE@BASE...], for kernelcore=mirror (x86); replaces the 'efi: memNN: [...|MR|...]' lines of --dmesg." };
        var timestamps = new Option<bool>("--timestamps") { Description = "With --format dmesg: prefix lines with [    0.000000] as dmesg does." };
        var kernelArgs = new Argument<string[]>("kernel-args") { Description = "Kernel arguments after a bare --, appended to the command line.", Arity = ArgumentArity.ZeroOrMore };

        var cmd = new Command("layout", "Compute nodes, zones (spanned/present/managed/cma), ZONE_MOVABLE, CMA areas and memory blocks as the kernel does at boot.");
        MachineOptionSet machine = MachineOptionSet.AddTo(cmd, MachineOption.Dmesg | MachineOption.Mem | MachineOption.Numa | MachineOption.Machine
            | MachineOption.Arch | MachineOption.Dtb | MachineOption.Kconfig | MachineOption.Cmdline | MachineOption.Zoneinfo);
        cmd.Options.Add(initrd);
        cmd.Options.Add(format);
        cmd.Options.Add(timestamps);
        cmd.Options.Add(mirror);
        cmd.Options.Add(design);
        cmd.Arguments.Add(kernelArgs);

        cmd.SetAction(pr =>
        {
            LayoutBuilder builder = machine.Builder(pr);
            if (pr.GetValue(initrd) is string isz)
            {
                builder.WithInitrdSize(isz == "0" ? 0 : KernelNumber.ParseSize(isz, "--initrd-size"));
            }
            if (machine.CmdlineText(pr) is string c)
            {
                builder.WithCommandLine(c);
            }
            builder.WithExtraArgs(pr.GetValue(kernelArgs) ?? Array.Empty<string>());
            if (pr.GetValue(mirror) is string mr)
            {
                builder.WithMirror(MirrorRanges.Parse(mr));
            }
            IDesign kind = DesignRegistry.For(pr.GetValue(design));
            builder.WithFeatures(kind.Features);
            if (machine.ZoneinfoPath(pr) is string z)
            {
                builder.WithZoneinfo(z);
            }
            LayoutFormat fmt = pr.GetValue(format);
            BootLayout mainline = builder.Build();
            // the zones the design's kernel reports (ZONE_CMA, ZONE_MOVABLE over the areas, unmanaged carve-outs)
            BootLayout layout = kind.Layout(mainline);
            switch (fmt)
            {
                case LayoutFormat.Dmesg:
                    Console.Out.Write(LayoutDmesgWriter.Write(layout, pr.GetValue(timestamps)));
                    break;
                case LayoutFormat.Zoneinfo when !kind.LayoutZoneinfo:
                    {
                        // the design's machine just after boot, through the engine's /proc/zoneinfo
                        using var dm = kind.Build(mainline, ZoneLab.Allocator.KernelVersion.V6_1);
                        Console.Out.Write(ZoneinfoWriter.Write(dm.Machine));
                        break;
                    }
                case LayoutFormat.Zoneinfo:
                    {
                        // Watermarks: replayed exactly from a real zoneinfo (+ its boot log), else computed from the layout.
                        string? zi = machine.ZoneinfoPath(pr) is string zp ? InputFiles.ReadAllText(zp) : null;
                        string? log = machine.DmesgPath(pr) is string dp ? InputFiles.ReadAllText(dp) : null;
                        var wm = LayoutWatermarks.Compute(layout, zi, log, zoneinfoSource: machine.ZoneinfoPath(pr) is string zn ? Path.GetFileName(zn) : "zoneinfo");
                        Console.Out.Write(LayoutZoneinfoWriter.Write(layout, wm));
                        break;
                    }
                case LayoutFormat.Json:
                    Console.Out.WriteLine(LayoutJsonWriter.Write(layout));
                    break;
                case LayoutFormat.MemoryBlocks:
                    Console.Out.Write(MemoryBlocksWriter.Write(layout));
                    break;
                case LayoutFormat.Iomem:
                    Console.Out.Write(LayoutIomem.Write(mainline, kind));
                    break;
                case LayoutFormat.Text:
                    LayoutTextView.Render(layout, kind.Kind);
                    break;
                default:
                    throw new UnreachableException($"layout format {fmt} has no writer in LayoutCommand");
            }
            foreach (string w in layout.Warnings)
            {
                Console.Error.WriteLine($"zonelab: warning: {w}");
            }
            return 0;
        });
        return cmd;
    }
}
