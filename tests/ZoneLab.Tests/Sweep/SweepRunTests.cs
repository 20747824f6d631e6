using System.Diagnostics;
using ZoneLab.Cli.Sweep;
using ZoneLab.Tests.Cli;

namespace ZoneLab.Tests.Sweep;

/// <summary>
/// <c>zonelab sweep</c> end to end on a small grid: results independent of the number of cores, resume after kill -9
/// and SIGTERM with no point lost, run twice or duplicated, shards and merge.
/// </summary>
public class SweepRunTests
{
    // 2 cma sizes x 2 designs x 4 seeds = 16 points of a 3 s scenario
    private const string Grid = """
        scenario: small-sweep.yaml
        axes:
          cmdline.cma: [32M, 64M]
        designs: [migrate-cma, carveout]
        seeds: {from: 1, count: 4}
        metrics: [cma_alloc.success, cma_alloc.p99, kernel_failures, cma_use]
        """;

    private static string Dir(string name)
    {
        string scenario = ZonelabProcess.WriteTemp("small-sweep.yaml", SweepGridLoaderTests.SmallScenario);
        string root = Path.GetDirectoryName(scenario)!;
        File.WriteAllText(Path.Combine(root, "run-grid.yaml"), Grid);
        string d = Path.Combine(root, name);
        if (Directory.Exists(d))
        {
            Directory.Delete(d, recursive: true);
        }
        return d;
    }

    private static string GridPath => Path.Combine(Path.GetDirectoryName(Dir("unused"))!, "run-grid.yaml");

    private static (int Exit, string Err) Sweep(params string[] args)
    {
        var (exit, _, err) = ZonelabProcess.Run(["sweep", GridPath, .. args]);
        return (exit, err);
    }

    private static List<string[]> Csv(string dir) =>
        [.. File.ReadAllLines(Path.Combine(dir, "results.csv")).Skip(1).Select(l => l.Split(','))];

    [Fact]
    public void RowsDoNotDependOnTheNumberOfCoresAndCoverEveryPointOnce()
    {
        string one = Dir("jobs-1"), two = Dir("jobs-2");
        Assert.Equal(0, Sweep("--out", one, "--jobs", "1").Exit);
        Assert.Equal(0, Sweep("--out", two, "--jobs", "2").Exit);
        Assert.Equal(File.ReadAllBytes(Path.Combine(one, "results.csv")), File.ReadAllBytes(Path.Combine(two, "results.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(one, "results.parquet")), File.ReadAllBytes(Path.Combine(two, "results.parquet")));

        List<string[]> rows = Csv(one);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => i.ToString()), rows.Select(r => r[0]));
        // point 6 = (cma 0 * 2 + design 1) * 4 + seed index 2: 32M, carveout, seed 3
        Assert.Equal(["6", "small-sweep", "carveout", "3", "32M", "33554432"], rows[6][..6]);
        // the scenario asks 2 x 8M every second for 3 s: a 32M carve-out always has room (16M held at most)
        Assert.Equal("1", rows[6][6]);
        Assert.Equal(["point", "scenario", "design", "seed", "cmdline_cma", "cmdline_cma_bytes", "cma_alloc_success", "cma_alloc_p99_ms",
            "kernel_failures", "cma_use", "tool_version"], File.ReadLines(Path.Combine(one, "results.csv")).First().Split(','));
        Assert.True(File.Exists(Path.Combine(one, "summary.md")));
        Assert.True(File.Exists(Path.Combine(one, "plots", "cma_alloc_p99_ms-vs-cmdline_cma.png")));
        Assert.Empty(Directory.GetFiles(Path.Combine(one, "parts")));
    }

    private static Process Start(string outDir)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "zonelab.dll"), "sweep", GridPath, "--out", outDir, "--jobs", "1" })
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi)!;
    }

    private static int Finished(string dir)
    {
        // what a resume would find: rows in results.parquet plus parts; each must be readable at any instant
        var manifest = SweepManifest.Read(Path.Combine(dir, "sweep.json"));
        return SweepStore.ReadRows(dir, manifest.ToShape().Columns, out _).Count;
    }

    private static void WaitForFirstPoint(string dir, Process p)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 120 && !p.HasExited)
        {
            string parts = Path.Combine(dir, "parts");
            if (Directory.Exists(parts) && Directory.GetFiles(parts, "*.json").Length > 0)
            {
                return;
            }
            Thread.Sleep(5);
        }
    }

    [Fact]
    public void KillNineMidwayThenTheSameCommandFinishesWithNothingLostOrRepeated()
    {
        string reference = Dir("ref-kill"), dir = Dir("killed");
        Assert.Equal(0, Sweep("--out", reference).Exit);
        using (Process p = Start(dir))
        {
            WaitForFirstPoint(dir, p);
            p.Kill(); // SIGKILL
            p.WaitForExit();
        }
        int before = Finished(dir);
        Assert.InRange(before, 1, 15);
        var (exit, err) = Sweep("--out", dir);
        Assert.True(exit == 0, err);
        // the resume ran exactly the points that had no row: none twice
        Assert.Contains($"16 points ({16 - before} run now)", err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "results.csv")), File.ReadAllBytes(Path.Combine(dir, "results.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "results.parquet")), File.ReadAllBytes(Path.Combine(dir, "results.parquet")));
    }

    [Fact]
    public void SigtermStopsAfterTheRunningPointsAndTheSameCommandResumes()
    {
        string dir = Dir("termed");
        int exit;
        string err;
        using (Process p = Start(dir))
        {
            WaitForFirstPoint(dir, p);
            Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
            err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            exit = p.ExitCode;
        }
        if (exit == 0)
        {
            return; // the sweep finished before the signal arrived: nothing to resume
        }
        Assert.Equal(143, exit);
        Assert.Contains("the same command resumes", err);
        int before = Finished(dir);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "parts"))); // folded into the results on the way out
        var (exit2, err2) = Sweep("--out", dir);
        Assert.True(exit2 == 0, err2);
        Assert.Contains($"16 points ({16 - before} run now)", err2);
    }

    [Fact]
    public void ShardsMergeIntoTheSingleRunAndRetriedShardsAreDeduplicated()
    {
        string single = Dir("single"), sharded = Dir("sharded"), retry = Dir("sharded-retry"), merged = Dir("merged"), merged2 = Dir("merged2"), partial = Dir("partial");
        Assert.Equal(0, Sweep("--out", single).Exit);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, Sweep("--out", sharded, "--shard", $"{i}/3").Exit);
        }
        Assert.Equal(0, Sweep("--out", retry, "--shard", "1/3").Exit);
        // shard 1 of 3 holds points 1, 4, 7, 10, 13 (p % 3 == 1)
        Assert.Equal(["1", "4", "7", "10", "13"], Csv(Path.Combine(retry, "shard-0001-of-0003")).Select(r => r[0]));

        var (exit, _, err) = ZonelabProcess.Run("sweep", "merge", sharded, "--out", merged);
        Assert.True(exit == 0, err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(single, "results.csv")), File.ReadAllBytes(Path.Combine(merged, "results.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(single, "results.parquet")), File.ReadAllBytes(Path.Combine(merged, "results.parquet")));

        (exit, _, err) = ZonelabProcess.Run("sweep", "merge", sharded, retry, "--out", merged2);
        Assert.True(exit == 0, err);
        Assert.Contains("5 duplicates dropped", err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(single, "results.csv")), File.ReadAllBytes(Path.Combine(merged2, "results.csv")));

        (exit, _, err) = ZonelabProcess.Run("sweep", "merge", Path.Combine(sharded, "shard-0000-of-0003"), Path.Combine(sharded, "shard-0001-of-0003"), "--out", partial);
        Assert.Equal(SweepCommand.Incomplete, exit);
        Assert.Contains("5 points missing: 2, 5, 8, 11, 14", err); // p % 3 == 2

        // a merged folder is a sweep folder: the same grid resumes it, running only the missing points
        var (exit3, err3) = Sweep("--out", partial);
        Assert.True(exit3 == 0, err3);
        Assert.Contains("16 points (5 run now)", err3);
        Assert.Equal(File.ReadAllBytes(Path.Combine(single, "results.csv")), File.ReadAllBytes(Path.Combine(partial, "results.csv")));
    }

    [Fact]
    public void AFolderOfAnotherSweepIsRefused()
    {
        string dir = Dir("other"), other = Dir("other-2");
        Assert.Equal(0, Sweep("--out", dir, "--shard", "0/8").Exit);
        string grid2 = Path.Combine(Path.GetDirectoryName(GridPath)!, "run-grid-2.yaml");
        File.WriteAllText(grid2, Grid.Replace("count: 4", "count: 3", StringComparison.Ordinal));
        var (exit, _, err) = ZonelabProcess.Run("sweep", grid2, "--out", dir, "--shard", "0/8");
        Assert.Equal(2, exit);
        Assert.Contains("holds another sweep", err);
        Assert.Equal(0, ZonelabProcess.Run("sweep", grid2, "--out", other, "--shard", "1/8").Exit);
        (exit, _, err) = ZonelabProcess.Run("sweep", "merge", dir, other, "--out", Dir("mixed"));
        Assert.Equal(2, exit);
        Assert.Contains("holds another sweep", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void DryRunJsonCountsThePoints()
    {
        var (exit, o, err) = ZonelabProcess.Run("sweep", GridPath, "--dry-run", "--format", "json");
        Assert.True(exit == 0, err);
        using var doc = System.Text.Json.JsonDocument.Parse(o);
        Assert.Equal(16, doc.RootElement.GetProperty("points").GetInt32());
        Assert.Equal(16, doc.RootElement.GetProperty("list").GetArrayLength());
        Assert.Equal("64M", doc.RootElement.GetProperty("list")[8].GetProperty("cmdline.cma").GetString());
    }
}
