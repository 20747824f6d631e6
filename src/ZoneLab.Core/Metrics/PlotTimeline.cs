using ZoneLab.Workloads;

namespace ZoneLab.Metrics;

/// <summary>A scenario phase on the simulated time axis (seconds).</summary>
public readonly record struct PlotPhase(string Name, double Start, double End);

/// <summary>A device's request bursts: when each burst asks (seconds), its buffers per burst and their deadline.</summary>
public sealed record PlotDevice(string Name, IReadOnlyList<double> BurstTimes, int Count, double? DeadlineMs);

/// <summary>
/// What the plots need from the scenario besides the results: the phases (to shade them) and the devices' burst
/// times and deadlines (to mark them). Derived from the scenario file alone, so it adds nothing to report.json.
/// </summary>
public sealed record PlotTimeline(IReadOnlyList<PlotPhase> Phases, IReadOnlyList<PlotDevice> Devices)
{
    /// <summary>No phases, no devices.</summary>
    public static PlotTimeline Empty { get; } = new([], []);

    /// <summary>The timeline of a scenario: phases back to back, cma actors' bursts at start + k × period within their phase.</summary>
    public static PlotTimeline Of(Scenario s)
    {
        var phases = new List<PlotPhase>();
        var devices = new List<PlotDevice>();
        double t = 0;
        foreach (ScenarioPhase p in s.Phases)
        {
            phases.Add(new PlotPhase(p.Name, t, t + p.DurationSeconds));
            foreach (CmaActor a in p.Actors.OfType<CmaActor>())
            {
                var bursts = new List<double>();
                double stop = Math.Min(p.DurationSeconds, a.StopSeconds ?? p.DurationSeconds);
                for (double at = a.StartSeconds; at < stop && bursts.Count < 10_000; at += a.PeriodSeconds ?? double.PositiveInfinity)
                {
                    bursts.Add(t + at);
                }
                devices.Add(new PlotDevice(a.Device, bursts, a.Count, a.DeadlineSeconds * 1000));
            }
            t += p.DurationSeconds;
        }
        return new PlotTimeline(phases, devices);
    }
}
