using System.Text.Json;

namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab explain</c> end to end: the JSON contract, several reports, no report, truncated reports.</summary>
public sealed class ExplainCommandTests
{
    private static string Fixture(string name) => FixturePath.Get("explain", name);

    [Fact]
    public void Json_HasTheContractKeys_ForEachReport()
    {
        var (exit, stdout, stderr) = ZonelabProcess.Run("explain", Fixture("x86_64-5.19-btrfs-order4-nofs.txt"), "--format", "json");
        Assert.True(exit == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement reports = doc.RootElement.GetProperty("reports");
        Assert.Equal(2, reports.GetArrayLength());
        JsonElement r = reports[0];
        Assert.Equal(1, r.GetProperty("line").GetInt32());
        Assert.Equal(4, r.GetProperty("order").GetInt32());
        Assert.Equal("GFP_NOFS|__GFP_COMP", r.GetProperty("gfp_flags").GetString());
        JsonElement z = r.GetProperty("zones")[0];
        // Normal of the first report (hand values in ExplainRealReportTests): free 31718, min 15990, reserve 0.
        Assert.Equal(0, z.GetProperty("node").GetInt32());
        Assert.Equal("Normal", z.GetProperty("zone").GetString());
        Assert.False(z.GetProperty("watermark_ok").GetBoolean());
        Assert.Equal(31718, z.GetProperty("free_pages").GetInt64());
        Assert.Equal(15990, z.GetProperty("min").GetInt64());
        Assert.Equal(0, z.GetProperty("lowmem_reserve").GetInt64());
        Assert.Equal(68, reports[1].GetProperty("line").GetInt32());
    }

    [Fact]
    public void Text_ListsEveryReport()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("explain", Fixture("x86_64-4.9-bcache-nowait-cma-quoted.txt"));
        Assert.Equal(0, exit);
        Assert.Contains("3 page allocation failure reports", stdout, StringComparison.Ordinal);
        Assert.Contains("line 1: bash:", stdout, StringComparison.Ordinal);
        Assert.Contains("line 74: kworker/4:197:", stdout, StringComparison.Ordinal);
        Assert.Contains("line 116: kworker/0:203:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void StandardInput_ReadsTheReportPipedIn()
    {
        // dmesg | zonelab explain -: the jz4780 report's header is "go: page allocation failure: order:5, mode:0x40cc0"
        // on line 6 of the paste, and 0x40cc0 is GFP_KERNEL|__GFP_COMP in 5.10's bit layout
        string text = File.ReadAllText(Fixture("mips32-5.10-jz4780-order5-cma.txt"));
        var (exit, stdout, stderr) = ZonelabProcess.RunWithInput(text, "explain", "-");
        Assert.True(exit == 0, stderr);
        Assert.StartsWith("stdin: 1 page allocation failure report", stdout, StringComparison.Ordinal);
        Assert.Contains("line 6: go: order 5, GFP_KERNEL|__GFP_COMP (mode 0x40cc0)", stdout, StringComparison.Ordinal);
        var (exitEmpty, _, errEmpty) = ZonelabProcess.RunWithInput(new string('x', 70 << 10), "explain", "-");
        Assert.Equal(2, exitEmpty);
        Assert.StartsWith("zonelab: stdin:1: line longer than 64 KiB", errEmpty, StringComparison.Ordinal);
    }

    [Fact]
    public void ArchPpc_IsAcceptedAndMatchesTheStackDumpsGuess()
    {
        // the ppc32 report's stack dump names a PowerMac, which the reader takes for ppc (DMA, Normal, HighMem):
        // forcing --arch ppc must give the same verdicts; the option used to refuse the value it documents
        string f = Fixture("ppc32-6.9-kswapd-pfmemalloc-quoted.txt");
        var (exitAuto, auto, _) = ZonelabProcess.Run("explain", f, "--format", "json");
        var (exitPpc, forced, err) = ZonelabProcess.Run("explain", f, "--format", "json", "--arch", "ppc");
        Assert.Equal(0, exitAuto);
        Assert.True(exitPpc == 0, err);
        Assert.Equal(auto, forced);
        var (exitArm64, arm64, _) = ZonelabProcess.Run("explain", f, "--format", "json", "--arch", "arm64");
        Assert.Equal(0, exitArm64);
        Assert.NotEqual(auto, arm64); // the option is read: arm64's zones (DMA32, no HighMem) give other verdicts
    }

    [Fact]
    public void NoReport_SaysSo_ExitZero()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("explain", Fixture("no-report-syzbot-rcu-stall-meminfo.txt"));
        Assert.Equal(0, exit);
        Assert.Contains("no page allocation failure report found", stdout, StringComparison.Ordinal);
        var (exitJson, json, _) = ZonelabProcess.Run("explain", Fixture("no-report-syzbot-rcu-stall-meminfo.txt"), "--format", "json");
        Assert.Equal(0, exitJson);
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Equal(0, doc.RootElement.GetProperty("reports").GetArrayLength());
    }

    [Fact]
    public void ReportCutBeforeItsZoneLines_IsExplainedFromTheRequest_Exit0()
    {
        var (exit, stdout, stderr) = ZonelabProcess.Run("explain", Fixture("truncated-android-cma-abridged.txt"), "--format", "json");
        Assert.True(exit == 0, stderr);
        // The header is on line 5 of the fixture; the paste has "..." where the Mem-Info was.
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement r = Assert.Single(doc.RootElement.GetProperty("reports").EnumerateArray());
        Assert.Equal(5, r.GetProperty("line").GetInt32());
        Assert.Equal("report cut short", r.GetProperty("class").GetString());
        Assert.Equal("it ends before 'Mem-Info:'", r.GetProperty("cut_short").GetString());
        Assert.Equal(0, r.GetProperty("zones").GetArrayLength());
        Assert.StartsWith("direct reclaim;", r.GetProperty("slow_path").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReportCutInsideTheBuddyLines_NamesTheZoneLine()
    {
        string[] lines = File.ReadAllLines(Fixture("x86_64-5.19-btrfs-order4-nofs.txt"));
        // Keep the first report up to its DMA32 buddy line (line 54): Normal (line 51 zone line) has no buddy line.
        string path = ZonelabProcess.WriteTemp("cut.txt", string.Join("\n", lines.Take(54)) + "\n");
        var (exit, _, stderr) = ZonelabProcess.Run("explain", path);
        Assert.Equal(2, exit);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("zonelab: cut.txt:51: truncated report: zone Normal of node 0 has no buddy", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_Exit2()
    {
        var (exit, _, stderr) = ZonelabProcess.Run("explain", "/nonexistent/dmesg.txt");
        Assert.Equal(2, exit);
        Assert.StartsWith("zonelab: /nonexistent/dmesg.txt: file not found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SameInput_ByteIdenticalOutput()
    {
        var a = ZonelabProcess.Run("explain", Fixture("arm64-5.10-rockpro64-order5-6-cma.txt"), "--format", "json");
        var b = ZonelabProcess.Run("explain", Fixture("arm64-5.10-rockpro64-order5-6-cma.txt"), "--format", "json");
        Assert.Equal(a.Out, b.Out);
    }
}
