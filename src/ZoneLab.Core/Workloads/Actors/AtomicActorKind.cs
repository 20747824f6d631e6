using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>atomic</c> actor kind: <c>GFP_ATOMIC</c> bursts (<see cref="AtomicActor"/>).</summary>
internal sealed class AtomicActorKind : ActorKind<AtomicActor>
{
    /// <inheritdoc/>
    public override string Name => "atomic";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["order", "burst", "interval", "lifetime"];

    internal override ScenarioActor Read(ActorReader r) => new AtomicActor
    {
        Name = r.Name,
        Order = (int)(r.Node.Integer("order", 0, 3) ?? 0),
        Burst = r.RequiredDist("burst", QuantityUnit.Count),
        Interval = r.RequiredDist("interval", QuantityUnit.Seconds),
        Lifetime = r.RequiredDist("lifetime", QuantityUnit.Seconds),
    };

    internal override void Write(AtomicActor a, ScenarioYamlWriter w)
    {
        w.Integer("order", a.Order);
        w.Dist("burst", a.Burst);
        w.Dist("interval", a.Interval);
        w.Dist("lifetime", a.Lifetime);
    }

    internal override void Step(Sim sim, ActorState st, AtomicActor a, in ActorTick t) => sim.StepAtomic(st, a, t.End, t.PhaseEnd);
}
