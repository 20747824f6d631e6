namespace ZoneLab.Layout;

/// <summary>
/// The front door of the layout model: describe a machine (a boot log or a QEMU size), a command line, and
/// optionally real managed counts, and get its <see cref="BootLayout"/>.
/// </summary>
public sealed class LayoutBuilder
{
    private MachineDescription? _machine;
    private string? _cmdlineOverride;
    private readonly List<string> _extraArgs = new();
    private Func<RealManagedCounts>? _managed;
    private KernelFeatures _features = KernelFeatures.Mainline;
    private IReadOnlyList<(ulong Start, ulong End)>? _mirror;
    private KernelConfig? _config;
    private ulong? _initrdSize;
    private bool _arm64;
    private ulong? _arm64Ram;
    private IReadOnlyList<ulong>? _arm64Numa;
    private string? _dtbPath;
    private IReadOnlyList<DeviceTree.DtMemoryRange>? _arm64Memory;
    private IReadOnlyList<(uint A, uint B, uint Distance)>? _arm64DistanceMap;
    private DeviceTree.BootDeviceTree? _dtb;

    /// <summary>Size of the x86 oracle's initramfs ("RAMDISK: [mem 0x7fee3000-0x7ffdffff]").</summary>
    public const ulong DefaultX86InitrdSize = 0xfd000;

    /// <summary>Uses a real boot log (its e820 map, SRAT, command line); errors name <paramref name="source"/> (default: the file's name).</summary>
    public LayoutBuilder FromDmesg(string path, string? source = null)
    {
        _machine = DmesgReader.ReadFile(path, source);
        return this;
    }

    /// <summary>Uses a machine description built elsewhere.</summary>
    public LayoutBuilder FromMachine(MachineDescription machine)
    {
        _machine = machine;
        return this;
    }

    /// <summary>Synthesizes a QEMU guest of <paramref name="ramBytes"/> (NUMA nodes split in order).</summary>
    public LayoutBuilder FromQemu(ulong ramBytes, QemuMachineType machine = QemuMachineType.Pc, IReadOnlyList<ulong>? numaNodeSizes = null)
    {
        _machine = QemuX86Machine.Create(ramBytes, machine, numaNodeSizes, string.Empty);
        return this;
    }

    /// <summary>
    /// An arm64 machine: QEMU virt RAM of <paramref name="ramBytes"/> at 0x40000000 (split over
    /// <paramref name="numaNodeSizes"/>), and/or a device tree blob (its reserved-memory, dma-ranges, and memory when
    /// no size is given).
    /// </summary>
    public LayoutBuilder ForArm64(ulong? ramBytes, IReadOnlyList<ulong>? numaNodeSizes = null, string? dtbPath = null)
    {
        _arm64 = true;
        _arm64Ram = ramBytes;
        _arm64Numa = numaNodeSizes;
        _dtbPath = dtbPath;
        _dtb = dtbPath == null ? null : DeviceTree.BootDeviceTree.Load(dtbPath);
        return this;
    }

    /// <summary>
    /// An arm64 machine whose RAM is the given physical ranges (base, size), as one device tree <c>/memory</c> node
    /// with several <c>reg</c> entries describes it; the rest of the machine is QEMU virt's (generated tree, Image at
    /// the lowest range + 2 MiB). For boards with RAM in several windows (BCM7278: 0x40000000 and 0x300000000).
    /// </summary>
    public LayoutBuilder ForArm64Memory(IReadOnlyList<(ulong Base, ulong Size)> ranges)
    {
        _arm64 = true;
        _arm64Memory = ranges.Select(r => new DeviceTree.DtMemoryRange(r.Base, r.Size, null, false, "/memory")).ToList();
        return this;
    }

    /// <summary>
    /// An arm64 board whose device tree gives each range a <c>numa-node-id</c> and has a <c>numa-distance-map-v1</c>
    /// node with <paramref name="distanceMatrix"/> (what of_numa_init() reads); the same as a .dtb with those nodes.
    /// </summary>
    public LayoutBuilder ForArm64Memory(IReadOnlyList<(ulong Base, ulong Size, int Nid)> ranges, IReadOnlyList<(uint A, uint B, uint Distance)> distanceMatrix)
    {
        _arm64 = true;
        _arm64Memory = ranges.Select(r => new DeviceTree.DtMemoryRange(r.Base, r.Size, r.Nid, false, $"/memory@{r.Base:x}")).ToList();
        _arm64DistanceMap = distanceMatrix;
        return this;
    }

    /// <summary>The kernel build (default: Debian's stock 6.1 kernel of the architecture).</summary>
    public LayoutBuilder WithKernelConfig(KernelConfig config)
    {
        _config = config;
        return this;
    }

    /// <summary>Size of the initrd the bootloader loads (0: none); placed as QEMU places it.</summary>
    public LayoutBuilder WithInitrdSize(ulong bytes)
    {
        _initrdSize = bytes;
        return this;
    }

    /// <summary>The architecture the builder will compute: "arm64" or "x86_64".</summary>
    public string Arch => _arm64 ? "arm64" : "x86_64";

    /// <summary>Replaces the machine's command line.</summary>
    public LayoutBuilder WithCommandLine(string cmdline)
    {
        _cmdlineOverride = cmdline;
        return this;
    }

    /// <summary>Appends kernel arguments (after the machine's or the override command line).</summary>
    public LayoutBuilder WithExtraArgs(IEnumerable<string> args)
    {
        _extraArgs.AddRange(args);
        return this;
    }

    /// <summary>Selects kernel changes (e.g. the Designated Movable Blocks series) that alter the layout.</summary>
    public LayoutBuilder WithFeatures(KernelFeatures features)
    {
        _features = features;
        return this;
    }

    /// <summary>
    /// Takes managed counts from a real boot (ZoneLab.Procfs's <c>WithZoneinfo(path)</c> reads them from its
    /// /proc/zoneinfo). <paramref name="read"/> runs in <see cref="Build"/>, after the machine itself is read and laid
    /// out, so a machine error is reported before an error in the counts' file.
    /// </summary>
    public LayoutBuilder WithManagedCounts(Func<RealManagedCounts> read)
    {
        _managed = read;
        return this;
    }

    /// <summary>The effective command line.</summary>
    public string EffectiveCommandLine
    {
        get
        {
            string baseLine = _cmdlineOverride ?? (_arm64 ? _dtb?.Bootargs : _machine?.CommandLine) ?? string.Empty;
            return _extraArgs.Count == 0 ? baseLine : (baseLine + " " + string.Join(' ', _extraArgs.Select(Quote))).Trim();
        }
    }

    private static string Quote(string a) => a.Contains(' ') && !a.Contains('"') ? (a.Contains('=') ? a[..(a.IndexOf('=') + 1)] + "\"" + a[(a.IndexOf('=') + 1)..] + "\"" : "\"" + a + "\"") : a;

    // A log that prints its own "Zone ranges:" says whether its kernel has ZONE_DEVICE ("  Device   empty"); that
    // wins over the configuration, which is only a guess about the build that wrote the log.
    private static bool ZoneDeviceOf(KernelConfig config, MachineDescription machine) =>
        machine.LogZoneNames is { Count: > 0 } names ? names.Contains("Device") : config.ZoneDevice;

    /// <summary>
    /// Marks byte ranges mirrored (<c>memblock_mark_mirror</c>, what <c>efi_find_mirror()</c> does for
    /// EFI_MEMORY_MORE_RELIABLE descriptors), replacing any the boot log gave; x86 only.
    /// </summary>
    public LayoutBuilder WithMirror(IReadOnlyList<(ulong Start, ulong End)> ranges)
    {
        _mirror = ranges;
        return this;
    }

    /// <summary>Computes the layout.</summary>
    public BootLayout Build()
    {
        BootLayout layout;
        if (_arm64)
        {
            if (_mirror != null)
            {
                throw new ZoneLabInputException("--mirror", "mirrored memory is read for x86 only (efi_find_mirror runs on arm64 only from 5.7 with efi_fake_mem); use --arch x86_64");
            }

            KernelConfig config = _config ?? KernelConfig.DebianArm64;
            var cl = KernelCommandLine.Parse(EffectiveCommandLine, _features);
            Arm64.Arm64Machine m = Arm64.QemuVirtMachine.Create(_arm64Ram, _arm64Numa, _dtb, _initrdSize ?? Arm64.QemuVirtMachine.DefaultInitrdSize, config, cl.Text, _arm64Memory, _arm64DistanceMap);
            layout = Arm64.Arm64Boot.Compute(m, cl, config);
        }
        else
        {
            if (_machine == null)
            {
                throw new ZoneLabInputException("machine", "no machine given; expected --dmesg FILE or --mem SIZE");
            }
            var cl = KernelCommandLine.Parse(EffectiveCommandLine, _features);
            KernelConfig config = _config ?? KernelConfig.ForBootLog(_machine);
            layout = X86Boot.Compute(_machine, cl, ZoneDeviceOf(config, _machine), _mirror);
            X86Contiguous.Apply(layout, _machine, config, _initrdSize ?? DefaultX86InitrdSize);
            if (_cmdlineOverride == null && _extraArgs.Count == 0 && _features == KernelFeatures.Mainline && _mirror == null)
            {
                BootLogConsistency.CompareWithModel(layout, _machine); // a log's own lines against the model, as the kernel ran it
            }
        }
        _managed?.Invoke().ApplyTo(layout);
        if (layout.AllZones.Any(z => !z.ManagedIsReal && z.Present > 0))
        {
            if (_arm64)
            {
                Arm64.Arm64ManagedEstimator.Apply(layout);
            }
            else
            {
                ManagedEstimator.Apply(layout);
            }
        }
        return layout;
    }
}
