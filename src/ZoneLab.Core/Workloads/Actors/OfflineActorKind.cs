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
        w.Plain("blocks", a.Blocks.Count > 0 ? $"[{string.Join(", ", a.Blocks)}]" : a.BlockCount.ToString(CultureInfo.InvariantCulture));
    }

    internal override void Step(Sim sim, ActorState st, OfflineActor a, in ActorTick t) => sim.StepOffline(st, a);
}
