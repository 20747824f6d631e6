using System.Globalization;
using System.Text.RegularExpressions;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// x86-64 boots of Debian's 6.1 source built with CMA (CMA, DMA_CMA, CMA_DEBUGFS; CMA_SIZE_MBYTES=0) and, for
/// contrast, the stock kernel without CMA (Fixtures/x86_64-cma-6.1, from ../shared/kernel-samples): from the real
/// boot log and the kernel build, the model must give the kernel's "cma: Reserved" lines, the debugfs base_pfn and
/// count, and zoneinfo's per-zone <c>cma</c>.
/// </summary>
public class X86CmaDifferentialTests
{
    private static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures", "x86_64-cma-6.1");

    public static TheoryData<string> Names()
    {
        var d = new TheoryData<string>();
        foreach (string dir in Directory.GetDirectories(Root).OrderBy(x => x, StringComparer.Ordinal))
        {
            d.Add(Path.GetFileName(dir));
        }
        return d;
    }

    private static string FileOf(string name, string file) => Path.Combine(Root, name, file);

    /// <summary>The build: the "-oracle" kernel has CMA, the stock Debian kernel has not.</summary>
    private static KernelConfig ConfigOf(string name) =>
        File.ReadAllText(FileOf(name, "version.txt")).Contains("-oracle", StringComparison.Ordinal) ? KernelConfig.CmaAmd64 : KernelConfig.DebianAmd64;

    private static BootLayout FromDmesg(string name) =>
        new LayoutBuilder().FromDmesg(FileOf(name, "dmesg.txt")).WithKernelConfig(ConfigOf(name)).Build();

    private static List<string> RealCmaLines(string name) =>
        File.ReadAllLines(FileOf(name, "dmesg.txt"))
            .Select(l => Regex.Replace(l, @"^\[\s*\d+\.\d+\] ", string.Empty))
            .Where(l => l.StartsWith("cma: ", StringComparison.Ordinal) || l.StartsWith("hugetlb_cma: ", StringComparison.Ordinal))
            .ToList();

    [Theory]
    [MemberData(nameof(Names))]
    public void CmaLinesAreTheKernels(string name)
    {
        BootLayout layout = FromDmesg(name);
        var model = LayoutDmesgWriter.Write(layout).Split('\n').Where(l => l.StartsWith("cma: ", StringComparison.Ordinal) || l.StartsWith("hugetlb_cma: ", StringComparison.Ordinal));
        Assert.Equal(RealCmaLines(name), model);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ZoneinfoCmaAndGeometryMatch(string name)
    {
        if (name.StartsWith("g3-", StringComparison.Ordinal))
        {
            return; // a DIMM was hot-added and onlined movable after boot: its zoneinfo is not the boot layout
        }
        BootLayout layout = FromDmesg(name);
        foreach (ZoneinfoHeader z in ZoneinfoReader.ReadFile(FileOf(name, "zoneinfo.txt")))
        {
            ZoneLayout m = layout.Node(z.Node)!.Zones.Single(x => x.Name == z.Zone);
            Assert.Equal((z.Spanned, z.Present, z.Cma), (m.Spanned, m.Present, m.CmaPages));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void DebugfsBasePfnAndCountMatch(string name)
    {
        // cma.txt holds /sys/kernel/debug/cma/<name>/{base_pfn,count} on the CMA build
        var real = new List<(string Name, ulong BasePfn, ulong Count)>();
        string? area = null;
        ulong basePfn = 0;
        foreach (string l in File.ReadAllLines(FileOf(name, "cma.txt")))
        {
            Match h = Regex.Match(l, @"^== debugfs /sys/kernel/debug/cma/(\S+)$");
            if (h.Success)
            {
                area = h.Groups[1].Value;
            }
            Match b = Regex.Match(l, @"^base_pfn: (\d+)");
            if (b.Success)
            {
                basePfn = ulong.Parse(b.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            Match c = Regex.Match(l, @"^count: (\d+)");
            if (c.Success && area != null)
            {
                real.Add((area, basePfn, ulong.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture)));
            }
        }
        BootLayout layout = FromDmesg(name);
        Assert.Equal(real, layout.CmaAreas.Select(a => (a.Name, a.BasePfn, a.Count)));
    }

    [Fact]
    public void TheStockKernelIgnoresCma()
    {
        BootLayout layout = FromDmesg("z-debian61-cma128M");
        Assert.Empty(layout.CmaAreas);
        Assert.Contains(layout.Warnings, w => w.Contains("no CONFIG_DMA_CMA", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("e-2G-cma128M", 0x77e00000UL)]
    [InlineData("f-2G-cma64M-fixed", 0x40000000UL)]
    public void TheSynthesizedQemuGuestPlacesTheAreaLikeTheRealOne(string name, ulong expectedBase)
    {
        // QEMU puts the initrd at the top of low RAM and alloc_node_data() NODE_DATA below it; the area goes
        // top-down under both (2 MiB aligned): round_down(0x7feb8000 - 128 MiB, 2 MiB) = 0x77e00000.
        string cmdline = File.ReadAllText(FileOf(name, "cmdline.txt")).Trim();
        BootLayout layout = new LayoutBuilder().FromQemu(2UL << 30).WithCommandLine(cmdline).WithKernelConfig(KernelConfig.CmaAmd64).Build();
        CmaArea a = Assert.Single(layout.CmaAreas);
        Assert.Equal(expectedBase, a.Base);
        Assert.Equal(ZoneType.Dma32, a.Zone);
    }
}
