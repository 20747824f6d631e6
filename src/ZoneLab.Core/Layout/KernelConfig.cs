using System.Globalization;

namespace ZoneLab.Layout;

/// <summary>How the default CMA area size is chosen (CONFIG_CMA_SIZE_SEL_*, kernel/dma/Kconfig).</summary>
public enum CmaSizeSelection
{
    /// <summary>CONFIG_CMA_SIZE_SEL_MBYTES: CONFIG_CMA_SIZE_MBYTES.</summary>
    Mbytes,

    /// <summary>CONFIG_CMA_SIZE_SEL_PERCENTAGE: CONFIG_CMA_SIZE_PERCENTAGE of memory.</summary>
    Percentage,

    /// <summary>CONFIG_CMA_SIZE_SEL_MIN: the smaller of both.</summary>
    Min,

    /// <summary>CONFIG_CMA_SIZE_SEL_MAX: the larger of both.</summary>
    Max,
}

/// <summary>
/// The kernel build a layout is computed for: the CONFIG_ options the boot memory code depends on, and a few
/// sizes of that build the kernel's early allocations use (sizeof(pg_data_t), the image size, the unflattened
/// device tree's per-node and per-property costs). Presets describe the kernels of the real-boot fixtures;
/// <see cref="FromDotConfig"/> reads a <c>.config</c> on top of a preset.
/// </summary>
public sealed record KernelConfig
{
    /// <summary>Short name (preset or file).</summary>
    public required string Name { get; init; }

    /// <summary>"x86_64" or "arm64".</summary>
    public required string Arch { get; init; }

    /// <summary>CONFIG_CMA.</summary>
    public bool Cma { get; init; }

    /// <summary>CONFIG_DMA_CMA (the default "reserved" area and device-tree CMA pools).</summary>
    public bool DmaCma { get; init; }

    /// <summary>CONFIG_DMA_PERNUMA_CMA (<c>cma_pernuma=</c>).</summary>
    public bool DmaPernumaCma { get; init; }

    /// <summary>CONFIG_CMA_SIZE_MBYTES.</summary>
    public ulong CmaSizeMbytes { get; init; }

    /// <summary>CONFIG_CMA_SIZE_PERCENTAGE.</summary>
    public ulong CmaSizePercentage { get; init; }

    /// <summary>CONFIG_CMA_SIZE_SEL_*.</summary>
    public CmaSizeSelection CmaSizeSelection { get; init; } = CmaSizeSelection.Mbytes;

    /// <summary>CONFIG_CMA_AREAS (MAX_CMA_AREAS in 6.1).</summary>
    public int CmaAreas { get; init; } = 7;

    /// <summary>CONFIG_HUGETLB_PAGE (<c>hugetlb_cma=</c>).</summary>
    public bool HugetlbPage { get; init; } = true;

    /// <summary>CONFIG_ZONE_DMA.</summary>
    public bool ZoneDma { get; init; } = true;

    /// <summary>CONFIG_ZONE_DMA32.</summary>
    public bool ZoneDma32 { get; init; } = true;

    /// <summary>CONFIG_ZONE_DEVICE (the zone is listed in /proc/zoneinfo).</summary>
    public bool ZoneDevice { get; init; }

    /// <summary>CONFIG_NODES_SHIFT: MAX_NUMNODES = 1 &lt;&lt; NodesShift.</summary>
    public int NodesShift { get; init; } = 6;

    /// <summary>MAX_NUMNODES.</summary>
    public int MaxNumNodes => 1 << NodesShift;

    /// <summary>CONFIG_DMA_DECLARE_COHERENT (non-reusable shared-dma-pool regions get a coherent pool).</summary>
    public bool DmaDeclareCoherent { get; init; } = true;

    /// <summary>CONFIG_DMA_RESTRICTED_POOL (<c>restricted-dma-pool</c> regions; off in Debian's 6.1 kernels).</summary>
    public bool DmaRestrictedPool { get; init; }

    /// <summary>
    /// NODE_DATA allocation size: roundup(sizeof(pg_data_t), SMP_CACHE_BYTES) on arm64, roundup(…, PAGE_SIZE) on
    /// x86 (from the builds' "NODE_DATA" dmesg lines).
    /// </summary>
    public ulong NodeDataSize { get; init; }

    /// <summary>
    /// The image as a bootloader loads it: the arm64 Image header's image_size (QEMU places <c>_text</c> at
    /// RAM + 2 MiB); on x86 <c>_end - _text</c> from LOAD_PHYSICAL_ADDR.
    /// </summary>
    public ulong KernelImageSize { get; init; }

    /// <summary>Offset of <c>_stext</c> from <c>_text</c> (the memblock reservation starts there on arm64).</summary>
    public ulong KernelStextOffset { get; init; }

    /// <summary>The image's /proc/iomem sections (offsets from <c>_text</c>); empty when the build's are not known.</summary>
    public IReadOnlyList<KernelImageSection> ImageSections { get; init; } = Array.Empty<KernelImageSection>();

    /// <summary>sizeof(struct device_node) of the build (unflatten_dt_nodes()).</summary>
    public ulong OfDeviceNodeSize { get; init; }

    /// <summary>sizeof(struct property) of the build.</summary>
    public ulong OfPropertySize { get; init; }

    /// <summary>
    /// Debian's stock 6.1 arm64 kernel (linux-image-6.1.0-56-arm64): CMA on, 64 MiB default area,
    /// CMA_AREAS=19, DMA_PERNUMA_CMA on, NODES_SHIFT=4, ZONE_DMA and ZONE_DMA32, no ZONE_DEVICE.
    /// </summary>
    public static KernelConfig DebianArm64 { get; } = new()
    {
        Name = "debian-arm64",
        Arch = "arm64",
        Cma = true,
        DmaCma = true,
        DmaPernumaCma = true,
        CmaSizeMbytes = 64,
        CmaAreas = 19,
        NodesShift = 4,
        ZoneDevice = false,
        NodeDataSize = 0x2c80,         // "NUMA: NODE_DATA [mem 0xbfbef380-0xbfbf1fff]"
        KernelImageSize = 0x200b000,   // memblock.reserved 0x40210000..0x4220afff with _text at 0x40200000
        KernelStextOffset = 0x10000,
        ImageSections = KernelImageSections.DebianArm64,
        OfDeviceNodeSize = 208,        // with CONFIG_OF_KOBJ: fwnode_handle 64 + kobject 64 + 80
        OfPropertySize = 96,           // 32 + struct bin_attribute (64); no CONFIG_OF_DYNAMIC
    };

    /// <summary>Debian's stock 6.1 amd64 kernel: CONFIG_CMA is not set, so cma= and hugetlb_cma= do nothing.</summary>
    public static KernelConfig DebianAmd64 { get; } = new()
    {
        Name = "debian-amd64",
        Arch = "x86_64",
        Cma = false,
        CmaAreas = 19,
        NodesShift = 10,
        ZoneDevice = true,
        NodeDataSize = 0x2b000,
        ImageSections = KernelImageSections.DebianAmd64,
        KernelImageSize = 0x2ef8000,  // 11318 pages stay reserved after the 706 init pages are freed (ManagedEstimator)
    };

    /// <summary>
    /// Debian's 6.1 source built with CMA (the x86 oracle of ../shared/kernel-samples/x86_64-oracle-cma-6.1):
    /// CMA, DMA_CMA, CMA_DEBUGFS, CMA_SYSFS on, CMA_SIZE_MBYTES=0 (no default area without cma=).
    /// </summary>
    public static KernelConfig CmaAmd64 { get; } = DebianAmd64 with
    {
        Name = "cma-amd64",
        Cma = true,
        DmaCma = true,
        CmaSizeMbytes = 0,
        KernelImageSize = 0x2280000,
        ImageSections = KernelImageSections.CmaAmd64,
    };

    /// <summary>
    /// The x86 build a boot log implies when no configuration is given: a log whose "Memory:" line counts nonzero
    /// "cma-reserved" pages, or which prints "cma: Reserved", comes from a CONFIG_CMA kernel and gets
    /// <see cref="CmaAmd64"/> (CMA and DMA_CMA on, no default area); otherwise Debian's stock build without CMA
    /// ("0K cma-reserved" is printed by every kernel since 3.19, so it proves nothing). ZONE_DEVICE follows the log's
    /// "Zone ranges:" when it prints them.
    /// </summary>
    public static KernelConfig ForBootLog(MachineDescription machine)
    {
        KernelConfig basis = machine.LogSaysCma == true ? CmaAmd64 with { Name = "cma-amd64 (CONFIG_CMA from the log's Memory: line)" } : DebianAmd64;
        // the image's section boundaries belong to one build: a log that names its release keeps them only for a
        // preset's build; a synthesized machine (no log) runs the preset itself
        if (machine.KernelRelease is string release)
        {
            basis = basis with
            {
                ImageSections = release switch
                {
                    "6.1.0-56-amd64" => KernelImageSections.DebianAmd64,
                    "6.1.192-oracle" => KernelImageSections.CmaAmd64,
                    _ => Array.Empty<KernelImageSection>(),
                },
            };
        }
        return machine.LogZoneNames is { Count: > 0 } names ? basis with { ZoneDevice = names.Contains("Device") } : basis;
    }

    /// <summary>The default build of an architecture (Debian's stock kernel).</summary>
    public static KernelConfig DefaultFor(string arch) => arch == "arm64" ? DebianArm64 : DebianAmd64;

    /// <summary>A preset by name: debian-arm64, debian-amd64, cma-amd64.</summary>
    public static KernelConfig? Preset(string name) => name switch
    {
        "debian-arm64" => DebianArm64,
        "debian-amd64" => DebianAmd64,
        "cma-amd64" => CmaAmd64,
        _ => null,
    };

    /// <summary>
    /// Reads the options above from a kernel <c>.config</c> (lines <c>CONFIG_X=y|n|value</c> and
    /// <c># CONFIG_X is not set</c>) on top of <paramref name="basis"/>; unknown options are ignored.
    /// </summary>
    public static KernelConfig FromDotConfig(string path, KernelConfig basis)
    {
        string[] lines;
        try
        {
            lines = InputFiles.ReadLines(path, 64L << 20).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException(path, $"cannot read the kernel config: {e.Message}");
        }
        var values = new Dictionary<string, (string Value, int Line)>(StringComparer.Ordinal);
        string file = Path.GetFileName(path);
        for (int i = 0; i < lines.Length; i++)
        {
            string l = lines[i].Trim();
            if (l.StartsWith("# CONFIG_", StringComparison.Ordinal) && l.EndsWith(" is not set", StringComparison.Ordinal))
            {
                values[l[2..^11]] = ("n", i + 1);
                continue;
            }
            if (l.Length == 0 || l[0] == '#')
            {
                continue;
            }
            int eq = l.IndexOf('=');
            if (!l.StartsWith("CONFIG_", StringComparison.Ordinal) || eq < 0)
            {
                throw new ZoneLabInputException(file, i + 1, $"'{l}' is not a kernel config line; expected CONFIG_NAME=value or '# CONFIG_NAME is not set'");
            }
            values[l[..eq]] = (l[(eq + 1)..].Trim('"'), i + 1);
        }
        bool Bool(string n, bool d) => values.TryGetValue(n, out var v) ? v.Value is "y" or "m" : d;
        ulong Num(string n, ulong d)
        {
            if (!values.TryGetValue(n, out var v) || v.Value == "n")
            {
                return d;
            }
            if (!ulong.TryParse(v.Value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong r))
            {
                throw new ZoneLabInputException(file, v.Line, $"{n}={v.Value}: expected a decimal number");
            }
            return r;
        }
        CmaSizeSelection sel = Bool("CONFIG_CMA_SIZE_SEL_PERCENTAGE", false) ? CmaSizeSelection.Percentage
            : Bool("CONFIG_CMA_SIZE_SEL_MIN", false) ? CmaSizeSelection.Min
            : Bool("CONFIG_CMA_SIZE_SEL_MAX", false) ? CmaSizeSelection.Max
            : Bool("CONFIG_CMA_SIZE_SEL_MBYTES", basis.CmaSizeSelection == CmaSizeSelection.Mbytes) ? CmaSizeSelection.Mbytes
            : basis.CmaSizeSelection;
        bool cma = Bool("CONFIG_CMA", basis.Cma);
        bool dmaCma = cma && Bool("CONFIG_DMA_CMA", basis.DmaCma);
        return basis with
        {
            Name = file,
            ImageSections = Array.Empty<KernelImageSection>(), // another build: its section boundaries are not known
            Cma = cma,
            DmaCma = dmaCma,
            DmaPernumaCma = dmaCma && Bool("CONFIG_DMA_PERNUMA_CMA", basis.DmaPernumaCma),
            CmaSizeMbytes = Num("CONFIG_CMA_SIZE_MBYTES", dmaCma ? basis.CmaSizeMbytes : 0),
            CmaSizePercentage = Num("CONFIG_CMA_SIZE_PERCENTAGE", basis.CmaSizePercentage),
            CmaSizeSelection = sel,
            CmaAreas = (int)Math.Min(Num("CONFIG_CMA_AREAS", (ulong)basis.CmaAreas), 1024),
            HugetlbPage = Bool("CONFIG_HUGETLB_PAGE", basis.HugetlbPage),
            ZoneDma = Bool("CONFIG_ZONE_DMA", basis.ZoneDma),
            ZoneDma32 = Bool("CONFIG_ZONE_DMA32", basis.ZoneDma32),
            ZoneDevice = Bool("CONFIG_ZONE_DEVICE", basis.ZoneDevice),
            NodesShift = Bool("CONFIG_NUMA", true) ? (int)Math.Min(Num("CONFIG_NODES_SHIFT", (ulong)basis.NodesShift), 10) : 0,
            DmaDeclareCoherent = Bool("CONFIG_DMA_DECLARE_COHERENT", basis.DmaDeclareCoherent),
            DmaRestrictedPool = Bool("CONFIG_DMA_RESTRICTED_POOL", basis.DmaRestrictedPool),
        };
    }
}
