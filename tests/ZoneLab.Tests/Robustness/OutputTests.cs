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
    public async Task ASignalStopsTheRunSaysSoAndLeavesTheEarlierReport(string signal, int exit)
    {
        string dir = Path.Combine(RobustFiles.Dir, "signal-" + signal);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "run.json"), "earlier");
        // env --default-signal: a test run started in the background of a non-interactive shell (`.ci/run &`)
        // inherits SIGINT ignored, and the runtime leaves an ignored SIGINT ignored, as a background job should; the
        // tool's own handling is what is tested here (env execs dotnet: the same pid)
        var psi = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "zonelab.dll"), "compare", "kbuild-1g-cma512", "--out", dir })
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
        _ = await stdout;
        Assert.Equal(exit, p.ExitCode);
        Assert.Contains($"interrupted by SIG{signal}", err);
        Assert.DoesNotContain("   at ", err);
        Assert.Equal("earlier", File.ReadAllText(Path.Combine(dir, "run.json")));
        Assert.Empty(Directory.GetFileSystemEntries(RobustFiles.Dir, $".signal-{signal}.zonelab-*"));
    }

    [Fact]
    public void WithoutThePlottingNativeTheReportIsWrittenWithoutPngs()
    {
        string dir = Path.Combine(RobustFiles.Dir, "no-native-out");
        (int exit, string err) = RunWithoutPlottingNative("compare", OptionTests.ShortScenario(), "--designs", "gcma", "--out", dir);
        Assert.True(exit == 0, err);
        Assert.Contains("PNG plots skipped", err);
        Assert.True(File.Exists(Path.Combine(dir, "report.md")));
        Assert.True(File.Exists(Path.Combine(dir, "report.html")));
        Assert.Empty(Directory.GetFiles(dir, "*.png"));
    }

    [Fact]
    public void WithoutThePlottingNativeASweepWritesItsSummaryWithoutPngs()
    {
        // the sweep's plots were drawn unguarded: the run ended in an internal error after every point had run,
        // with no summary.md and a plots.PID.tmp folder left behind
        string grid = RobustFiles.Write("no-native-grid.yaml", ["scenario: " + OptionTests.ShortScenario(), "axes:",
            "  cmdline.cma: [64M, 128M]", "designs: [gcma]", "seeds: {from: 1, count: 1}", "metrics: [cma_alloc.success]"]);
        string dir = Path.Combine(RobustFiles.Dir, "no-native-sweep");
        (int exit, string err) = RunWithoutPlottingNative("sweep", grid, "--out", dir);
        Assert.True(exit == 0, err);
        Assert.Equal(1, CountOf(err, "PNG plots skipped"));
        Assert.True(File.Exists(Path.Combine(dir, "summary.md")));
        Assert.True(File.Exists(Path.Combine(dir, "results.parquet")));
        Assert.Empty(Directory.GetFiles(dir, "*.png", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.GetDirectories(dir), d => Path.GetFileName(d).StartsWith("plots.", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutThePlottingNativeSizeAnswersWithoutItsPlot()
    {
        string png = Path.Combine(RobustFiles.Dir, "no-native-size.png");
        (int exit, string err) = RunWithoutPlottingNative("size", OptionTests.ShortScenario(), "--vary", "cma", "--goal", "cma_alloc.success==100%",
            "--designs", "gcma", "--min", "64M", "--max", "128M", "--step", "64M", "--plot", png);
        Assert.True(exit == 0, err);
        Assert.Contains("PNG plots skipped", err);
        Assert.DoesNotContain("wrote", err);
        Assert.False(File.Exists(png));
        Assert.Empty(Directory.GetFiles(RobustFiles.Dir, ".no-native-size.png.zonelab-*"));
    }

    [Fact]
    public void SizeSaysWhichSizesTheKernelCannotReserve()
    {
        // a 1 GiB machine: a 2 GiB CMA area exceeds the memblock limit (cma_declare_contiguous_nid: base + size > limit),
        // so at that size there is no area and the goal fails for the machine's reason, not the workload's
        InProcessResult r = RobustFiles.Run("size", OptionTests.ShortScenario(), "--vary", "cma", "--goal", "cma_alloc.success==100%",
            "--designs", "migrate-cma", "--seeds", "1", "--min", "2G", "--max", "2G", "--step", "1G", "--format", "json");
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("the kernel cannot reserve 2G on this machine", r.Out);
    }

    [Fact]
    public void SizeRefusesAnUnwritablePlotPathBeforeItSearches()
    {
        InProcessResult r = RobustFiles.Run("size", OptionTests.ShortScenario(), "--vary", "cma", "--goal", "cma_alloc.success==100%",
            "--designs", "gcma", "--plot", "/nonexistent/size.png");
        Assert.Equal(2, r.Exit);
        Assert.Contains("--plot /nonexistent/size.png", r.Err);
        // refused before the first run: the error is the only line (the search prints a line per evaluated size)
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    // the managed assemblies alone, as a single-file binary copied without libSkiaSharp.so would run
    private static (int Exit, string Err) RunWithoutPlottingNative(params string[] args)
    {
        string bin = Path.Combine(RobustFiles.Dir, "no-native");
        Directory.CreateDirectory(bin);
        foreach (string f in Directory.GetFiles(AppContext.BaseDirectory).Where(f => f.EndsWith(".dll") || f.EndsWith(".json")))
        {
            File.Copy(f, Path.Combine(bin, Path.GetFileName(f)), overwrite: true);
        }
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(bin, "zonelab.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        Task<string> o = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        _ = o.Result;
        return (p.ExitCode, err);
    }

    private static int CountOf(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }
}
