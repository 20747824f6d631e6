namespace ZoneLab.Workloads.Actors;

/// <summary>An actor's mapping while the loader reads it: its keys (checked against the kind's), its name and the loader's helpers.</summary>
internal sealed class ActorReader
{
    private readonly ScenarioLoader.Context _ctx;

    internal ActorReader(ScenarioNode node, string name, ScenarioLoader.Context ctx)
    {
        Node = node;
        Name = name;
        _ctx = ctx;
    }

    /// <summary>The actor's mapping, its keys limited to the common ones and the kind's.</summary>
    public ScenarioNode Node { get; }

    /// <summary>The actor's name (its <c>name:</c> or the type).</summary>
    public string Name { get; }

    /// <summary>A required distribution (a quantity or <c>{dist: ...}</c>).</summary>
    public ScenarioDistribution RequiredDist(string key, QuantityUnit unit) => ScenarioLoader.RequiredDist(Node, key, unit, _ctx);

    /// <summary>An optional distribution.</summary>
    public ScenarioDistribution? Dist(string key, QuantityUnit unit) => ScenarioLoader.Dist(Node, key, unit, _ctx);

    /// <summary>The slab <c>orders:</c> weights.</summary>
    public IReadOnlyList<double> Orders() => ScenarioLoader.ReadOrders(Node);

    /// <summary>The <c>blocks:</c> of offline/online: a list of block numbers, or a count.</summary>
    public (IReadOnlyList<int> Blocks, int Count) Blocks() => ScenarioLoader.ReadBlocks(Node, Node.Path);
}
