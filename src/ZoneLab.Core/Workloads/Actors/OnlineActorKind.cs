using System.Globalization;
using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>The <c>online</c> actor kind: memory onlining (<see cref="OnlineActor"/>).</summary>
internal sealed class OnlineActorKind : ActorKind<OnlineActor>
{
    /// <inheritdoc/>
    public override string Name => "online";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Keys { get; } = ["blocks", "zone"];

    private static readonly string[] s_zones = ["movable", "kernel"];

    internal override ScenarioActor Read(ActorReader r)
    {
        (IReadOnlyList<int> blocks, int count) = r.Blocks();
        return new OnlineActor
        {
            Name = r.Name,
            Blocks = blocks,
            BlockCount = count,
            Movable = (r.Node.Choice("zone", s_zones) ?? "movable") == "movable",
        };
    }

    internal override void Write(OnlineActor a, ScenarioYamlWriter w)
    {
        if (a.Blocks.Count > 0)
        {
            w.List("blocks", a.Blocks.Select(b => b.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            w.Integer("blocks", a.BlockCount);
        }
        w.Plain("zone", a.Movable ? "movable" : "kernel");
    }

    internal override void Step(Sim sim, ActorState st, OnlineActor a, in ActorTick t) => sim.StepOnline(st, a);
}
