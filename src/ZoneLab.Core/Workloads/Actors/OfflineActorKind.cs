using System.Globalization;
using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>offline</c> actor kind: memory offlining (<see cref="OfflineActor"/>).</summary>
internal sealed class OfflineActorKind : ActorKind<OfflineActor>
{
    /// <inheritdoc/>
    public override string Name => "offline";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["blocks"];

    internal override ScenarioActor Read(ActorReader r)
    {
        (IReadOnlyList<int> blocks, int count) = r.Blocks();
        return new OfflineActor { Name = r.Name, Blocks = blocks, BlockCount = count };
    }

    internal override void Write(OfflineActor a, ScenarioYamlWriter w)
    {
        if (a.Blocks.Count > 0)
        {
            w.List("blocks", a.Blocks.Select(b => b.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            w.Integer("blocks", a.BlockCount);
        }
    }

    internal override void Step(Sim sim, ActorState st, OfflineActor a, in ActorTick t) => sim.StepOffline(st, a);
}
