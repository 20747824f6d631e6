using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// Watermarks (<c>min</c>/<c>low</c>/<c>high</c>) and <c>lowmem_reserve</c> ("protection") of a boot layout's zones:
/// replayed exactly from a real /proc/zoneinfo and its boot log (<see cref="BootWatermarkReplay"/>), or computed from
/// the layout's (estimated) managed counts as the kernel's boot sequence would.
/// </summary>
public static class LayoutWatermarks
{
    /// <summary>
    /// Computes the watermark state of every zone of <paramref name="layout"/>, keyed by (node, zone type).
    /// </summary>
    /// <param name="layout">The boot layout.</param>
    /// <param name="realZoneinfo">Text of a real /proc/zoneinfo of the same boot, or null.</param>
    /// <param name="bootLog">Text of the same boot's dmesg (its late "Freeing ... memory" lines), or null.</param>
    /// <param name="version">Kernel behaviour.</param>
    /// <param name="sysctls">vm sysctls in force.</param>
    /// <param name="zoneinfoSource">The zoneinfo's file name, for errors.</param>
    public static Dictionary<(int Node, ZoneType Type), ZoneWatermarks> Compute(
        BootLayout layout, string? realZoneinfo, string? bootLog, KernelVersion version = KernelVersion.V6_1, VmSysctls? sysctls = null, string zoneinfoSource = "zoneinfo")
    {
        sysctls ??= new VmSysctls();
        WatermarkCalculator calc;
        if (realZoneinfo != null)
        {
            IReadOnlyList<ZoneinfoZone> zones = ZoneinfoReader.Parse(realZoneinfo, zoneinfoSource);
            var replay = new BootWatermarkReplay { Version = version, Sysctls = sysctls };
            calc = replay.Run(zones, bootLog != null ? DmesgLateFrees.Parse(bootLog) : null);
        }
        else
        {
            int maxNrZones = layout.ZoneTypesConfigured.Count;
            var state = new List<ZoneWatermarks>();
            foreach (ZoneLayout z in layout.AllZones)
            {
                state.Add(new ZoneWatermarks(z.Nid, z.Type, z.Managed, maxNrZones) { PresentPages = z.Present });
            }
            calc = new WatermarkCalculator(state, maxNrZones, version, sysctls.Clone());
            calc.Boot();
        }
        var result = new Dictionary<(int, ZoneType), ZoneWatermarks>();
        foreach (ZoneWatermarks w in calc.Zones)
        {
            result[(w.Node, w.Type)] = w;
        }
        return result;
    }
}
