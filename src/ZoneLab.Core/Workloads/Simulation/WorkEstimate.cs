using ZoneLab.Layout;

namespace ZoneLab.Workloads.Simulation;

/// <summary>
/// How much work a scenario asks of the engine, estimated from its mean rates before it runs: ticks (phases ×
/// duration / tick) and page operations (allocations and frees the actors' mean rates imply). A scenario beyond
/// <see cref="MaxTicks"/> or <see cref="MaxOperations"/> is refused up front with the numbers, instead of running
/// for hours with growing memory.
/// </summary>
public static class WorkEstimate
{
    /// <summary>Most simulation steps accepted: 10^7 (about 11.6 simulated days at the default 0.1 s tick).</summary>
    public const double MaxTicks = 1e7;

    /// <summary>
    /// Most page operations accepted: 2·10^9, about 10-30 minutes of engine time at the measured 0.1-1 µs per
    /// operation and ~1,000 times the built-in scenarios' largest (kbuild-1g-cma512).
    /// </summary>
    public const double MaxOperations = 2e9;

    /// <summary>The estimate: steps and page operations.</summary>
    public static (double Ticks, double Operations) Of(Scenario s, double tickSeconds)
    {
        double ticks = 0, ops = 0;
        foreach (ScenarioPhase p in s.Phases)
        {
            ticks += Math.Ceiling(p.DurationSeconds / tickSeconds);
            foreach (ScenarioActor a in p.Actors)
            {
                double active = Math.Max(0, Math.Min(a.StopSeconds ?? p.DurationSeconds, p.DurationSeconds) - a.StartSeconds);
                ops += 2 * active * a switch
                {
                    // pages per second (order-0 allocations; each freed once)
                    AnonActor x => x.Rate.Mean / Page.Size,
                    PageCacheActor x => x.Rate.Mean / Page.Size,
                    SlabActor x => x.Rate.Mean,
                    ThpActor x => x.Rate.Mean,
                    AtomicActor x => x.Burst.Mean / Math.Max(x.Interval.Mean, double.Epsilon),
                    // a cma_alloc migrates up to its size in pages
                    CmaActor x => x.Count * (x.SizeBytes / Page.Size) / Math.Max(x.PeriodSeconds ?? p.DurationSeconds, double.Epsilon),
                    GiganticActor x => x.Count * (x.SizeBytes / Page.Size) / Math.Max(p.DurationSeconds, double.Epsilon),
                    _ => 0,
                };
            }
        }
        return (ticks, ops);
    }

    /// <summary>Throws a <see cref="ZoneLabInputException"/> naming the scenario when its estimate is beyond the limits.</summary>
    public static void Check(Scenario s, double tickSeconds, string tickOption = "--tick", int runs = 1)
    {
        if (!(tickSeconds > 0) || double.IsInfinity(tickSeconds) || tickSeconds > 60)
        {
            throw new ZoneLabInputException(tickOption, $"expected a positive number of simulated seconds per step, at most 60, got {tickSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
        (double ticks, double ops) = Of(s, tickSeconds);
        string source = s.SourcePath ?? s.Name;
        if (!(ticks <= MaxTicks))
        {
            throw new ZoneLabInputException(source, $"{s.DurationSeconds:G4} s simulated in {tickSeconds:G4} s steps is {ticks:G3} steps; the simulator takes at most {MaxTicks:G2} (shorten the phases or raise --tick)");
        }
        if (!(ops <= MaxOperations))
        {
            throw new ZoneLabInputException(source, $"the actors' mean rates imply about {ops:G3} page allocations and frees; the simulator takes at most {MaxOperations:G2} (lower the rates or shorten the phases)");
        }
        MachineWork.Check(s, runs); // the work that grows with the machine, not with the rates
    }
}
