using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>cma</c> actor kind: a device's <c>cma_alloc</c> requests (<see cref="CmaActor"/>).</summary>
internal sealed class CmaActorKind : ActorKind<CmaActor>
{
    /// <inheritdoc/>
    public override string Name => "cma";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["device", "area", "size", "count", "period", "hold", "deadline"];

    internal override ScenarioActor Read(ActorReader r) => new CmaActor
    {
        Name = r.Name,
        Device = r.Node.RequiredString("device"),
        Area = r.Node.String("area"),
        SizeBytes = r.Node.QuantityOf(r.Node.Required("size"), r.Node.Child("size"), QuantityUnit.Bytes, 0, double.MaxValue, minExclusive: true),
        Count = (int)(r.Node.Integer("count", 1, 1 << 20) ?? 1),
        PeriodSeconds = r.Node.Quantity("period", QuantityUnit.Seconds, 0, double.MaxValue, minExclusive: true),
        Hold = r.Dist("hold", QuantityUnit.Seconds),
        DeadlineSeconds = r.Node.Quantity("deadline", QuantityUnit.Seconds, 0, double.MaxValue, minExclusive: true),
    };

    internal override void Write(CmaActor a, ScenarioYamlWriter w)
    {
        w.String("device", a.Device);
        w.String("area", a.Area);
        w.Quantity("size", a.SizeBytes, QuantityUnit.Bytes);
        w.Integer("count", a.Count);
        w.Quantity("period", a.PeriodSeconds, QuantityUnit.Seconds);
        w.Dist("hold", a.Hold);
        w.Quantity("deadline", a.DeadlineSeconds, QuantityUnit.Seconds);
    }

    internal override void Step(Sim sim, ActorState st, CmaActor a, in ActorTick t) => sim.StepCma(st, a, t.End, t.PhaseEnd);
}
