using BenchmarkDotNet.Attributes;
using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;

namespace ZoneLab.Benchmarks;

/// <summary>
/// The engine as a sweep point or <c>zonelab compare</c> runs it: the default scenario (scenarios/android-camera.yaml,
/// 80 s simulated in 0.1 s ticks) booted and run on one design, report included, on one core. One operation is one
/// simulated second (<c>OperationsPerInvoke</c> = the scenario's duration), so 1 s / the time per operation is the
/// simulated seconds per wall second per core ("x real time"). An invocation takes about a second, so run it with one
/// invocation per iteration, e.g. in the process (no second build):
/// <c>--filter *EngineBenchmarks* --inProcess --warmupCount 1 --iterationCount 5 --invocationCount 1 --unrollFactor 1</c>.
/// The measured quantity is the steady state a sweep runs at (thousands of runs in one process), so the global setup
/// first runs the design <see cref="SettleRuns"/> times: the engine's code reaches its final tier only after several
/// whole runs (tier 0, OSR, instrumented tier, then tier 1 with dynamic PGO; its per-run methods are called a few
/// times a run), and with one warmup invocation the five measured ones were runs 2-6, still 1.1-1.8x the settled time
/// (docs/sweeps.md, "Engine speed").
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private const int SimulatedSeconds = 80;

    // whole runs before BenchmarkDotNet's own warmup: with tiered compilation the per-run time of android-camera
    // settles by the sixth to eighth run in a process (measured: 12.3, 4.5, 4.3, 3.3, 2.7, 2.6, ... ms per simulated
    // second for migrate-cma; with DOTNET_TieredCompilation=0 it is settled from the second run on)
    private const int SettleRuns = 6;
    private Scenario _scenario = null!;

    /// <summary>The design (every registered one).</summary>
    [ParamsSource(nameof(Designs))]
    public DesignKind Design { get; set; }

    /// <summary>The registered designs in report order.</summary>
    public static IEnumerable<DesignKind> Designs => DesignRegistry.All.Select(d => d.Kind);

    [GlobalSetup]
    public void Setup()
    {
        _scenario = ScenarioLoader.LoadFile(FindScenario("android-camera.yaml"));
        if (Math.Abs(_scenario.DurationSeconds - SimulatedSeconds) > 1e-9)
        {
            throw new InvalidOperationException($"android-camera now simulates {_scenario.DurationSeconds} s, not {SimulatedSeconds}: update OperationsPerInvoke");
        }

        for (int r = 0; r < SettleRuns; r++)
        {
            SimulationRunner.Run(_scenario, Design);
        }
    }

    /// <summary>One run of android-camera on <see cref="Design"/>; per simulated second.</summary>
    [Benchmark(OperationsPerInvoke = SimulatedSeconds)]
    public long AndroidCamera() => SimulationRunner.Run(_scenario, Design).DeviceRequests;

    /// <summary>scenarios/NAME from the benchmark's folder upwards (the repository root).</summary>
    internal static string FindScenario(string name)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string f = Path.Combine(d.FullName, "scenarios", name);
            if (File.Exists(f))
            {
                return f;
            }
        }
        throw new FileNotFoundException("scenarios/" + name);
    }
}
