using System.CommandLine;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Cli;

/// <summary><c>zonelab layout</c>: a machine's boot-time zones, ZONE_MOVABLE and memory blocks.</summary>
internal static class LayoutCommand
{
    public static Command Create()
    {
        var dmesg = new Option<string?>("--dmesg") { Description = "A real x86 boot log (dmesg or serial console): e820 map, SRAT nodes and command line are read from it." };
        var mem = new Option<string?>("--mem") { Description = "Synthesize the e820 map QEMU gives a guest of this size (e.g. 8G)." };
        var numa = new Option<string?>("--numa") { Description = "NUMA node sizes for --mem, in order, e.g. 1G,3G (must add up to --mem)." };
        var machine = new Option<string>("--machine") { Description = "QEMU machine type for --mem: pc or q35.", DefaultValueFactory = _ => "pc" };
        var cmdline = new Option<string?>("--cmdline") { Description = "Kernel command line (replaces the one in --dmesg)." };
        var zoneinfo = new Option<string?>("--zoneinfo") { Description = "A real /proc/zoneinfo of the same boot: its managed counts replace the estimate." };
        var format = new Option<string>("--format") { Description = "text | dmesg | zoneinfo | json | memory-blocks", DefaultValueFactory = _ => "text" };
        var timestamps = new Option<bool>("--timestamps") { Description = "With --format dmesg: prefix lines with [    0.000000] as dmesg does." };
        var kernelArgs = new Argument<string[]>("kernel-args") { Description = "Kernel arguments after a bare --, appended to the command line.", Arity = ArgumentArity.ZeroOrMore };

        var cmd = new Command("layout", "Compute nodes, zones (spanned/present/managed), ZONE_MOVABLE and memory blocks as the kernel does at boot.");
        cmd.Options.Add(dmesg);
        cmd.Options.Add(mem);
        cmd.Options.Add(numa);
        cmd.Options.Add(machine);
        cmd.Options.Add(cmdline);
        cmd.Options.Add(zoneinfo);
        cmd.Options.Add(format);
        cmd.Options.Add(timestamps);
        cmd.Arguments.Add(kernelArgs);

        cmd.SetAction(pr =>
        {
            var builder = MachineOptions.Build(pr.GetValue(dmesg), pr.GetValue(mem), pr.GetValue(numa), pr.GetValue(machine)!);
            if (pr.GetValue(cmdline) is string c)
            {
                builder.WithCommandLine(c);
            }
            builder.WithExtraArgs(pr.GetValue(kernelArgs) ?? Array.Empty<string>());
            if (pr.GetValue(zoneinfo) is string z)
            {
                builder.WithZoneinfo(z);
            }
            string fmt = pr.GetValue(format)!;
            if (fmt is not ("text" or "dmesg" or "zoneinfo" or "json" or "memory-blocks"))
            {
                throw new ZoneLabInputException("--format", $"'{fmt}' is not a format; expected text, dmesg, zoneinfo, json or memory-blocks");
            }
            BootLayout layout = builder.Build();
            switch (fmt)
            {
                case "dmesg":
                    Console.Out.Write(LayoutDmesgWriter.Write(layout, pr.GetValue(timestamps)));
                    break;
                case "zoneinfo":
                {
                    // Watermarks: replayed exactly from a real zoneinfo (+ its boot log), else computed from the layout.
                    string? zi = pr.GetValue(zoneinfo) is string zp ? File.ReadAllText(zp) : null;
                    string? log = pr.GetValue(dmesg) is string dp ? File.ReadAllText(dp) : null;
                    var wm = ZoneLab.Allocator.LayoutWatermarks.Compute(layout, zi, log);
                    Console.Out.Write(LayoutZoneinfoWriter.Write(layout, wm));
                    break;
                }
                case "json":
                    Console.Out.WriteLine(LayoutJsonWriter.Write(layout));
                    break;
                case "memory-blocks":
                    Console.Out.Write(MemoryBlocksWriter.Write(layout));
                    break;
                default:
                    LayoutTextView.Render(layout);
                    break;
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
