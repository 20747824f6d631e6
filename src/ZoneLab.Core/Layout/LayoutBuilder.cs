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
    private string? _zoneinfoPath;
    private KernelFeatures _features = KernelFeatures.Mainline;

    /// <summary>Uses a real boot log (its e820 map, SRAT, command line).</summary>
    public LayoutBuilder FromDmesg(string path)
    {
        _machine = DmesgReader.ReadFile(path);
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

    /// <summary>Takes managed counts from a real /proc/zoneinfo.</summary>
    public LayoutBuilder WithZoneinfo(string path)
    {
        _zoneinfoPath = path;
        return this;
    }

    /// <summary>The effective command line.</summary>
    public string EffectiveCommandLine
    {
        get
        {
            string baseLine = _cmdlineOverride ?? _machine?.CommandLine ?? string.Empty;
            return _extraArgs.Count == 0 ? baseLine : (baseLine + " " + string.Join(' ', _extraArgs.Select(Quote))).Trim();
        }
    }

    private static string Quote(string a) => a.Contains(' ') && !a.Contains('"') ? (a.Contains('=') ? a[..(a.IndexOf('=') + 1)] + "\"" + a[(a.IndexOf('=') + 1)..] + "\"" : "\"" + a + "\"") : a;

    /// <summary>Computes the layout.</summary>
    public BootLayout Build()
    {
        if (_machine == null)
        {
            throw new ZoneLabInputException("machine", "no machine given; expected --dmesg FILE or --mem SIZE");
        }
        var cl = KernelCommandLine.Parse(EffectiveCommandLine, _features);
        BootLayout layout = X86Boot.Compute(_machine, cl);
        if (_zoneinfoPath != null)
        {
            Procfs.ZoneinfoReader.ApplyManaged(layout, Procfs.ZoneinfoReader.ReadFile(_zoneinfoPath), Path.GetFileName(_zoneinfoPath));
        }
        if (layout.AllZones.Any(z => !z.ManagedIsReal && z.Present > 0))
        {
            ManagedEstimator.Apply(layout);
        }
        return layout;
    }
}
