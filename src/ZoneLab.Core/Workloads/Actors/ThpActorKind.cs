using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>thp</c> actor kind: transparent huge page faults (<see cref="ThpActor"/>).</summary>
internal sealed class ThpActorKind : ActorKind<ThpActor>
{
    /// <inheritdoc/>
    public override string Name => "thp";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["rate", "lifetime"];

    internal override ScenarioActor Read(ActorReader r) => new ThpActor
    {
        Name = r.Name,
        Rate = r.RequiredDist("rate", QuantityUnit.PerSecond),
        Lifetime = r.Dist("lifetime", QuantityUnit.Seconds),
    };

    internal override void Write(ThpActor a, ScenarioYamlWriter w)
    {
        w.Dist("rate", a.Rate);
        w.Dist("lifetime", a.Lifetime);
    }

    internal override void Step(Sim sim, ActorState st, ThpActor a, in ActorTick t) => sim.StepThp(st, a, t.Dt, t.PhaseEnd);
}
