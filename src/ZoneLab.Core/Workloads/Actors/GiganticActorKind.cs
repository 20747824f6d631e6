using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>gigantic</c> actor kind: gigantic pages (<see cref="GiganticActor"/>).</summary>
internal sealed class GiganticActorKind : ActorKind<GiganticActor>
{
    /// <inheritdoc/>
    public override string Name => "gigantic";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["count", "size", "hold"];

    internal override ScenarioActor Read(ActorReader r) => new GiganticActor
    {
        Name = r.Name,
        Count = (int)(r.Node.Integer("count", 1, 1 << 20) ?? 1),
        SizeBytes = r.Node.Quantity("size", QuantityUnit.Bytes, 0, double.MaxValue, minExclusive: true) ?? (1L << 30),
        Hold = r.Dist("hold", QuantityUnit.Seconds),
    };

    internal override void Write(GiganticActor a, ScenarioYamlWriter w)
    {
        w.Integer("count", a.Count);
        w.Quantity("size", a.SizeBytes, QuantityUnit.Bytes);
        w.Dist("hold", a.Hold);
    }

    internal override void Step(Sim sim, ActorState st, GiganticActor a, in ActorTick t) => sim.StepGigantic(st, a, t.PhaseEnd);
}
