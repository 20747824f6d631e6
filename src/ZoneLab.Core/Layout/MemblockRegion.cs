namespace ZoneLab.Layout;

/// <summary>
/// A region of <c>memblock.memory</c> after <c>memblock_trim_memory(PAGE_SIZE)</c>, in pfns, with the node it
/// was assigned by <c>memblock_set_node()</c> and the flags the firmware gave it (MEMBLOCK_HOTPLUG from an
/// SRAT hot-pluggable entry, MEMBLOCK_MIRROR from EFI mirrored memory, MEMBLOCK_MOVABLE for a Designated Movable
/// Block of the DMB patch set).
/// </summary>
public readonly record struct MemblockRegion(ulong StartPfn, ulong EndPfn, int Nid, bool Hotplug = false, bool Mirror = false, bool Movable = false)
{
    /// <summary>Pages in the region.</summary>
    public ulong Pages => EndPfn - StartPfn;

    /// <summary>The region as a pfn range.</summary>
    public PfnRange Range => new(StartPfn, EndPfn);
}

/// <summary>A NUMA memory affinity block as firmware describes it (ACPI SRAT on x86): bytes <c>[Start, End)</c>.</summary>
public readonly record struct NumaMemBlock(ulong Start, ulong End, int Nid, bool Hotplug = false);
