namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab layout --design NAME</c>: each design's zones (arm64 virt 4 GiB, <c>cma=64M@0x80000000</c>).</summary>
public class LayoutDesignCommandTests
{
    [Fact]
    public void ZoneCmaZoneinfoHasACmaZoneAndDmaLosesTheArea()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--arch", "arm64", "--mem", "4G", "--design", "zone-cma", "--format", "zoneinfo", "--", "cma=64M@0x80000000");
        Assert.Equal(0, exit);
        Assert.Contains("Node 0, zone      CMA", stdout);
        string cma = stdout[stdout.IndexOf("zone      CMA", StringComparison.Ordinal)..];
        Assert.Contains("spanned  16384", cma);
        Assert.Contains("present  16384", cma);
        // ZONE_DMA keeps its span (786,432) but 16,384 fewer present pages
        Assert.Contains("present  770048", stdout);
    }

    [Theory]
    [InlineData("cma-in-movable")]
    [InlineData("dmb")]
    public void MovableSpansTheArea(string design)
    {
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--arch", "arm64", "--mem", "4G", "--design", design, "--format", "json", "--", "cma=64M@0x80000000");
        Assert.Equal(0, exit);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var movable = doc.RootElement.GetProperty("nodes")[0].GetProperty("zones").EnumerateArray().Single(z => z.GetProperty("name").GetString() == "Movable");
        Assert.Equal((0x80000UL, 16384UL, 16384UL), (movable.GetProperty("start_pfn").GetUInt64(), movable.GetProperty("spanned").GetUInt64(), movable.GetProperty("present").GetUInt64()));
    }

    [Fact]
    public void UnknownDesignIsOneLineExit2()
    {
        var (exit, _, stderr) = ZonelabProcess.Run("layout", "--arch", "arm64", "--mem", "1G", "--design", "nope");
        Assert.Equal(2, exit);
        Assert.Contains("not a design", stderr);
    }
}
