using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Reclaim;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Metrics;

/// <summary>
/// Runs a scenario on one design: a deterministic discrete-time loop (docs/scenarios.md, "Simulation"). Each tick every
/// active actor draws from its distributions with its own seeded random stream and allocates or frees through the
/// engine with its GFP mask and page use; expired blocks are freed first. Reclaim and compaction run inside the
/// allocator through <see cref="ReclaimModel"/>. The same scenario, design and seed give the same report. It sits in
/// Metrics, above the simulation it drives: the simulation records through <see cref="ISimulationRecorder"/>, which
/// <see cref="MetricsCollector"/> implements.
/// </summary>
public static class SimulationRunner
{
    /// <summary>Runs <paramref name="scenario"/> on <paramref name="design"/>; an unavailable design gives a skipped report.</summary>
    /// <param name="scenario">The workload and machine.</param>
    /// <param name="design">The design to boot.</param>
    /// <param name="options">Tick length, seed override, base folder.</param>
    /// <param name="progress">Called with the fraction of simulated time done (0..1).</param>
    public static DesignReport Run(Scenario scenario, DesignKind design, SimulationOptions? options = null, Action<double>? progress = null)
    {
        options ??= new SimulationOptions();
        IDesign impl = DesignRegistry.For(design);
        BootLayout layout = options.From?.Layout(impl.Features) ?? ScenarioBoot.Layout(scenario.Machine, options.BaseDirectory, impl.Features);
        KernelVersion version = KernelVersions.Parse(scenario.Kernel);
        VmSysctls sysctls = ScenarioBoot.Sysctls(scenario.Machine);
        sysctls.PageAllocShuffle = Machine.ShuffleRequested(layout.CommandLine.Parameters);
        sysctls.ShuffleSeed = options.Seed ?? scenario.Seed;
        using DesignMachine dm = impl.Build(layout, version, sysctls, options.DebugChecks, (long)(scenario.Machine.Swap >> 12));
        if (options.From != null)
        {
            // the device's state before the first tick: its free lists, pageblocks and used memory
            Workloads.DeviceState.DeviceStateSeeder.Apply(dm.Machine, options.From.Plan(version));
        }
        var reclaim = new ReclaimModel(dm.Machine);
        reclaim.SynchronousKswapd = options.SynchronousKswapd;
        // LRU ages in ticks for the LRU-order table (ReclaimZoneStats)
        dm.Machine.TrackLruAges();
        reclaim.LruTickSeconds = options.TickSeconds;
        // the simulation reports to the collector it makes over its device buffers (Workloads does not know Metrics)
        MetricsCollector? metrics = null;
        var sim = new Simulation(scenario, dm, options, progress, held => metrics = new MetricsCollector(dm, held, reclaim), reclaim);
        sim.Run();
        DesignReport report = metrics!.Report(scenario);
        return layout.Warnings.Count == 0 ? report : report with { BootWarnings = layout.Warnings.ToList() };
    }

    /// <summary>
    /// Runs one of the scenario's <see cref="Scenario.Variants"/>: its design, booted with its command line appended
    /// to the machine's; the report carries the variant's name.
    /// </summary>
    public static DesignReport Run(Scenario scenario, ScenarioVariant variant, SimulationOptions? options = null, Action<double>? progress = null)
        => Run(variant.Apply(scenario), ScenarioDesigns.Kind(variant.Design), options, progress) with { Design = variant.Name };
}
