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
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private const int SimulatedSeconds = 80;
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
