using System.Globalization;
using System.Text.RegularExpressions;

namespace ZoneLab.Procfs;

/// <summary>One "Freeing ... memory: NK" line of the boot log.</summary>
/// <param name="What">The text between "Freeing" and "memory" (e.g. "initrd", "unused kernel image (initmem)").</param>
/// <param name="Pages">Pages returned to the buddy allocator (the printed KiB / 4).</param>
/// <param name="IsInitrd">True for the initrd (its pages lie where the boot loader put the ramdisk).</param>
public readonly record struct LateFree(string What, ulong Pages, bool IsInitrd);

/// <summary>
/// What the boot log says about pages that became managed after the watermarks were computed: the initrd
/// (<c>free_initrd_mem</c>, rootfs_initcall) and the kernel's init sections (<c>free_initmem</c>, after all initcalls)
/// are freed with <c>free_reserved_area</c>, which raises <c>managed_pages</c> but does not recompute watermarks.
/// "Freeing SMP alternatives memory" happens in <c>start_kernel</c> before the postcore initcall, so it is excluded.
/// </summary>
public sealed partial class DmesgLateFrees
{
    /// <summary>The late frees, in log order.</summary>
    public List<LateFree> Frees { get; } = [];

    /// <summary>Physical address of the initrd (the last "RAMDISK: [mem 0x...": a moved ramdisk prints its new place last).</summary>
    public ulong? RamdiskPhys { get; set; }

    /// <summary>The "Linux version X.Y.Z" release string, or null.</summary>
    public string? KernelRelease { get; set; }

    /// <summary>The kernel command line ("Kernel command line: ..."), or null.</summary>
    public string? CommandLine { get; set; }

    /// <summary>
    /// <c>sysctl.vm.NAME=VALUE</c> boot parameters in command-line order (applied by <c>do_sysctl_args</c>, after
    /// <c>free_initmem</c>). Values keep their commas (lowmem_reserve_ratio is a list).
    /// </summary>
    public List<(string Name, string Value)> BootSysctls { get; } = [];

    /// <summary>True when <c>transparent_hugepage=never</c> is on the command line (khugepaged does not start).</summary>
    public bool TransparentHugepageNever { get; set; }

    /// <summary>True when the log is from an x86 kernel (BIOS-e820 map lines).</summary>
    public bool IsX86 { get; set; }

    /// <summary>Parses a boot log.</summary>
    public static DmesgLateFrees Parse(string dmesg)
    {
        var r = new DmesgLateFrees();
        foreach (Match m in FreeingRegex().Matches(dmesg))
        {
            string what = m.Groups[1].Value.Trim();
            if (what.Contains("SMP alternatives", StringComparison.Ordinal))
            {
                continue;
            }

            ulong kb = ulong.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            r.Frees.Add(new LateFree(what, kb / 4, what.Contains("initrd", StringComparison.Ordinal)));
        }

        foreach (Match m in RamdiskRegex().Matches(dmesg))
        {
            r.RamdiskPhys = ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        foreach (Match m in CmdlineRegex().Matches(dmesg))
        {
            r.CommandLine = m.Groups[1].Value.Trim();
        }

        foreach (string arg in (r.CommandLine ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = arg.IndexOf('=');
            if (eq < 0)
            {
                continue;
            }

            string key = arg[..eq].Replace('/', '.');
            string value = arg[(eq + 1)..];
            if (key.StartsWith("sysctl.vm.", StringComparison.Ordinal))
            {
                r.BootSysctls.Add((key["sysctl.vm.".Length..], value));
            }
            else if (key == "transparent_hugepage")
            {
                r.TransparentHugepageNever = value == "never";
            }
        }

        Match ver = VersionRegex().Match(dmesg);
        r.KernelRelease = ver.Success ? ver.Groups[1].Value : null;
        r.IsX86 = dmesg.Contains("BIOS-e820", StringComparison.Ordinal) || dmesg.Contains("x86/", StringComparison.Ordinal);
        return r;
    }

    /// <summary>Physical start of "Kernel code" in a <c>/proc/iomem</c> text, or null.</summary>
    public static ulong? KernelCodePhys(string iomem)
    {
        Match m = KernelCodeRegex().Match(iomem);
        return m.Success ? ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The <c>linux,initrd-start</c> of a device-tree dump (arm64), or null.</summary>
    public static ulong? DeviceTreeInitrdPhys(string dts)
    {
        Match m = InitrdStartRegex().Match(dts);
        if (!m.Success)
        {
            return null;
        }

        // one or two 32-bit cells (#address-cells = 2 prints "<0x0 0x48000000>")
        ulong hi = m.Groups[1].Success ? ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : 0;
        return (hi << 32) | ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Freeing ([^\n:]*?) ?memory: (\d+)K")]
    private static partial Regex FreeingRegex();

    [GeneratedRegex(@"Kernel command line: ([^\n]*)")]
    private static partial Regex CmdlineRegex();

    [GeneratedRegex(@"Linux version (\S+)")]
    private static partial Regex VersionRegex();

    [GeneratedRegex(@"RAMDISK: \[mem 0x([0-9a-fA-F]+)")]
    private static partial Regex RamdiskRegex();

    [GeneratedRegex(@"^\s*([0-9a-fA-F]+)-[0-9a-fA-F]+ : Kernel code", RegexOptions.Multiline)]
    private static partial Regex KernelCodeRegex();

    [GeneratedRegex(@"linux,initrd-start = <(?:0x([0-9a-fA-F]+) )?0x([0-9a-fA-F]+)>")]
    private static partial Regex InitrdStartRegex();
}
