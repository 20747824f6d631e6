namespace ZoneLab.Layout;

/// <summary>
/// What build_zonelists() reads about the nodes besides their zones: the distance table (<c>node_distance()</c>,
/// numa_distance[] on x86, the device tree's <c>distance-map</c> on arm64) and which nodes have CPUs
/// (<c>cpumask_of_node()</c>, for find_next_best_node's PENALTY_FOR_NODE_WITH_CPUS).
/// </summary>
public sealed class NumaTopology
{
    /// <summary>LOCAL_DISTANCE (include/linux/topology.h).</summary>
    public const int LocalDistance = 10;

    /// <summary>REMOTE_DISTANCE (include/linux/topology.h).</summary>
    public const int RemoteDistance = 20;

    private readonly int[,] _distance;
    private readonly bool[] _hasCpus;

    /// <summary>A topology of <paramref name="distance"/> (square, indexed by node id) and CPU nodes.</summary>
    public NumaTopology(int[,] distance, bool[] hasCpus, string source)
    {
        if (distance.GetLength(0) != distance.GetLength(1) || hasCpus.Length != distance.GetLength(0))
        {
            throw new ArgumentException("the distance table must be square and cover every node of hasCpus");
        }
        _distance = (int[,])distance.Clone();
        _hasCpus = (bool[])hasCpus.Clone();
        Source = source;
    }

    /// <summary>Where the distances came from ("default", "numa=fake", "distance-map", ...).</summary>
    public string Source { get; }

    /// <summary>Number of node ids the table covers (0..NodeIds-1).</summary>
    public int NodeIds => _hasCpus.Length;

    /// <summary>
    /// The default when no table was given: LOCAL_DISTANCE on the diagonal, REMOTE_DISTANCE elsewhere (x86
    /// __node_distance() without a SLIT, arm64 numa_set_distance() defaults) and no node with CPUs: when
    /// start_kernel() builds the zonelists, cpumask_of_node() is still empty on x86 (numa_add_cpu() runs at SMP
    /// bring-up, later). Real boots show it: with every vCPU on node 0 (x14, x15, x36 of the x86 fixtures), node 2
    /// still falls back to 0 before 1, which PENALTY_FOR_NODE_WITH_CPUS on node 0 would have reversed.
    /// </summary>
    public static NumaTopology Uniform(int nodeIds, Func<int, bool>? hasCpus = null)
    {
        var d = new int[nodeIds, nodeIds];
        var cpus = new bool[nodeIds];
        for (int i = 0; i < nodeIds; i++)
        {
            for (int j = 0; j < nodeIds; j++)
            {
                d[i, j] = i == j ? LocalDistance : RemoteDistance;
            }
            cpus[i] = hasCpus?.Invoke(i) ?? false;
        }
        return new NumaTopology(d, cpus, "default");
    }

    /// <summary><c>node_distance(from, to)</c>; REMOTE_DISTANCE (LOCAL on the diagonal) outside the table, as __node_distance does.</summary>
    public int Distance(int from, int to)
    {
        if ((uint)from >= (uint)NodeIds || (uint)to >= (uint)NodeIds)
        {
            return from == to ? LocalDistance : RemoteDistance;
        }
        return _distance[from, to];
    }

    /// <summary>Whether <c>cpumask_of_node(node)</c> is not empty.</summary>
    public bool HasCpus(int node) => (uint)node < (uint)NodeIds && _hasCpus[node];

    /// <summary>The distance table as /sys/devices/system/node/nodeN/distance prints it, one line per node.</summary>
    public IEnumerable<string> DistanceLines(IEnumerable<int> nodes)
    {
        int[] ids = nodes.ToArray();
        foreach (int i in ids)
        {
            yield return string.Join(' ', ids.Select(j => Distance(i, j).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}
