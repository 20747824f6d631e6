using ZoneLab.Layout;

namespace ZoneLab.Tests.Layouts;

public class KernelCommandLineTests
{
    [Theory]
    [InlineData("512M", 512UL << 20)]
    [InlineData("2g", 2UL << 30)]
    [InlineData("0x1000", 4096UL)]
    [InlineData("010K", 8UL << 10)] // leading 0 is octal in simple_strtoull(…, 0)
    [InlineData("1T", 1UL << 40)]
    [InlineData("1.5G", 1UL)] // memparse stops at '.', no suffix → 1 byte
    public void MemparseFollowsTheKernel(string text, ulong expected)
    {
        int pos = 0;
        Assert.Equal(expected, KernelNumber.Memparse(text, ref pos));
    }

    [Fact]
    public void KernelcoreSizeAndPercent()
    {
        var cl = KernelCommandLine.Parse("console=ttyS0 kernelcore=1536M movablecore=25%");
        Assert.Equal(393216UL, cl.RequiredKernelcorePages);
        Assert.Equal(0UL, cl.RequiredKernelcorePercent);
        Assert.Equal(25UL, cl.RequiredMovablecorePercent);
        Assert.Empty(cl.Unknown);
    }

    [Fact]
    public void LaterValueReplacesEarlierOne()
    {
        // cmdline_parse_core() overwrites both the size and the percentage on every occurrence.
        var cl = KernelCommandLine.Parse("kernelcore=50% kernelcore=1G");
        Assert.Equal(262144UL, cl.RequiredKernelcorePages);
        Assert.Equal(0UL, cl.RequiredKernelcorePercent);
    }

    [Fact]
    public void DashesAndUnderscoresAreEquivalentAndUnknownParametersAreListed()
    {
        var cl = KernelCommandLine.Parse("movable-node foo=bar quiet zonelab_test");
        Assert.True(cl.MovableNode);
        Assert.Equal(new[] { "foo=bar", "zonelab_test" }, cl.Unknown);
    }

    [Fact]
    public void QuotedValuesAndDoubleDashEndTheKernelPart()
    {
        var cl = KernelCommandLine.Parse("dyndbg=\"file a b\" kernelcore=1G -- movablecore=1G");
        Assert.Equal(262144UL, cl.RequiredKernelcorePages);
        Assert.Equal(0UL, cl.RequiredMovablecorePages); // after "--" the arguments go to init
    }

    [Fact]
    public void MalformedValuesGetTheKernelsBehaviourAndAWarning()
    {
        var cl = KernelCommandLine.Parse("kernelcore=abc mem=0 kernelcore");
        Assert.Equal(0UL, cl.RequiredKernelcorePages); // memparse("abc") = 0
        Assert.Contains(cl.Warnings, w => w.StartsWith("kernelcore=abc", StringComparison.Ordinal));
        Assert.Contains(cl.Warnings, w => w.StartsWith("mem=0", StringComparison.Ordinal));
        Assert.Contains(cl.Warnings, w => w.Contains("Malformed early option 'kernelcore'", StringComparison.Ordinal));
        Assert.Empty(cl.E820Edits); // mem=0 is rejected, memory is kept
    }

    [Fact]
    public void MemmapListIsSplitOnCommas()
    {
        var cl = KernelCommandLine.Parse("memmap=256M$0x40000000,64M@0x100000000,exactmap");
        Assert.Equal(new[] { '$', '@', 'x' }, cl.E820Edits.Select(e => e.Kind));
        Assert.Equal(0x40000000UL, cl.E820Edits[0].Start);
        Assert.Equal(64UL << 20, cl.E820Edits[1].Size);
    }
}
