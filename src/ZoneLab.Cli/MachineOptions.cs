using ZoneLab.Layout;

namespace ZoneLab.Cli;

/// <summary>The machine options shared by every command that builds a machine.</summary>
internal static class MachineOptions
{
    public static LayoutBuilder Build(string? dmesg, string? mem, string? numa, string? machine, string? arch = null, string? dtb = null)
    {
        var builder = new LayoutBuilder();
        arch ??= dtb != null ? "arm64" : "x86_64";
        if (arch is "aarch64")
        {
            arch = "arm64";
        }
        if (arch is not ("x86_64" or "arm64"))
        {
            throw new ZoneLabInputException("--arch", $"'{arch}' is not an architecture; expected x86_64 or arm64");
        }
        if (dmesg != null && mem != null)
        {
            throw new ZoneLabInputException("--dmesg/--mem", "give either a boot log (--dmesg) or a size (--mem), not both");
        }
        List<ulong>? nodes = null;
        if (numa != null)
        {
            nodes = new List<ulong>();
            foreach (string part in numa.Split(',', StringSplitOptions.TrimEntries))
            {
                nodes.Add(KernelNumber.ParseSize(part, "--numa"));
            }
        }
        if (arch == "arm64")
        {
            if (dmesg != null)
            {
                throw new ZoneLabInputException("--dmesg", "boot logs are read for x86 only; for arm64 give --mem SIZE and/or --dtb FILE");
            }
            if (machine is not (null or "virt"))
            {
                throw new ZoneLabInputException("--machine", $"'{machine}' is not an arm64 machine type; expected virt (QEMU -M virt)");
            }
            if (mem == null && dtb == null)
            {
                throw new ZoneLabInputException("machine", "no machine given; expected --mem SIZE (QEMU virt RAM at 0x40000000) and/or --dtb FILE");
            }
            ulong? ram = mem == null ? null : KernelNumber.ParseSize(mem, "--mem");
            return builder.ForArm64(ram, nodes, dtb);
        }
        if (dtb != null)
        {
            throw new ZoneLabInputException("--dtb", "device trees are arm64 boot input; use --arch arm64");
        }
        if (dmesg != null)
        {
            if (numa != null)
            {
                throw new ZoneLabInputException("--numa", "--numa goes with --mem; with --dmesg the nodes come from the log's SRAT lines");
            }
            return builder.FromDmesg(dmesg);
        }
        if (mem == null)
        {
            throw new ZoneLabInputException("machine", "no machine given; expected --dmesg FILE or --mem SIZE (e.g. --mem 8G)");
        }
        QemuMachineType type = (machine ?? "pc").ToLowerInvariant() switch
        {
            "pc" => QemuMachineType.Pc,
            "q35" => QemuMachineType.Q35,
            _ => throw new ZoneLabInputException("--machine", $"'{machine}' is not a machine type; expected pc or q35"),
        };
        ulong ramBytes = KernelNumber.ParseSize(mem, "--mem");
        return builder.FromQemu(ramBytes, type, nodes);
    }

    /// <summary>
    /// A kernel build from <c>--kconfig</c>: a preset name (debian-arm64, debian-amd64, cma-amd64) or a <c>.config</c>
    /// file read on top of the architecture's Debian preset.
    /// </summary>
    public static KernelConfig? Config(string? kconfig, string arch)
    {
        if (kconfig == null)
        {
            return null;
        }
        if (KernelConfig.Preset(kconfig) is KernelConfig preset)
        {
            if (preset.Arch != arch)
            {
                throw new ZoneLabInputException("--kconfig", $"{kconfig} is a {preset.Arch} kernel, the machine is {arch}");
            }
            return preset;
        }
        if (!File.Exists(kconfig))
        {
            throw new ZoneLabInputException("--kconfig", $"'{kconfig}' is neither a preset (debian-arm64, debian-amd64, cma-amd64) nor a file");
        }
        return KernelConfig.FromDotConfig(kconfig, KernelConfig.DefaultFor(arch));
    }
}
