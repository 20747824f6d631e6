using System.Text.Json;

namespace ZoneLab.Tests.Cli;

/// <summary>The <c>zonelab layout</c> command end to end: formats, and bad input giving one line and exit 2.</summary>
public class LayoutCommandTests
{
    [Fact]
    public void JsonHasTheDocumentedShape()
    {
        // 8 GiB pc guest, movablecore=2G: low RAM [1,159)+[256,786400), high [0x100000,0x240000);
        // total 158 + 786144 + 1310720 = 2097022; kernelcore 1572734 → 786302 below 4 GiB, 786432 above → 0x1C0000.
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--mem", "8G", "--format", "json", "--", "movablecore=2G");
        Assert.Equal(0, exit);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement root = doc.RootElement;
        Assert.Equal("x86_64", root.GetProperty("arch").GetString());
        JsonElement node = root.GetProperty("nodes")[0];
        Assert.Equal(0, node.GetProperty("nid").GetInt32());
        Assert.Equal(1UL, node.GetProperty("start_pfn").GetUInt64());
        Assert.Equal(0x240000UL, node.GetProperty("end_pfn").GetUInt64());
        string[] names = node.GetProperty("zones").EnumerateArray().Select(z => z.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(new[] { "DMA", "DMA32", "Normal", "Movable", "Device" }, names);
        JsonElement dma = node.GetProperty("zones")[0];
        Assert.Equal((1UL, 4095UL, 3998UL), (dma.GetProperty("start_pfn").GetUInt64(), dma.GetProperty("spanned").GetUInt64(), dma.GetProperty("present").GetUInt64()));
        Assert.Equal(0x1C0000UL, root.GetProperty("movable_zone_start_pfn").GetProperty("0").GetUInt64());
        JsonElement block0 = root.GetProperty("memory_blocks")[0];
        Assert.Equal((0UL, 0, "none"), (block0.GetProperty("index").GetUInt64(), block0.GetProperty("node").GetInt32(), block0.GetProperty("valid_zones").GetString()));
    }

    [Fact]
    public void DmesgFormatPrintsTheKernelsLines()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--mem", "2G", "--format", "dmesg", "--cmdline", "movablecore=512M");
        Assert.Equal(0, exit);
        // Lines of the real boot x02-pc-2g-movablecore-512m (Debian 6.1.0-56, QEMU pc 2 GiB).
        Assert.Equal(
            "Zone ranges:\n" +
            "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]\n" +
            "  DMA32    [mem 0x0000000001000000-0x000000007ffdffff]\n" +
            "  Normal   empty\n" +
            "  Device   empty\n" +
            "Movable zone start for each node\n" +
            "  Node 0: 0x0000000060000000\n" +
            "Early memory node ranges\n" +
            "  node   0: [mem 0x0000000000001000-0x000000000009efff]\n" +
            "  node   0: [mem 0x0000000000100000-0x000000007ffdffff]\n" +
            "Initmem setup node 0 [mem 0x0000000000001000-0x000000007ffdffff]\n" +
            "On node 0, zone DMA: 1 pages in unavailable ranges\n" +
            "On node 0, zone DMA: 97 pages in unavailable ranges\n" +
            "On node 0, zone Movable: 32 pages in unavailable ranges\n",
            stdout);
    }

    [Fact]
    public void UnknownKernelParametersAreWarnedAbout()
    {
        var (exit, _, stderr) = ZonelabProcess.Run("layout", "--mem", "2G", "--format", "json", "--", "frobnicate=1");
        Assert.Equal(0, exit);
        Assert.Contains("frobnicate=1", stderr);
    }

    [Theory]
    [InlineData("no-e820", "[    0.000000] Linux version 6.1.0\n[    0.000000] Command line: quiet\n", "no-e820.txt: no 'BIOS-e820:' lines")]
    [InlineData("garbled", "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n[    0.000000] BIOS-e820: [mem 0x00000000zz-0x1] usable\n", "garbled.txt:2: unreadable e820 line")]
    [InlineData("overlap", "BIOS-e820: [mem 0x0000000000000000-0x000000007fffffff] usable\nBIOS-e820: [mem 0x0000000070000000-0x00000000bfffffff] reserved\n", "overlap.txt:2: BIOS-e820 entry")]
    [InlineData("badtype", "BIOS-e820: [mem 0x0000000000000000-0x000000007fffffff] bananas\n", "badtype.txt:1: unknown e820 type 'bananas'")]
    public void BadBootLogsGiveOneLineAndExitCode2(string name, string text, string expected)
    {
        string path = ZonelabProcess.WriteTemp(name + ".txt", text);
        var (exit, stdout, stderr) = ZonelabProcess.Run("layout", "--dmesg", path);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        string line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Theory]
    [InlineData(new[] { "layout", "--mem", "8Q" }, "--mem: '8Q' is not a size")]
    [InlineData(new[] { "layout", "--mem", "4G", "--numa", "1G,2G" }, "--numa: node sizes add up to 3G but --mem is 4G")]
    [InlineData(new[] { "layout", "--mem", "4G", "--machine", "virt" }, "--machine: 'virt' is not a machine type")]
    [InlineData(new[] { "layout" }, "no machine given")]
    [InlineData(new[] { "layout", "--dmesg", "/nonexistent/boot.log" }, "/nonexistent/boot.log: file not found")]
    [InlineData(new[] { "layout", "--mem", "2G", "--format", "yaml" }, "--format: 'yaml' is not a format")]
    public void BadArgumentsGiveOneLineAndExitCode2(string[] args, string expected)
    {
        var (exit, _, stderr) = ZonelabProcess.Run(args);
        Assert.Equal(2, exit);
        string line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, line);
    }

    [Fact]
    public void ZoneinfoOfAnotherMachineIsRejected()
    {
        string zi = ZonelabProcess.WriteTemp("zi.txt",
            "Node 0, zone      DMA\n  pages free     3776\n        spanned  4095\n        present  3998\n        managed  3840\n" +
            "Node 1, zone   Normal\n  pages free     1\n        spanned  262144\n        present  262144\n        managed  250000\n");
        var (exit, _, stderr) = ZonelabProcess.Run("layout", "--mem", "2G", "--zoneinfo", zi);
        Assert.Equal(2, exit);
        Assert.Contains("zi.txt:6: node 1 zone Normal has 262144 present pages but the modelled machine has no such zone", stderr);
    }
}
