using System.Diagnostics;

namespace ZoneLab.Tests.Robustness;

/// <summary>Report folders appear whole: reused folders lose stale files, foreign folders are refused, signals stop cleanly.</summary>
[Collection(InProcessCollection.Name)]
public class OutputTests
{
    [Fact]
    public void AReusedReportFolderKeepsNoStaleFiles()
    {
        string dir = Path.Combine(RobustFiles.Dir, "reused");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "run.json"), "{}");
        File.WriteAllText(Path.Combine(dir, "pageblocks-dmb.png"), "stale");
        InProcessResult r = RobustFiles.Run("compare", OptionTests.ShortScenario(), "--designs", "gcma", "--out", dir);
        Assert.True(r.Exit == 0, r.Err + r.Crash);
        Assert.False(File.Exists(Path.Combine(dir, "pageblocks-dmb.png")));
        Assert.NotEqual("{}", File.ReadAllText(Path.Combine(dir, "run.json")));
        Assert.Empty(Directory.GetFileSystemEntries(RobustFiles.Dir, ".reused.zonelab-*"));
    }

    [Fact]
    public void AFolderThatIsNotAReportIsNotReplaced()
    {
        string dir = Path.Combine(RobustFiles.Dir, "foreign");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "thesis.tex"), "mine");
        Assert.Contains("not a ZoneLab report folder", RobustFiles.AssertInputError(RobustFiles.Run("compare", "--out", dir)));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "thesis.tex")));
    }

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public void ASignalStopsTheRunSaysSoAndLeavesTheEarlierReport(string signal, int exit)
    {
        string dir = Path.Combine(RobustFiles.Dir, "signal-" + signal);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "run.json"), "earlier");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "zonelab.dll"), "compare", "kbuild-1g-cma512", "--out", dir })
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        // wait for the first progress line: the designs are running
        string? first = p.StandardError.ReadLine();
        Assert.NotNull(first);
        using (Process kill = Process.Start("kill", ["-" + signal, p.Id.ToString()])!)
        {
            kill.WaitForExit();
        }
        string err = first + "\n" + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        _ = stdout.Result;
        Assert.Equal(exit, p.ExitCode);
        Assert.Contains($"interrupted by SIG{signal}", err);
        Assert.DoesNotContain("   at ", err);
        Assert.Equal("earlier", File.ReadAllText(Path.Combine(dir, "run.json")));
        Assert.Empty(Directory.GetFileSystemEntries(RobustFiles.Dir, $".signal-{signal}.zonelab-*"));
    }

    [Fact]
    public void WithoutThePlottingNativeTheReportIsWrittenWithoutPngs()
    {
        // the managed assemblies alone, as a single-file binary copied without libSkiaSharp.so would run
        string bin = Path.Combine(RobustFiles.Dir, "no-native");
        Directory.CreateDirectory(bin);
        foreach (string f in Directory.GetFiles(AppContext.BaseDirectory).Where(f => f.EndsWith(".dll") || f.EndsWith(".json")))
        {
            File.Copy(f, Path.Combine(bin, Path.GetFileName(f)), overwrite: true);
        }
        string dir = Path.Combine(RobustFiles.Dir, "no-native-out");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { Path.Combine(bin, "zonelab.dll"), "compare", OptionTests.ShortScenario(), "--designs", "gcma", "--out", dir })
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        Task<string> o = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        Assert.Contains("PNG plots skipped", err);
        Assert.True(File.Exists(Path.Combine(dir, "report.md")));
        Assert.True(File.Exists(Path.Combine(dir, "report.html")));
        Assert.Empty(Directory.GetFiles(dir, "*.png"));
        _ = o.Result;
    }
}
