using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>
/// The node order of every node's fallback zonelist, as mm/page_alloc.c of Linux 6.1 builds it:
/// <c>__build_all_zonelists()</c> clears <c>node_load[]</c> once, then <c>build_zonelists()</c> runs for each online
/// node in id order, taking nodes from <c>find_next_best_node()</c> (the local node first, then the smallest
/// <c>(node_distance + (n &lt; node) + PENALTY_FOR_NODE_WITH_CPUS if n has CPUs) * MAX_NUMNODES + node_load[n]</c>,
/// first lowest id on ties) and adding 1 to <c>node_load</c> of the first node of each new distance group
/// (accumulated across nodes since v5.16, 54d032ced983 "mm/page_alloc: use accumulated load when building node
/// fallback list"). The kernel prints the result as "Fallback order for Node N: a b c".
/// </summary>
public static class NodeFallbackOrder
{
    /// <summary>PENALTY_FOR_NODE_WITH_CPUS (mm/page_alloc.c).</summary>
    public const int PenaltyForNodeWithCpus = 1;

    /// <summary>MAX_NUMNODES, the multiplier of the distance in find_next_best_node: Debian builds with the largest, 1 &lt;&lt; 10.</summary>
    private const int MaxNumNodes = KernelLimits.MaxNumNodes;

    /// <summary>
    /// The node orders of nodes 0..<paramref name="nodeCount"/>-1; <paramref name="hasMemory"/> is N_MEMORY (only
    /// such nodes are candidates after the local one).
    /// </summary>
    public static int[][] Build(int nodeCount, Func<int, bool> hasMemory, NumaTopology topology)
    {
        var nodeLoad = new int[nodeCount];
        var result = new int[nodeCount][];
        var order = new List<int>(nodeCount);
        var used = new bool[nodeCount];
        for (int local = 0; local < nodeCount; local++)
        {
            order.Clear();
            Array.Clear(used);
            int prev = local;
            int node;
            while ((node = FindNextBestNode(local, used, hasMemory, topology, nodeLoad)) >= 0)
            {
                // "We don't want to pressure a particular node. So adding penalty to the first node in same
                // distance group to make it round-robin."
                if (topology.Distance(local, node) != topology.Distance(local, prev))
                {
                    nodeLoad[node]++;
                }
                order.Add(node);
                prev = node;
            }
            result[local] = order.ToArray();
        }
        return result;
    }

    /// <summary>The kernel's "Fallback order for Node N: ..." line (pr_info + pr_cont, trailing space kept).</summary>
    public static string Line(int node, IReadOnlyList<int> order) => $"Fallback order for Node {node}: {string.Concat(order.Select(n => n + " "))}";

    // mirrors find_next_best_node()
    private static int FindNextBestNode(int node, bool[] used, Func<int, bool> hasMemory, NumaTopology topology, int[] nodeLoad)
    {
        if (!used[node])
        {
            used[node] = true;
            return node;
        }
        long minVal = long.MaxValue;
        int best = -1;
        for (int n = 0; n < used.Length; n++)
        {
            if (used[n] || !hasMemory(n))
            {
                continue;
            }
            long val = topology.Distance(node, n);
            val += n < node ? 1 : 0; // "Penalize nodes under us ("prefer the next node")"
            if (topology.HasCpus(n))
            {
                val += PenaltyForNodeWithCpus; // "Give preference to headless and unused nodes"
            }
            val = val * MaxNumNodes + nodeLoad[n];
            if (val < minVal)
            {
                minVal = val;
                best = n;
            }
        }
        if (best >= 0)
        {
            used[best] = true;
        }
        return best;
    }
}
