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
        var dmesg = new Option<string?>("--dmesg") { Description = "A real x86 boot log (dmesg or serial console): e820 map, SRAT nodes and command line are read from it." };
        var mem = new Option<string?>("--mem") { Description = "Synthesize the memory QEMU gives a guest of this size (e.g. 8G): the x86 e820 map, or arm64 virt RAM at 0x40000000." };
        var numa = new Option<string?>("--numa") { Description = "NUMA node sizes for --mem, in order, e.g. 1G,3G (must add up to --mem)." };
        var machine = new Option<string?>("--machine") { Description = "QEMU machine type for --mem: pc or q35 (x86_64, default pc); virt (arm64)." };
        var arch = new Option<string?>("--arch") { Description = "x86_64 (default) or arm64 (QEMU virt and/or a device tree; the default with --dtb)." };
        var dtb = new Option<string?>("--dtb") { Description = "A flattened device tree blob (arm64): memory, reserved-memory pools, dma-ranges; with --mem its memory is replaced as QEMU -dtb does." };
        var kconfig = new Option<string?>("--kconfig") { Description = "Kernel build: debian-arm64, debian-amd64 (CMA off), cma-amd64, or a .config file (default: Debian's stock kernel)." };
        var initrd = new Option<string?>("--initrd-size") { Description = "Size of the initrd the bootloader loads (0 for none; default the oracle's initramfs), placed as QEMU places it." };
        var cmdline = new Option<string?>("--cmdline") { Description = "Kernel command line (replaces the one in --dmesg)." };
        var zoneinfo = new Option<string?>("--zoneinfo") { Description = "A real /proc/zoneinfo of the same boot: its managed counts replace the estimate." };
        Option<LayoutFormat> format = CliOptions.Choice("--format", "What to print.", LayoutFormats.All, LayoutFormats.Name, LayoutFormat.Text,
            f => $"'{f}' is not a format; expected text, dmesg, zoneinfo, json or memory-blocks");
        var design = new Option<string>("--design") { Description = "Kernel design: migrate-cma (mainline 6.1, default), zone-cma (ZONE_CMA v7: a CMA zone after Movable), cma-in-movable (4.17-rc1: CMA areas in ZONE_MOVABLE), dmb (Designated Movable Blocks: movablecore=size@base; CMA areas become DMBs), carveout (areas reserved no-map) or gcma (areas back a cleancache).", DefaultValueFactory = _ => "migrate-cma" };
        var mirror = new Option<string?>("--mirror") { Description = "Mirrored memory (EFI_MEMORY_MORE_RELIABLE) as SIZE@BASE[,SIZE@BASE...], for kernelcore=mirror (x86); replaces the 'efi: memNN: [...|MR|...]' lines of --dmesg." };
        var timestamps = new Option<bool>("--timestamps") { Description = "With --format dmesg: prefix lines with [    0.000000] as dmesg does." };
        var kernelArgs = new Argument<string[]>("kernel-args") { Description = "Kernel arguments after a bare --, appended to the command line.", Arity = ArgumentArity.ZeroOrMore };

        var cmd = new Command("layout", "Compute nodes, zones (spanned/present/managed/cma), ZONE_MOVABLE, CMA areas and memory blocks as the kernel does at boot.");
        cmd.Options.Add(dmesg);
        cmd.Options.Add(mem);
        cmd.Options.Add(numa);
        cmd.Options.Add(machine);
        cmd.Options.Add(arch);
        cmd.Options.Add(dtb);
        cmd.Options.Add(kconfig);
        cmd.Options.Add(initrd);
        cmd.Options.Add(cmdline);
        cmd.Options.Add(zoneinfo);
        cmd.Options.Add(format);
        cmd.Options.Add(timestamps);
        cmd.Options.Add(mirror);
        cmd.Options.Add(design);
        cmd.Arguments.Add(kernelArgs);

        cmd.SetAction(pr =>
        {
            var builder = MachineOptions.Build(pr.GetValue(dmesg), pr.GetValue(mem), pr.GetValue(numa), pr.GetValue(machine), pr.GetValue(arch), pr.GetValue(dtb));
            if (MachineOptions.Config(pr.GetValue(kconfig), builder.Arch) is KernelConfig kc)
            {
                builder.WithKernelConfig(kc);
            }
            if (pr.GetValue(initrd) is string isz)
            {
                builder.WithInitrdSize(isz == "0" ? 0 : KernelNumber.ParseSize(isz, "--initrd-size"));
            }
            if (pr.GetValue(cmdline) is string c)
            {
                builder.WithCommandLine(c);
            }
            builder.WithExtraArgs(pr.GetValue(kernelArgs) ?? Array.Empty<string>());
            if (pr.GetValue(mirror) is string mr)
            {
                builder.WithMirror(MirrorRanges.Parse(mr));
            }
            string designName = pr.GetValue(design)!;
            IDesign kind = DesignRegistry.For(designName == "mainline" ? DesignKind.MigrateCma : DesignNames.Parse(designName));
            builder.WithFeatures(kind.Features);
            if (pr.GetValue(zoneinfo) is string z)
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
                    string? zi = pr.GetValue(zoneinfo) is string zp ? InputFiles.ReadAllText(zp) : null;
                    string? log = pr.GetValue(dmesg) is string dp ? InputFiles.ReadAllText(dp) : null;
                    var wm = LayoutWatermarks.Compute(layout, zi, log, zoneinfoSource: pr.GetValue(zoneinfo) is string zn ? Path.GetFileName(zn) : "zoneinfo");
                    Console.Out.Write(LayoutZoneinfoWriter.Write(layout, wm));
                    break;
                }
                case LayoutFormat.Json:
                    Console.Out.WriteLine(LayoutJsonWriter.Write(layout));
                    break;
                case LayoutFormat.MemoryBlocks:
                    Console.Out.Write(MemoryBlocksWriter.Write(layout));
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
