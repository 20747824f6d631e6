using System.Diagnostics;

namespace ZoneLab.Workloads.Actors;

/// <summary>
/// The one registration of every actor kind: to add a kind, write its record and its <see cref="ActorKind{T}"/> (own
/// files) and add one line to <see cref="All"/>. A type name or record without a registration fails loudly
/// (<see cref="UnreachableException"/>); a test checks that every <see cref="ScenarioActor"/> record is registered.
/// </summary>
public static class ActorKinds
{
    /// <summary>Every kind, in the order error messages list them.</summary>
    public static readonly IReadOnlyList<ActorKind> All =
    [
        new AnonActorKind(),
        new PageCacheActorKind(),
        new SlabActorKind(),
        new AtomicActorKind(),
        new ThpActorKind(),
        new CmaActorKind(),
        new GiganticActorKind(),
        new OfflineActorKind(),
        new OnlineActorKind(),
        new DropCachesActorKind(),
    ];

    private static readonly Dictionary<string, ActorKind> s_byName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The <c>type:</c> names, in registration order.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(k => k.Name).ToArray();

    /// <summary>The kind named <paramref name="name"/>.</summary>
    /// <exception cref="UnreachableException">No kind of that name is registered.</exception>
    public static ActorKind For(string name) =>
        s_byName.TryGetValue(name, out ActorKind? k) ? k : throw new UnreachableException($"actor kind '{name}' is not registered in ActorKinds.All");

    /// <summary>The kind of <paramref name="actor"/>.</summary>
    public static ActorKind For(ScenarioActor actor)
    {
        ActorKind k = For(actor.Type);
        return k.ActorType == actor.GetType() ? k : throw new UnreachableException($"actor kind '{actor.Type}' is registered for {k.ActorType.Name}, not {actor.GetType().Name}");
    }
}
