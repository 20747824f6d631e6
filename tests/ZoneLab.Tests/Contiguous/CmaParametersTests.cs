using ZoneLab.Layout;

namespace ZoneLab.Tests.Contiguous;

/// <summary>The CMA early_param parsers (early_cma, early_cma_pernuma, cmdline_parse_hugetlb_cma) and their quirks.</summary>
public class CmaParametersTests
{
    private static CmaParameters P(string cmdline, KernelConfig? config = null) =>
        CmaParameters.Parse(KernelCommandLine.Parse(cmdline), config ?? KernelConfig.DebianArm64);

    [Fact]
    public void SizeOnly()
    {
        CmaParameters p = P("cma=128M");
        Assert.Equal((128UL << 20, 0UL, 0UL), (p.SizeCmdline!.Value, p.BaseCmdline, p.LimitCmdline));
    }

    [Fact]
    public void SizeAtBaseIsFixed()
    {
        // limit = base + size: dma_contiguous_reserve() then passes fixed = true
        CmaParameters p = P("cma=64M@0x60000000");
        Assert.Equal((64UL << 20, 0x60000000UL, 0x64000000UL), (p.SizeCmdline!.Value, p.BaseCmdline, p.LimitCmdline));
    }

    [Fact]
    public void SizeAtBaseDashLimit()
    {
        CmaParameters p = P("cma=64M@1G-2G");
        Assert.Equal((64UL << 20, 1UL << 30, 2UL << 30), (p.SizeCmdline!.Value, p.BaseCmdline, p.LimitCmdline));
    }

    [Fact]
    public void ARepeatKeepsTheEarlierBase()
    {
        // early_cma() only writes base/limit when '@' follows; the later size-only cma= keeps them
        CmaParameters p = P("cma=64M@0x60000000 cma=32M");
        Assert.Equal((32UL << 20, 0x60000000UL, 0x64000000UL), (p.SizeCmdline!.Value, p.BaseCmdline, p.LimitCmdline));
    }

    [Fact]
    public void CmaWithoutValueIsReported()
    {
        Assert.Equal("cma: Config string not provided", Assert.Single(P("cma").KernelMessages));
    }

    [Fact]
    public void HugetlbCmaPlainAndPerNode()
    {
        Assert.Equal(1UL << 30, P("hugetlb_cma=1G").HugetlbCmaSize);
        CmaParameters p = P("hugetlb_cma=0:1G,1:512M");
        Assert.Equal((1UL << 30) + (512UL << 20), p.HugetlbCmaSize);
        Assert.Equal(new Dictionary<int, ulong> { [0] = 1UL << 30, [1] = 512UL << 20 }, p.HugetlbCmaSizeInNode);
    }

    [Fact]
    public void HugetlbCmaNodeBeyondMaxNumnodesStopsParsing()
    {
        // Debian arm64: NODES_SHIFT=4 → MAX_NUMNODES 16; "16:1G" breaks out of the loop before memparse
        Assert.Equal(0UL, P("hugetlb_cma=16:1G").HugetlbCmaSize);
    }

    [Fact]
    public void TheStockAmd64KernelHasNoCmaParameters()
    {
        CmaParameters p = P("cma=128M hugetlb_cma=1G", KernelConfig.DebianAmd64);
        Assert.Null(p.SizeCmdline);
        Assert.Equal(0UL, p.HugetlbCmaSize);
        Assert.Equal(2, p.Warnings.Count);
    }

    [Fact]
    public void NumaCmaIsNotASixOneParameter()
    {
        Assert.Contains("added in 6.7", Assert.Single(P("numa_cma=0:64M").Warnings));
    }

    [Fact]
    public void KernelConfigReadsADotConfig()
    {
        string path = Path.Combine(Path.GetTempPath(), $"zl-config-{Environment.ProcessId}");
        File.WriteAllText(path, "CONFIG_CMA=y\nCONFIG_DMA_CMA=y\n# CONFIG_DMA_PERNUMA_CMA is not set\nCONFIG_CMA_SIZE_MBYTES=32\nCONFIG_CMA_SIZE_SEL_MAX=y\nCONFIG_CMA_SIZE_PERCENTAGE=10\nCONFIG_CMA_AREAS=7\nCONFIG_NODES_SHIFT=2\n");
        KernelConfig c = KernelConfig.FromDotConfig(path, KernelConfig.DebianArm64);
        Assert.Equal((true, false, 32UL, CmaSizeSelection.Max, 10UL, 7, 4), (c.DmaCma, c.DmaPernumaCma, c.CmaSizeMbytes, c.CmaSizeSelection, c.CmaSizePercentage, c.CmaAreas, c.MaxNumNodes));
        File.WriteAllText(path, "CONFIG_CMA=y\nbogus line\n");
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => KernelConfig.FromDotConfig(path, KernelConfig.DebianArm64));
        Assert.Equal(2, e.Line);
    }
}
