using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>drop_caches</c> actor kind: <c>drop_caches</c> writes (<see cref="DropCachesActor"/>).</summary>
internal sealed class DropCachesActorKind : ActorKind<DropCachesActor>
{
    /// <inheritdoc/>
    public override string Name => "drop_caches";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["mode"];

    internal override ScenarioActor Read(ActorReader r) => new DropCachesActor
    {
        Name = r.Name,
        Mode = (int)(r.Node.Integer("mode", 1, 3) ?? 3),
    };

    internal override void Write(DropCachesActor a, ScenarioYamlWriter w)
    {
        w.Integer("mode", a.Mode);
    }

    internal override void Step(Sim sim, ActorState st, DropCachesActor a, in ActorTick t) => sim.StepDropCaches(st, a);
}
