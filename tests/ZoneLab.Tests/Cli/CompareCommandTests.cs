using System.Text.Json;

namespace ZoneLab.Tests.Cli;

public class CompareCommandTests
{
    private const string Small = """
        name: small
        seed: 3
        machine: {mem: 512M, cmdline: "cma=64M"}
        designs: [migrate-cma, carveout, gcma]
        phases:
          - duration: 4s
            actors:
              - {type: anon, rate: 32M/s, lifetime: 2s}
              - {type: page_cache, rate: 16M/s}
              - {type: cma, device: cam, size: 8M, count: 2, period: 1s, hold: 500ms}
        """;

    [Fact]
    public void JsonIsByteIdenticalAcrossRuns()
    {
        string path = ZonelabProcess.WriteTemp("small.yaml", Small);
        var a = ZonelabProcess.Run("compare", path, "--format", "json");
        var b = ZonelabProcess.Run("compare", path, "--format", "json");
        Assert.Equal(0, a.Exit);
        Assert.Equal(a.Out, b.Out);
        using JsonDocument doc = JsonDocument.Parse(a.Out);
        JsonElement designs = doc.RootElement.GetProperty("designs");
        Assert.Equal(3, designs.GetArrayLength());
        Assert.Equal("carveout", designs[1].GetProperty("design").GetString());
        Assert.Equal(8, designs[1].GetProperty("device_successes").GetInt64());
        Assert.Equal(3, doc.RootElement.GetProperty("seed").GetInt64());
    }

    [Fact]
    public void TextListsDesignsAndSkipsUnavailableOnes()
    {
        string path = ZonelabProcess.WriteTemp("small-text.yaml", Small);
        var (exit, stdout, _) = ZonelabProcess.Run("compare", path, "--design", "carveout,migrate-cma", "--seed", "5");
        Assert.Equal(0, exit);
        Assert.Contains("scenario small, seed 5", stdout);
        Assert.True(stdout.IndexOf("carveout", StringComparison.Ordinal) < stdout.IndexOf("migrate-cma", StringComparison.Ordinal));
    }

    [Fact]
    public void PlotWritesAPng()
    {
        string path = ZonelabProcess.WriteTemp("small-plot.yaml", Small);
        string png = Path.Combine(Path.GetDirectoryName(path)!, "latency.png");
        var (exit, _, err) = ZonelabProcess.Run("compare", path, "--design", "migrate-cma,carveout", "--plot", png);
        Assert.True(exit == 0, err);
        byte[] head = File.ReadAllBytes(png)[..8];
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);
    }

    [Fact]
    public void BadScenarioIsOneLineWithFileAndLineAndExit2()
    {
        string path = ZonelabProcess.WriteTemp("bad.yaml", "machine: {mem: 1G}\nphases:\n  - duration: 1s\n    actors:\n      - {type: anon, rate: 64M}\n");
        var (exit, stdout, stderr) = ZonelabProcess.Run("compare", path);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Matches(@"bad\.yaml:5:\d+: ", line);
    }

    [Theory]
    [InlineData("no-such-scenario")]
    [InlineData("android-camera", "--design", "zone_cma")]
    [InlineData("android-camera", "--format", "xml")]
    public void BadArgumentsExit2(params string[] args)
    {
        var (exit, _, stderr) = ZonelabProcess.Run(["compare", .. args]);
        Assert.Equal(2, exit);
        Assert.StartsWith("zonelab: ", stderr);
    }
}
