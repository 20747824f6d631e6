using System.CommandLine;
using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab watermarks --zoneinfo FILE [--dmesg FILE]</c>: recompute min/low/high (and promo) and
/// <c>protection</c> of every zone of a real /proc/zoneinfo from its managed counts, replaying the kernel's boot
/// sequence (<see cref="BootWatermarkReplay"/>), and print them in the kernel's zoneinfo layout. Works for any
/// architecture: it needs no memory map, only the zoneinfo and (for the late frees and the kernel release) the boot log.
/// </summary>
internal static class WatermarksCommand
{
    public static Command Create()
    {
        var zoneinfo = new Option<string>("--zoneinfo") { Description = "A real /proc/zoneinfo.", Required = true };
        var dmesg = new Option<string?>("--dmesg") { Description = "The same boot's log (late 'Freeing ... memory' lines, RAMDISK address, kernel release)." };
        Option<KernelVersion?> kernel = CliOptions.Kernel("Force kernel behaviour 4.10, 6.1, 6.6 or 6.12 (default: from the log, else 6.1).");
        var sysctlRead = new Option<bool>("--after-sysctl-read") { Description = "The dump was taken after /proc/sys/vm/lowmem_reserve_ratio was read (that recomputes the reserves)." };
        var hotplug = new Option<bool>("--after-hotplug") { Description = "Memory was onlined/offlined after boot (init_per_zone_wmark_min ran again)." };
        var cmd = new Command("watermarks", "Replay min/low/high and protection of a real /proc/zoneinfo from its managed counts.");
        foreach (Option o in new Option[] { zoneinfo, dmesg, kernel, sysctlRead, hotplug })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr =>
        {
            IReadOnlyList<ZoneinfoZone> zones = ZoneinfoReader.ParseFile(pr.GetValue(zoneinfo)!);
            DmesgLateFrees? log = pr.GetValue(dmesg) is string d ? DmesgLateFrees.Parse(InputFiles.ReadAllText(d)) : null;
            KernelVersion? forced = pr.GetValue(kernel);
            var replay = new BootWatermarkReplay
            {
                Version = forced ?? KernelVersion.V6_1,
                ForceVersion = forced is not null,
                LowmemReserveRecomputedAtDump = pr.GetValue(sysctlRead),
                RecomputedByHotplug = pr.GetValue(hotplug),
            };
            WatermarkCalculator calc = replay.Run(zones, log);
            Console.Out.Write(ZoneinfoWriter.WriteWatermarks(zones, calc));
            Console.Error.WriteLine($"zonelab: min_free_kbytes {calc.MinFreeKbytes} ({KernelVersions.Name(calc.Version)} rules)");
            return 0;
        });
        return cmd;
    }
}
