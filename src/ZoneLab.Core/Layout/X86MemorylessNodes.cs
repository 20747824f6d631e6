namespace ZoneLab.Layout;

/// <summary>A NUMA node the firmware describes (in the SRAT) that has no memory at boot.</summary>
/// <param name="Nid">The node id.</param>
/// <param name="HasCpus">The SRAT gives it processors ("SRAT: PXM p -> APIC a -> Node n").</param>
public readonly record struct MemorylessNode(int Nid, bool HasCpus);

/// <summary>
/// The x86 nodes that are possible but not online at free_area_init(): arch/x86/mm/numa.c sets
/// <c>node_possible_map = numa_nodes_parsed</c> (every SRAT processor and memory affinity entry marks its node
/// parsed), but numa_register_memblks() onlines only nodes whose numa_meminfo blocks hold memory below max_pfn.
/// </summary>
public static class X86MemorylessNodes
{
    /// <summary>
    /// The memoryless nodes of a machine whose node layout came from the SRAT (<paramref name="numaBlocks"/> not
    /// null); none when NUMA was off or not used (dummy_numa_init() makes only node 0).
    /// </summary>
    public static IReadOnlyList<MemorylessNode> Find(MachineDescription machine, IReadOnlyList<NumaMemBlock>? numaBlocks, IReadOnlyList<NodeLayout> online)
    {
        if (numaBlocks == null || machine.Srat.Count == 0)
        {
            return Array.Empty<MemorylessNode>();
        }
        var parsed = new SortedSet<int>(machine.SratCpuNodes);
        foreach (NumaMemBlock b in machine.Srat)
        {
            parsed.Add(b.Nid);
        }
        var cpus = new HashSet<int>(machine.SratCpuNodes);
        var onlineIds = new HashSet<int>(online.Select(n => n.Nid));
        return parsed.Where(n => !onlineIds.Contains(n)).Select(n => new MemorylessNode(n, cpus.Contains(n))).ToList();
    }
}
