using ZoneLab.Workloads.Simulation;
using Sim = ZoneLab.Workloads.Simulation.Simulation;

namespace ZoneLab.Workloads.Actors;

/// <summary>
/// Everything about one actor kind in one place: its YAML <c>type:</c> name, its keys, how a scenario file is read
/// into it, how it is written back, and what it does each simulation tick. Registered once in
/// <see cref="ActorKinds.All"/>; derive from <see cref="ActorKind{T}"/>.
/// </summary>
public abstract class ActorKind
{
    /// <summary>The YAML <c>type:</c> (equal to the record's <see cref="ScenarioActor.Type"/>).</summary>
    public abstract string Name { get; }

    /// <summary>The record this kind reads into.</summary>
    public abstract Type ActorType { get; }

    /// <summary>The keys of this kind besides the ones every actor has (<c>type, name, start, stop, access</c>).</summary>
    public abstract IReadOnlyList<string> Keys { get; }

    /// <summary>Reads the kind's own keys; the common keys are set by the loader afterwards.</summary>
    internal abstract ScenarioActor Read(ActorReader r);

    /// <summary>Writes the kind's own keys (the common ones are already written), so that <see cref="Read"/> gives the actor back.</summary>
    internal abstract void Write(ScenarioActor actor, ScenarioYamlWriter w);

    /// <summary>One tick of the actor while it is active.</summary>
    internal abstract void Step(Sim sim, ActorState st, ScenarioActor actor, in ActorTick tick);
}

/// <summary>An <see cref="ActorKind"/> whose record is <typeparamref name="T"/>.</summary>
public abstract class ActorKind<T> : ActorKind
    where T : ScenarioActor
{
    /// <inheritdoc/>
    public sealed override Type ActorType => typeof(T);

    /// <inheritdoc/>
    internal sealed override void Write(ScenarioActor actor, ScenarioYamlWriter w) => Write((T)actor, w);

    /// <inheritdoc/>
    internal sealed override void Step(Sim sim, ActorState st, ScenarioActor actor, in ActorTick tick) => Step(sim, st, (T)actor, tick);

    /// <summary>Writes the kind's own keys.</summary>
    internal abstract void Write(T actor, ScenarioYamlWriter w);

    /// <summary>One tick of the actor.</summary>
    internal abstract void Step(Sim sim, ActorState st, T actor, in ActorTick tick);
}
