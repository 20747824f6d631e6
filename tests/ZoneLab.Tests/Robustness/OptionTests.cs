using System.Text.Json;

namespace ZoneLab.Tests.Robustness;

/// <summary>Issue 15's "Options that are silently wrong": each printed an unhelpful message or was silently misread.</summary>
[Collection(InProcessCollection.Name)]
public class OptionTests
{
    [Fact]
    public void AMistypedOptionBeforeTheDashesIsAnErrorWithTheNearestName()
    {
        string msg = RobustFiles.AssertInputError(RobustFiles.Run("layout", "--mem", "4G", "--formt", "json"));
        Assert.Contains("unknown option '--formt'", msg);
        Assert.Contains("did you mean '--format'?", msg);
    }

    [Fact]
    public void AnOptionTheCommandLacksIsAnError()
    {
        // watermarks has no --arch (proc had none either until it learned arm64): it used to become a kernel argument
        Assert.Contains("unknown option '--arch'", RobustFiles.AssertInputError(RobustFiles.Run("watermarks", "--arch", "arm64", "--mem", "4G")));
    }

    [Fact]
    public void KernelArgumentsAreTakenOnlyAfterTheDashes()
    {
        Assert.Contains("after --", RobustFiles.AssertInputError(RobustFiles.Run("layout", "--mem", "4G", "movablecore=1G")));
        InProcessResult ok = RobustFiles.Run("layout", "--mem", "4G", "--format", "json", "--", "movablecore=1G");
        Assert.Equal(0, ok.Exit);
        Assert.Contains("movablecore=1G", ok.Out);
    }

    [Fact]
    public void AnUnknownCommandSuggestsTheNearest()
    {
        Assert.Contains("did you mean 'layout'?", RobustFiles.AssertInputError(RobustFiles.Run("lyout")));
    }

    [Fact]
    public void ANonNumericSeedSaysSoInWords()
    {
        string msg = RobustFiles.AssertInputError(RobustFiles.Run("compare", "--seed", "abc"));
        Assert.Equal("zonelab: --seed: 'abc' is not an integer", msg);
    }

    [Fact]
    public void NoCommandPrintsTheUsage()
    {
        InProcessResult r = RobustFiles.Run();
        Assert.Equal(2, r.Exit);
        Assert.Contains("Usage:", r.Err);
        Assert.Contains("compare", r.Err);
    }

    [Fact]
    public void ShortAliasesNameTheLongOptions()
    {
        string scenario = ShortScenario();
        string dir = Path.Combine(RobustFiles.Dir, "short-alias-out");
        InProcessResult r = RobustFiles.Run("compare", scenario, "-d", "gcma", "-s", "7", "-o", dir);
        Assert.True(r.Exit == 0, r.Err + r.Crash);
        using JsonDocument d = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
        Assert.Equal(7, d.RootElement.GetProperty("seed").GetInt64());
        Assert.Equal("gcma", d.RootElement.GetProperty("designs")[0].GetProperty("design").GetString());
    }

    [Fact]
    public void ReplayPrintsTextByDefaultLikeEveryOtherCommand()
    {
        InProcessResult r = RobustFiles.Run("replay", FixturePath.Get("trace", "x86_64-6.1-kmem", "trace.txt"), "--mem", "256M");
        Assert.Equal(0, r.Exit);
        Assert.StartsWith("26116 events", r.Out); // the fixture's event lines (docs/trace.md)
    }

    [Fact]
    public void ReplayReadsTheCmdlineBesideTheTraceAndNamesAMissingArea()
    {
        // the fixture's traced kernel booted with hugetlb_cma=1G (its cmdline.txt): all 32 gigantic-page cma_alloc
        // calls fit once that command line is used
        string trace = FixturePath.Get("trace", "arm64-6.1-hugetlb-cma", "trace.txt.gz");
        InProcessResult r = RobustFiles.Run("replay", trace, "--arch", "arm64", "--mem", "2G", "--format", "json");
        Assert.True(r.Exit == 0, r.Err + r.Crash);
        Assert.Contains("cmdline.txt", r.Err);
        using (JsonDocument d = JsonDocument.Parse(r.Out))
        {
            Assert.Equal(32, d.RootElement.GetProperty("cma_allocations").GetInt64());
            Assert.Equal(0, d.RootElement.GetProperty("cma_failed").GetInt64());
        }
        // without it (an explicit empty --cmdline) the hugetlb areas are missing, and the warning names them
        InProcessResult without = RobustFiles.Run("replay", trace, "--arch", "arm64", "--mem", "2G", "--cmdline", "", "--format", "json");
        Assert.Equal(0, without.Exit);
        Assert.Contains("which this machine lacks", without.Err);
        Assert.Contains("hugetlb", without.Err);
    }

    [Fact]
    public void TheLayoutHeaderDoesNotClaimAZoneMovableThatIsNotThere()
    {
        InProcessResult none = RobustFiles.Run("layout", "--mem", "2G");
        Assert.Contains("no ZONE_MOVABLE, memory block", none.Out);
        Assert.DoesNotContain("carved from", none.Out);
        InProcessResult some = RobustFiles.Run("layout", "--mem", "2G", "--", "movablecore=512M");
        Assert.Contains("ZONE_MOVABLE carved from DMA32", some.Out);
    }

    internal static string ShortScenario()
    {
        return RobustFiles.Write("short.yaml", [
            "name: short", "machine:", "  mem: 1G", "  cmdline: cma=128M", "phases:", "  - name: p", "    duration: 5s", "    actors:",
            "      - {type: anon, name: a, rate: 16MiB/s}", "      - {type: cma, name: cam, device: isp, size: 8M, count: 2, period: 2s}"]);
    }
}
