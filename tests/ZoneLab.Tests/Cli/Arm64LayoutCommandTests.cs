using System.Text.Json;

namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab layout --arch arm64 / --dtb</c> end to end; expected values from the real boots a-2G-plain and e2.</summary>
public class Arm64LayoutCommandTests
{
    private static string Fixture(string path) => Path.Combine(AppContext.BaseDirectory, "Fixtures", path);

    [Fact]
    public void JsonListsTheDefaultCmaArea()
    {
        // a-2G-plain: "cma: Reserved 64 MiB at 0x00000000b9a00000", zone DMA, cma 16384
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--arch", "arm64", "--mem", "2G", "--format", "json");
        Assert.Equal(0, exit);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal("arm64", doc.RootElement.GetProperty("arch").GetString());
        JsonElement a = doc.RootElement.GetProperty("cma_areas")[0];
        Assert.Equal(("reserved", 0, "DMA", 0xb9a00UL, 16384UL),
            (a.GetProperty("name").GetString(), a.GetProperty("node").GetInt32(), a.GetProperty("zone").GetString(), a.GetProperty("base_pfn").GetUInt64(), a.GetProperty("count").GetUInt64()));
        Assert.Equal(16384UL, doc.RootElement.GetProperty("nodes")[0].GetProperty("zones")[0].GetProperty("cma").GetUInt64());
    }

    [Fact]
    public void DtbPoolsPrintTheKernelsLines()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--dtb", Fixture("dtb/qemu-virt-2g-e2-pools.dtb"), "--mem", "2G", "--format", "dmesg");
        Assert.Equal(0, exit);
        Assert.Contains(
            "Reserved memory: created CMA memory pool at 0x000000007a000000, size 96 MiB\n" +
            "OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool\n" +
            "Reserved memory: created CMA memory pool at 0x0000000060000000, size 32 MiB\n" +
            "OF: reserved mem: initialized node pool@60000000, compatible id shared-dma-pool\n" +
            "Reserved memory: created DMA memory pool at 0x0000000074000000, size 8 MiB\n" +
            "OF: reserved mem: initialized node dma@74000000, compatible id shared-dma-pool\n", stdout);
        Assert.Contains("  node   0: [mem 0x0000000070000000-0x0000000070ffffff]\n", stdout);
    }

    [Fact]
    public void ABoardDtbWorksWithItsOwnMemory()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--dtb", Fixture("dtb/meson-g12b-a311d-khadas-vim3.dtb"), "--format", "zoneinfo");
        Assert.Equal(0, exit);
        Assert.StartsWith("Node 0, zone      DMA\n", stdout);
        Assert.Contains("        spanned  524288\n        present  524288\n", stdout);
        Assert.Contains("        cma      65536\n", stdout);
    }

    [Fact]
    public void ATruncatedDtbGivesTheOffset()
    {
        byte[] blob = File.ReadAllBytes(Fixture("dtb/qemu-virt-2g-e2-pools.dtb"));
        string path = ZonelabProcess.WriteTemp("cut.dtb", string.Empty);
        File.WriteAllBytes(path, blob[..4000]);
        var (exit, stdout, stderr) = ZonelabProcess.Run("layout", "--dtb", path, "--mem", "2G");
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("zonelab: cut.dtb: at byte offset 4000 (0xfa0): truncated blob: the header's totalsize is 8012 bytes, the file has 4000", stderr.TrimEnd('\n'));
    }

    [Theory]
    [InlineData(new[] { "layout", "--arch", "x86_64", "--dtb", "Fixtures/dtb/hi6220-hikey.dtb", "--mem", "2G" }, "--dtb: device trees are arm64 boot input")]
    [InlineData(new[] { "layout", "--arch", "arm64", "--dtb", "x.dtb", "--mem", "2G" }, "x.dtb: file not found")]
    [InlineData(new[] { "layout", "--arch", "sparc", "--mem", "2G" }, "--arch: 'sparc' is not an architecture")]
    [InlineData(new[] { "layout", "--arch", "arm64" }, "no machine given; expected --mem SIZE")]
    [InlineData(new[] { "layout", "--arch", "arm64", "--mem", "2G", "--machine", "q35" }, "--machine: 'q35' is not an arm64 machine type")]
    [InlineData(new[] { "layout", "--mem", "2G", "--kconfig", "debian-arm64" }, "--kconfig: debian-arm64 is a arm64 kernel, the machine is x86_64")]
    public void BadArm64ArgumentsGiveOneLine(string[] args, string expected)
    {
        var (exit, _, stderr) = ZonelabProcess.Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(expected, Assert.Single(stderr.TrimEnd('\n').Split('\n')));
    }

    [Fact]
    public void TheCmaKernelConfigMakesX86CmaWork()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--mem", "2G", "--kconfig", "cma-amd64", "--format", "dmesg", "--", "cma=128M");
        Assert.Equal(0, exit);
        Assert.StartsWith("cma: Reserved 128 MiB at 0x0000000077e00000\nZone ranges:\n", stdout);
    }
}
