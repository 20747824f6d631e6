using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// Reproduces the <c>min</c>/<c>low</c>/<c>high</c> and <c>protection</c> values of a real <c>/proc/zoneinfo</c> from
/// its managed counts. The kernel computes them at <c>postcore_initcall</c> and again when khugepaged starts
/// (<c>subsys_initcall</c>), before the initrd and the kernel's init sections are freed; those later frees raise
/// <c>managed</c> without a recompute, so the managed counts at computation time are the dumped ones minus the
/// "Freeing ... memory" amounts of the boot log, charged to the zone holding the initrd or the kernel image.
/// </summary>
public sealed class BootWatermarkReplay
{
    /// <summary>x86-64's <c>CONFIG_PHYSICAL_START</c> (16 MiB): where a <c>nokaslr</c> kernel image is loaded.</summary>
    public const ulong X86KernelPhys = 0x1000000;

    /// <summary>
    /// Kernel behaviour to replay (6.1 default). When the boot log names its kernel ("Linux version 6.12...") that
    /// release is used instead, unless <see cref="ForceVersion"/> is set: the log is authoritative about what
    /// produced the file (6.1 and 6.12 differ for ZONE_MOVABLE).
    /// </summary>
    public KernelVersion Version { get; init; } = KernelVersion.V6_1;

    /// <summary>Use <see cref="Version"/> even when the boot log names another kernel.</summary>
    public bool ForceVersion { get; init; }

    /// <summary>Sysctls in force (defaults unless the boot changed them).</summary>
    public VmSysctls Sysctls { get; init; } = new();

    /// <summary>Physical address of the kernel image ("Kernel code" in /proc/iomem); null: x86 16 MiB, else the lowest populated zone.</summary>
    public ulong? KernelPhys { get; init; }

    /// <summary>Physical address of the initrd when the boot log does not print it (arm64: device tree <c>linux,initrd-start</c>).</summary>
    public ulong? InitrdPhys { get; init; }

    /// <summary>
    /// True when <c>/proc/sys/vm/lowmem_reserve_ratio</c> was read before the dump (its handler recomputes the
    /// reserves from the current managed counts), e.g. for a second dump taken after a sysctl listing.
    /// </summary>
    public bool LowmemReserveRecomputedAtDump { get; init; }

    /// <summary>True when memory was onlined or offlined after boot: <c>online_pages</c>/<c>offline_pages</c> ran
    /// <c>init_per_zone_wmark_min</c> again, with the managed counts of the dump.</summary>
    public bool RecomputedByHotplug { get; init; }

    /// <summary>
    /// Replays the computation for the zones of a parsed zoneinfo. Returns the zones' watermark state, node-major
    /// in the same order as <paramref name="zones"/>.
    /// </summary>
    public WatermarkCalculator Run(IReadOnlyList<ZoneinfoZone> zones, DmesgLateFrees? log)
    {
        int maxNrZones = ZoneinfoReader.MaxNrZones(zones);
        var state = new List<ZoneWatermarks>(zones.Count);
        foreach (ZoneinfoZone z in zones)
        {
            state.Add(new ZoneWatermarks(z.Node, z.Type, z.Managed, maxNrZones) { PresentPages = z.Present });
        }

        if (log is not null)
        {
            ulong[] late = LateFreedPages(zones, log);
            for (int i = 0; i < state.Count; i++)
            {
                ulong m = state[i].ManagedPages;
                state[i].ManagedPages = m > late[i] ? m - late[i] : 0;
            }
        }

        KernelVersion version = Version;
        if (!ForceVersion && log?.KernelRelease is string release)
        {
            try
            {
                version = KernelVersions.Parse(release);
            }
            catch (FormatException)
            {
            }
        }

        VmSysctls sysctls = Sysctls.Clone();
        if (log?.TransparentHugepageNever == true)
        {
            sysctls.TransparentHugepages = false;
        }

        var calc = new WatermarkCalculator(state, maxNrZones, version, sysctls);
        calc.Boot();

        // sysctl.vm.* boot parameters: do_sysctl_args runs after free_initmem, so with the final managed counts
        if (log is not null && log.BootSysctls.Count > 0)
        {
            for (int i = 0; i < zones.Count; i++)
            {
                state[i].ManagedPages = zones[i].Managed;
            }

            foreach ((string name, string value) in log.BootSysctls)
            {
                ApplyBootSysctl(calc, name, value);
            }
        }

        if (RecomputedByHotplug || LowmemReserveRecomputedAtDump)
        {
            for (int i = 0; i < zones.Count; i++)
            {
                state[i].ManagedPages = zones[i].Managed;
            }

            if (RecomputedByHotplug)
            {
                calc.InitPerZoneWmarkMin();
            }
            else
            {
                calc.SetupPerZoneLowmemReserve();
            }
        }

        return calc;
    }

    /// <summary>
    /// Pages per zone of <paramref name="zones"/> (same order) that the boot log frees after the watermarks were first
    /// computed: the initrd (<c>free_initrd_mem</c>) and the kernel's init sections (<c>free_initmem</c>) reach the
    /// buddy allocator at the end of <c>kernel_init</c>, after every initcall, so <c>init_per_zone_wmark_min</c> never
    /// saw them. Each free is charged to the zone holding the initrd or the kernel image.
    /// </summary>
    public ulong[] LateFreedPages(IReadOnlyList<ZoneinfoZone> zones, DmesgLateFrees log)
    {
        var late = new ulong[zones.Count];
        foreach (LateFree f in log.Frees)
        {
            ulong? phys = f.IsInitrd ? (log.RamdiskPhys ?? InitrdPhys ?? KernelPhys) : KernelPhys;
            if (phys is null && log.IsX86)
            {
                phys = X86KernelPhys;
            }

            int zi = phys is ulong p ? ZoneOf(zones, p >> 12) : -1;
            if (zi < 0)
            {
                zi = LowestPopulated(zones);
            }

            if (zi >= 0)
            {
                late[zi] += f.Pages;
            }
        }

        return late;
    }

    // mirrors the sysctl handlers a boot parameter reaches (min_free_kbytes_sysctl_handler, ...)
    private static void ApplyBootSysctl(WatermarkCalculator calc, string name, string value)
    {
        var ints = value.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int x) ? x : (int?)null)
            .ToArray();
        if (ints.Length == 0 || ints.Any(x => x is null))
        {
            return;
        }

        switch (name)
        {
            case "min_free_kbytes" when ints[0] >= 0:
                calc.WriteMinFreeKbytes(ints[0]!.Value);
                break;
            case "watermark_scale_factor":
                calc.WriteWatermarkScaleFactor(ints[0]!.Value);
                break;
            case "watermark_boost_factor":
                calc.Sysctls.WatermarkBoostFactor = Math.Max(0, ints[0]!.Value);
                break;
            case "lowmem_reserve_ratio":
                calc.TouchLowmemReserveRatio(ints.Select(x => x!.Value).ToArray());
                break;
        }
    }

    private static int ZoneOf(IReadOnlyList<ZoneinfoZone> zones, ulong pfn)
    {
        for (int i = 0; i < zones.Count; i++)
        {
            if (zones[i].Managed != 0 && zones[i].Span.Contains(pfn))
            {
                return i;
            }
        }

        return -1;
    }

    // The kernel image and the initrd sit in the first populated zone of an arm64 virt guest (RAM start + 2 MiB, + 128 MiB).
    private static int LowestPopulated(IReadOnlyList<ZoneinfoZone> zones)
    {
        int best = -1;
        for (int i = 0; i < zones.Count; i++)
        {
            if (zones[i].Managed != 0 && zones[i].StartPfn is ulong s && (best < 0 || s < zones[best].StartPfn))
            {
                best = i;
            }
        }

        return best;
    }
}
