namespace ZoneLab.Layout.DeviceTree;

/// <summary>What became of one <c>/reserved-memory</c> region at boot.</summary>
public enum ReservedMemoryOutcome
{
    /// <summary>Reserved (or nomap) with no driver claiming it: stays out of the buddy allocator.</summary>
    Reserved,

    /// <summary>A CMA area (rmem_cma_setup()); its pages go to the buddy allocator as MIGRATE_CMA.</summary>
    Cma,

    /// <summary>A Designated Movable Block (DMB series' rmem_dmb_setup()): MEMBLOCK_MOVABLE, freed to ZONE_MOVABLE.</summary>
    Dmb,

    /// <summary>A per-device coherent pool (rmem_dma_setup()); stays reserved.</summary>
    DmaCoherent,

    /// <summary>A restricted DMA pool (rmem_swiotlb_setup()); stays reserved.</summary>
    RestrictedDma,

    /// <summary>The init function refused it ("compatible matching fail"); the memory was given back.</summary>
    Released,

    /// <summary>A dynamic region that could not be allocated, or a node skipped for a malformed property.</summary>
    Failed,
}

/// <summary>One saved <c>struct reserved_mem</c> after fdt_init_reserved_mem().</summary>
public sealed record ReservedMemoryRegion(string Name, ulong Base, ulong Size, bool NoMap, bool Dynamic, ReservedMemoryOutcome Outcome, ReservedMemoryNode Node);
