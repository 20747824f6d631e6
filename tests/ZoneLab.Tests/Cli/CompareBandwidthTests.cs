using System.Text.Json;

namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab compare</c> with variants and the bandwidth model (built-in <c>stb-dual-memc</c>).</summary>
public class CompareBandwidthTests
{
    [Fact]
    public void VariantsRunUnderTheirNamesAndJsonIsByteIdentical()
    {
        var a = ZonelabProcess.Run("compare", "stb-dual-memc", "--format", "json");
        var b = ZonelabProcess.Run("compare", "stb-dual-memc", "--format", "json");
        Assert.True(a.Exit == 0, a.Err);
        Assert.Equal(a.Out, b.Out);
        using JsonDocument doc = JsonDocument.Parse(a.Out);
        JsonElement designs = doc.RootElement.GetProperty("designs");
        Assert.Equal(["no-movablecore", "movablecore-600M", "dmb-300M-each", "numa-2-nodes"], designs.EnumerateArray().Select(d => d.GetProperty("design").GetString()));
        // movablecore=600M: every user page on memc1 (see StbDualMemcTests): 12 GB/s there plus the kernel's 0.484 GB/s,
        // 12 x 8/12.484 GB/s achieved
        JsonElement bw = designs[1].GetProperty("bandwidth");
        Assert.Equal("memc1", bw.GetProperty("controllers")[1].GetProperty("name").GetString());
        Assert.Equal(12e9, bw.GetProperty("controllers")[1].GetProperty("workload_bytes_per_second").GetDouble(), 1);
        Assert.Equal(12e9 * 8 / 12.484, bw.GetProperty("achievable_bytes_per_second").GetDouble(), 1);
    }

    [Fact]
    public void DesignOptionStillRunsPlainDesignsAndTextHasTheBandwidthTable()
    {
        var (exit, stdout, err) = ZonelabProcess.Run("compare", "stb-dual-memc", "--design", "migrate-cma");
        Assert.True(exit == 0, err);
        Assert.Contains("memory-controller bandwidth (GB/s)", stdout);
        Assert.Contains("migrate-cma", stdout);
        Assert.DoesNotContain("no-movablecore", stdout);
    }

    [Fact]
    public void BandwidthPlotWritesAPng()
    {
        string dir = Path.GetDirectoryName(ZonelabProcess.WriteTemp("bw-dummy.yaml", "x"))!;
        string png = Path.Combine(dir, "bandwidth.png");
        var (exit, _, err) = ZonelabProcess.Run("compare", "stb-dual-memc", "--format", "json", "--bandwidth-plot", png);
        Assert.True(exit == 0, err);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, File.ReadAllBytes(png)[..8]);
    }
}
