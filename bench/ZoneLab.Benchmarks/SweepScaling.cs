using System.Diagnostics;
using System.Globalization;
using ZoneLab.Cli.Sweep;

namespace ZoneLab.Benchmarks;

/// <summary>
/// The sweep's speed-up from 1 to 2 cores measured in interleaved pairs: <c>--sweep-scaling [--pairs N] [--points A-B]
/// [--grid FILE]</c> (<c>--sequence 1,1,2,2</c> instead runs the slice on those worker counts in turn and prints each
/// run, to see whether a run's time is its own or its neighbours'). SweepBenchmarks runs every one-core iteration and then every two-core iteration, minutes apart; on a
/// virtual machine whose core speed drifts by tens of percent over minutes (measured on the development machine: the
/// same one-core sweep took 16.3 s and 22.0 s ten minutes apart), the ratio of those two means carries the drift. Here
/// each pair runs the same points on 1 and on 2 workers back to back, the order alternating from pair to pair, and the
/// speed-up is the median of the pairs' ratios. Each run also times every point, which splits the speed-up into what
/// the order allows (SweepQueue's order simulated with the one-worker point times on two workers: the idle tail) and
/// what the two workers cost each other (the measured two-worker time against that schedule).
/// </summary>
internal static class SweepScaling
{
    public static int Measure(string[] args)
    {
        int pairs = 5;
        string? grid = null;
        (int First, int Last)? range = null;
        int[]? sequence = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sweep-scaling":
                    break;
                case "--pairs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n is > 0 and <= 100:
                    pairs = n;
                    i++;
                    break;
                case "--points" when i + 1 < args.Length && ParseRange(args[i + 1]) is { } r:
                    range = r;
                    i++;
                    break;
                case "--sequence" when i + 1 < args.Length && args[i + 1].Split(',').All(j => j is "1" or "2"):
                    sequence = [.. args[++i].Split(',').Select(j => j == "1" ? 1 : 2)];
                    break;
                case "--grid" when i + 1 < args.Length:
                    grid = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"sweep-scaling: '{args[i]}': expected --pairs N (1-100), --points A-B, --sequence 1,2,... or --grid FILE");
                    return 2;
            }
        }

        grid ??= FindGrid();
        SweepPlan plan;
        try
        {
            plan = new SweepPlan(SweepGridLoader.LoadFile(grid));
        }
        catch (ZoneLabInputException e)
        {
            Console.Error.WriteLine($"sweep-scaling: {e.Message}");
            return 2;
        }
        (int first, int last) = range ?? (0, plan.Count - 1);
        if (first < 0 || last >= plan.Count || first > last)
        {
            Console.Error.WriteLine($"sweep-scaling: --points {first}-{last}: the grid has points 0-{plan.Count - 1}");
            return 2;
        }
        int count = last - first + 1;
        Console.WriteLine($"grid {grid}: points {first}-{last} ({count} runs), {pairs} pairs, {Environment.ProcessorCount} cores, load average {ZoneLab.Cli.BenchCommand.LoadAverage()}");

        // the steady state a sweep runs at: tiered compilation settles after a process's sixth to eighth run of a design
        // (docs/sweeps.md), so every design in the slice runs that often before the first pair
        Console.WriteLine("warm-up: the slice once on 2 workers, then its first point of each design 6 times");
        Run(plan, first, count, 2, out _);
        foreach (int p in FirstOfEachDesign(plan, first, last))
        {
            for (int k = 0; k < 6; k++)
            {
                plan.Run(p);
            }
        }

        if (sequence != null)
        {
            // diagnostics: the slice on the given worker counts in turn (is a run's time its own, or its neighbours'?)
            foreach (int j in sequence)
            {
                double t = Run(plan, first, count, j, out _, out double c);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{j} workers: {t:F3} s, CPU {c / count:F4} s/run"));
            }
            return 0;
        }

        var ratios = new List<double>();
        var orderBound = new List<double>();
        var contention = new List<double>();
        double sum1 = 0, sum2 = 0, cpu1 = 0, cpu2 = 0;
        Console.WriteLine("pair  order  1 worker s  2 workers s  speed-up  list-schedule s  CPU s/run 1w  CPU s/run 2w");
        for (int k = 0; k < pairs; k++)
        {
            bool oneFirst = k % 2 == 0;
            double t1 = 0, c1 = 0, t2 = 0, c2 = 0;
            double[] d1 = [];
            for (int half = 0; half < 2; half++)
            {
                if ((half == 0) == oneFirst)
                {
                    t1 = Run(plan, first, count, 1, out double[] d, out c1);
                    d1 = d;
                }
                else
                {
                    t2 = Run(plan, first, count, 2, out _, out c2);
                }
            }
            double bound = new SweepQueue(Enumerable.Range(first, count), p => plan.Point(p).Design).Simulate(p => d1[p - first], 2).Makespan;
            ratios.Add(t1 / t2);
            orderBound.Add(t1 / bound);
            contention.Add(bound / t2);
            sum1 += t1;
            sum2 += t2;
            cpu1 += c1;
            cpu2 += c2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{k + 1,4}  {(oneFirst ? "1,2" : "2,1"),5}  {t1,10:F3}  {t2,11:F3}  {t1 / t2,8:F3}  {bound,15:F3}  {c1 / count,12:F4}  {c2 / count,12:F4}"));
        }
        double med = Median(ratios);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"speed-up 1 -> 2 workers: median {med:F3} = {med / 2:F3} x cores (pairs {ratios.Min():F3}-{ratios.Max():F3}); " +
            $"the order allows {Median(orderBound):F3} (SweepQueue.Simulate of the one-worker point times), the two workers reach {Median(contention):F3} of it"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"runs per second per core: 1 worker {count * pairs / sum1:F2}, 2 workers {count * pairs / (sum2 * 2):F2}; " +
            $"process CPU per run: 1 worker {cpu1 / (count * pairs):F4} s, 2 workers {cpu2 / (count * pairs):F4} s; load average {ZoneLab.Cli.BenchCommand.LoadAverage()}"));
        return 0;
    }

    private static double Run(SweepPlan plan, int first, int count, int jobs, out double[] durations) => Run(plan, first, count, jobs, out durations, out _);

    // the slice on `jobs` workers as SweepRunner hands it out (SweepQueue: one point at a time, longest design first); wall seconds, each
    // point's seconds and the process's CPU seconds
    private static double Run(SweepPlan plan, int first, int count, int jobs, out double[] durations, out double cpu)
    {
        var d = new double[count];
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        TimeSpan pause0 = GC.GetTotalPauseDuration();
        int gc0 = GC.CollectionCount(0), gc2 = GC.CollectionCount(2);
        long t0 = Stopwatch.GetTimestamp();
        new SweepQueue(Enumerable.Range(first, count), p => plan.Point(p).Design).Drain(jobs, p =>
        {
            long s = Stopwatch.GetTimestamp();
            plan.Run(p);
            d[p - first] = Stopwatch.GetElapsedTime(s).TotalSeconds;
        });
        double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        Console.Error.WriteLine($"  {jobs} workers: GC pauses {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:F0} ms, gen0 {GC.CollectionCount(0) - gc0}, gen2 {GC.CollectionCount(2) - gc2}, sum of point times {d.Sum():F3} s");
        durations = d;
        return wall;
    }

    private static IEnumerable<int> FirstOfEachDesign(SweepPlan plan, int first, int last)
    {
        var seen = new HashSet<string>();
        for (int p = first; p <= last; p++)
        {
            if (seen.Add(plan.Point(p).Design))
            {
                yield return p;
            }
        }
    }

    private static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
    }

    private static (int, int)? ParseRange(string s)
    {
        string[] p = s.Split('-');
        return p.Length == 2 && int.TryParse(p[0], out int a) && int.TryParse(p[1], out int b) ? (a, b) : null;
    }

    /// <summary>The shipped grid, scenarios/sweeps/android-camera-cma.yaml, found above the benchmark's folder.</summary>
    internal static string FindGrid()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string g = Path.Combine(d.FullName, "scenarios", "sweeps", "android-camera-cma.yaml");
            if (File.Exists(g))
            {
                return g;
            }
        }
        throw new FileNotFoundException("scenarios/sweeps/android-camera-cma.yaml");
    }
}
