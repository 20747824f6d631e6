using BenchmarkDotNet.Attributes;
using ZoneLab.Cli.Sweep;

namespace ZoneLab.Benchmarks;

/// <summary>
/// Sweep throughput on the shipped grid (scenarios/sweeps/android-camera-cma.yaml): the six designs at cma=512M, seed
/// 1 (points 90, 95, ..., 115: 80 s simulated each), run as a sweep runs them, on 1 and on 2 cores. Runs per second per
/// core = 6 / (mean seconds x Jobs); the speed-up from 1 to 2 cores is the ratio of the two means.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SweepBenchmarks
{
    private static readonly int[] s_points = [90, 95, 100, 105, 110, 115];
    private SweepPlan _plan = null!;

    /// <summary>Points run at once.</summary>
    [Params(1, 2)]
    public int Jobs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string? grid = null;
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d != null && grid == null; d = d.Parent)
        {
            string g = Path.Combine(d.FullName, "scenarios", "sweeps", "android-camera-cma.yaml");
            grid = File.Exists(g) ? g : null;
        }
        _plan = new SweepPlan(SweepGridLoader.LoadFile(grid ?? throw new FileNotFoundException("scenarios/sweeps/android-camera-cma.yaml")));
        if (_plan.Describe(_plan.Point(s_points[0])) != "cmdline.cma=512M, design=migrate-cma, seed=1")
        {
            throw new InvalidOperationException("the shipped grid changed: " + _plan.Describe(_plan.Point(s_points[0])));
        }
    }

    /// <summary>Six points of the grid on <see cref="Jobs"/> cores.</summary>
    [Benchmark]
    public int SixDesigns()
    {
        var rows = new SweepRow[s_points.Length];
        Parallel.For(0, s_points.Length, new ParallelOptions { MaxDegreeOfParallelism = Jobs }, i => rows[i] = _plan.Run(s_points[i]));
        return rows.Length;
    }
}
