using System.Globalization;
using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>slab</c> actor kind: slab pages (<see cref="SlabActor"/>).</summary>
internal sealed class SlabActorKind : ActorKind<SlabActor>
{
    /// <inheritdoc/>
    public override string Name => "slab";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["kind", "rate", "orders", "lifetime", "limit"];

    internal override ScenarioActor Read(ActorReader r)
    {
        r.Node.Required("kind");
        return new SlabActor
        {
            Name = r.Name,
            Reclaimable = r.Node.Choice("kind", ["unmovable", "reclaimable"]) == "reclaimable",
            Rate = r.RequiredDist("rate", QuantityUnit.PerSecond),
            OrderWeights = r.Orders(),
            Lifetime = r.Dist("lifetime", QuantityUnit.Seconds),
            LimitBytes = r.Node.Quantity("limit", QuantityUnit.Bytes, 0, double.MaxValue, minExclusive: true),
        };
    }

    internal override void Write(SlabActor a, ScenarioYamlWriter w)
    {
        w.Plain("kind", a.Reclaimable ? "reclaimable" : "unmovable");
        w.Dist("rate", a.Rate);
        w.List("orders", a.OrderWeights.Select(o => o.ToString("R", CultureInfo.InvariantCulture)));
        w.Dist("lifetime", a.Lifetime);
        w.Quantity("limit", a.LimitBytes, QuantityUnit.Bytes);
    }

    internal override void Step(Sim sim, ActorState st, SlabActor a, in ActorTick t) => sim.StepSlab(st, a, t.Dt, t.PhaseEnd);
}
