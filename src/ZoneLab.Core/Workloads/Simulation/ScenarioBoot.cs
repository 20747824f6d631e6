using System.Globalization;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Workloads.Simulation;

/// <summary>Turns a scenario's machine section into a boot layout, a kernel generation and sysctls.</summary>
public static class ScenarioBoot
{
    /// <summary>
    /// The boot layout: <c>mem</c> boots a QEMU x86 machine (<c>pc</c>/<c>q35</c>), <c>dmesg</c> replays a real x86 boot
    /// log, <c>dtb</c> boots arm64; the command line (<c>cma=</c>, <c>movablecore=</c>) is applied in every case. x86
    /// kernels are the <c>cma-amd64</c> build (Debian's config with <c>CONFIG_CMA=y</c>).
    /// </summary>
    /// <param name="machine">The scenario's machine.</param>
    /// <param name="baseDir">Folder that relative <c>dmesg</c>/<c>dtb</c> paths are resolved against.</param>
    /// <param name="features">Kernel changes that alter how the command line is read (the DMB series for the dmb design).</param>
    public static BootLayout Layout(ScenarioMachine machine, string? baseDir = null, KernelFeatures? features = null)
    {
        var b = new LayoutBuilder();
        string Resolve(string p) => baseDir == null || Path.IsPathRooted(p) ? p : Path.Combine(baseDir, p);
        if (features != null)
        {
            b.WithFeatures(features);
        }
        if (machine.Memory.Count > 0 && machine.NumaPerController)
        {
            ScenarioNumaNodes.Describe(machine, b);
        }
        else if (machine.Memory.Count > 0)
        {
            b.ForArm64Memory([.. machine.Memory.Select(r => (r.Start, r.Size))]);
        }
        else if (machine.Dtb != null || machine.IsArm64)
        {
            b.ForArm64(machine.Mem, machine.Numa.Count == 0 ? null : machine.Numa, machine.Dtb == null ? null : Resolve(machine.Dtb));
        }
        else if (machine.Dmesg != null)
        {
            b.FromDmesg(Resolve(machine.Dmesg));
        }
        else
        {
            QemuMachineType type = machine.Type == "q35" ? QemuMachineType.Q35 : QemuMachineType.Pc;
            b.FromQemu(machine.Mem ?? throw new ZoneLabInputException("machine", "no mem, dmesg or dtb"), type, machine.Numa.Count == 0 ? null : machine.Numa);
        }
        if (!machine.IsArm64 && KernelConfig.Preset("cma-amd64") is KernelConfig cma)
        {
            // Debian's amd64 kernel has CONFIG_CMA off; a scenario about CMA designs runs a kernel built with it
            b.WithKernelConfig(cma);
        }
        if (machine.Cmdline.Length > 0)
        {
            b.WithExtraArgs(machine.Cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return b.Build();
    }

    /// <summary>The engine's sysctls from the scenario's validated values (the others keep kernel defaults).</summary>
    public static VmSysctls Sysctls(ScenarioMachine machine)
    {
        var s = new VmSysctls();
        foreach ((string name, string value) in machine.Sysctls)
        {
            int Int() => int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
            switch (name)
            {
                case "vm.min_free_kbytes":
                    s.UserMinFreeKbytes = Int();
                    break;
                case "vm.watermark_scale_factor":
                    s.WatermarkScaleFactor = Int();
                    break;
                case "vm.watermark_boost_factor":
                    s.WatermarkBoostFactor = Int();
                    break;
                case "vm.extfrag_threshold":
                    s.ExtfragThreshold = Int();
                    break;
                case "vm.compaction_proactiveness":
                    s.CompactionProactiveness = Int();
                    break;
                case "transparent_hugepage":
                    s.TransparentHugepages = value != "never";
                    break;
                case "vm.lowmem_reserve_ratio":
                    string[] parts = value.Split([' ', ',', '[', ']'], StringSplitOptions.RemoveEmptyEntries);
                    for (int i = 0; i < parts.Length && i < s.LowmemReserveRatio.Length; i++)
                    {
                        s.LowmemReserveRatio[i] = int.Parse(parts[i], CultureInfo.InvariantCulture);
                    }
                    break;
            }
        }
        return s;
    }
}
