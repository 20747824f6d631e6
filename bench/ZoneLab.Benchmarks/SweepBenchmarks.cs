using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using ZoneLab.Cli.Sweep;

namespace ZoneLab.Benchmarks;

/// <summary>
/// Sweep throughput on the shipped grid (scenarios/sweeps/android-camera-cma.yaml): the seven designs at cma=512M, seed
/// 1 (point 135 = sticky-movable, then 105, 110, ..., 130: 80 s simulated each), run as a sweep runs them (one point
/// at a time handed to the next free worker, in order), on 1 and on 2 cores. Runs per second per core = 7 / (mean seconds x Jobs); the speed-up from 1 to 2 cores is the ratio of the two means. sticky-movable
/// costs about four times another design, so it is started first (the order a long sweep's tail does not feel; here,
/// with seven points, starting it last would leave one core idle for most of its run). An invocation takes seconds:
/// <c>--filter *SweepBenchmarks* --inProcess --warmupCount 1 --iterationCount 5 --invocationCount 1 --unrollFactor 1</c>.
/// </summary>
public class SweepBenchmarks
{
    private static readonly int[] s_points = [135, 105, 110, 115, 120, 125, 130];
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
        if (_plan.Describe(_plan.Point(s_points[1])) != "cmdline.cma=512M, design=migrate-cma, seed=1")
        {
            throw new InvalidOperationException("the shipped grid changed: " + _plan.Describe(_plan.Point(s_points[1])));
        }
        if (_plan.Point(s_points[0]).Design != "sticky-movable")
        {
            throw new InvalidOperationException("the shipped grid changed: point 135 is " + _plan.Describe(_plan.Point(s_points[0])));
        }
    }

    /// <summary>Seven points of the grid on <see cref="Jobs"/> cores.</summary>
    [Benchmark]
    public int SevenDesigns()
    {
        var rows = new SweepRow[s_points.Length];
        var po = new ParallelOptions { MaxDegreeOfParallelism = Jobs };
        Parallel.ForEach(Partitioner.Create(Enumerable.Range(0, s_points.Length), EnumerablePartitionerOptions.NoBuffering), po,
            i => rows[i] = _plan.Run(s_points[i]));
        return rows.Length;
    }
}
