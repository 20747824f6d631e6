using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>anon</c> actor kind: anonymous memory (<see cref="AnonActor"/>).</summary>
internal sealed class AnonActorKind : ActorKind<AnonActor>
{
    /// <inheritdoc/>
    public override string Name => "anon";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["rate", "lifetime", "pinned", "limit", "mappers"];

    internal override ScenarioActor Read(ActorReader r) => new AnonActor
    {
        Name = r.Name,
        Rate = r.RequiredDist("rate", QuantityUnit.BytesPerSecond),
        Lifetime = r.Dist("lifetime", QuantityUnit.Seconds),
        PinnedFraction = r.Node.Quantity("pinned", QuantityUnit.Fraction) ?? 0,
        LimitBytes = r.Node.Quantity("limit", QuantityUnit.Bytes, 0, double.MaxValue, minExclusive: true),
        Mappers = (int)(r.Node.Integer("mappers", 1, 1 << 20) ?? 1),
    };

    internal override void Write(AnonActor a, ScenarioYamlWriter w)
    {
        w.Dist("rate", a.Rate);
        w.Dist("lifetime", a.Lifetime);
        w.Quantity("pinned", a.PinnedFraction, QuantityUnit.Fraction);
        w.Quantity("limit", a.LimitBytes, QuantityUnit.Bytes);
        if (a.Mappers != 1)
        {
            w.Integer("mappers", a.Mappers);
        }
    }

    internal override void Step(Sim sim, ActorState st, AnonActor a, in ActorTick t) => sim.StepAnon(st, a, t.Dt, t.PhaseEnd);
}
