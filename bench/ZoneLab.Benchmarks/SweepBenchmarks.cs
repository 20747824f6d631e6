using BenchmarkDotNet.Attributes;
using ZoneLab.Cli.Sweep;

namespace ZoneLab.Benchmarks;

/// <summary>
/// Sweep throughput on the shipped grid (scenarios/sweeps/android-camera-cma.yaml): a quarter of it, points 105-174
/// (cma=512M and 640M, the seven designs, seeds 1-5: 70 runs of 80 s simulated), run as a sweep runs them (one point
/// at a time handed to the next free worker, longest design first: SweepQueue), on 1 and on 2 cores. Runs per second per core =
/// 70 / (mean seconds x Jobs); the speed-up from 1 to 2 cores is the ratio of the two means. A slice this long is what a
/// sweep is: its only idle core time is the tail, short since sticky-movable's runs (about 6.5 times another design's)
/// are taken first. Until round 14 the benchmark ran seven points (one per design), where sticky-movable alone was two
/// thirds of the work and bounded the two-core time from below. On a host whose core speed drifts over minutes the
/// ratio of the two means carries the drift (all one-core iterations run before the two-core ones): SweepScaling
/// (<c>--sweep-scaling</c>) measures the speed-up in interleaved pairs.
/// <c>--filter *SweepBenchmarks* --inProcess --warmupCount 1 --iterationCount 5 --invocationCount 1 --unrollFactor 1</c>.
/// </summary>
public class SweepBenchmarks
{
    private const int First = 105, Count = 70;
    private SweepPlan _plan = null!;

    /// <summary>Points run at once.</summary>
    [Params(1, 2)]
    public int Jobs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plan = new SweepPlan(SweepGridLoader.LoadFile(SweepScaling.FindGrid()));
        if (_plan.Describe(_plan.Point(First)) != "cmdline.cma=512M, design=migrate-cma, seed=1"
            || _plan.Describe(_plan.Point(First + Count - 1)) != "cmdline.cma=640M, design=sticky-movable, seed=5")
        {
            throw new InvalidOperationException("the shipped grid changed: points 105-174 are " + _plan.Describe(_plan.Point(First)) + " .. " + _plan.Describe(_plan.Point(First + Count - 1)));
        }
    }

    /// <summary>Seventy points of the grid, taken as a sweep takes them (SweepQueue), on <see cref="Jobs"/> cores.</summary>
    [Benchmark]
    public int QuarterGrid()
    {
        var rows = new SweepRow[Count];
        new SweepQueue(Enumerable.Range(First, Count), p => _plan.Point(p).Design).Drain(Jobs, p => rows[p - First] = _plan.Run(p));
        return rows.Length;
    }
}
