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
        // the machine itself as zonelab layout reads it (one switch over mem/dmesg/dtb/memory: ToLayoutBuilder)
        LayoutBuilder b = machine.ToLayoutBuilder(baseDir);
        if (features != null)
        {
            b.WithFeatures(features);
        }
        if (!machine.IsArm64 && KernelConfig.Preset("cma-amd64") is KernelConfig cma)
        {
            // Debian's amd64 kernel has CONFIG_CMA off; a scenario about CMA designs runs a kernel built with it
            b.WithKernelConfig(cma);
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
