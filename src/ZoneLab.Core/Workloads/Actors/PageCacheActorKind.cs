using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>page_cache</c> actor kind: page cache (<see cref="PageCacheActor"/>).</summary>
internal sealed class PageCacheActorKind : ActorKind<PageCacheActor>
{
    /// <inheritdoc/>
    public override string Name => "page_cache";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["rate", "lifetime", "dirty", "highmem", "limit"];

    internal override ScenarioActor Read(ActorReader r) => new PageCacheActor
    {
        Name = r.Name,
        Rate = r.RequiredDist("rate", QuantityUnit.BytesPerSecond),
        Lifetime = r.Dist("lifetime", QuantityUnit.Seconds),
        DirtyFraction = r.Node.Quantity("dirty", QuantityUnit.Fraction) ?? 0,
        Highmem = r.Node.Bool("highmem") ?? true,
        LimitBytes = r.Node.Quantity("limit", QuantityUnit.Bytes, 0, double.MaxValue, minExclusive: true),
    };

    internal override void Write(PageCacheActor a, ScenarioYamlWriter w)
    {
        w.Dist("rate", a.Rate);
        w.Dist("lifetime", a.Lifetime);
        w.Quantity("dirty", a.DirtyFraction, QuantityUnit.Fraction);
        w.Bool("highmem", a.Highmem);
        w.Quantity("limit", a.LimitBytes, QuantityUnit.Bytes);
    }

    internal override void Step(Sim sim, ActorState st, PageCacheActor a, in ActorTick t) => sim.StepPageCache(st, a, t.Dt);
}
