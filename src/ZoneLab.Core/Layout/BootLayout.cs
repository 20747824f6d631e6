namespace ZoneLab.Layout;

/// <summary>"On node N, zone Z: K pages in unavailable ranges" (init_unavailable_range, mm/page_alloc.c 6.1).</summary>
public readonly record struct UnavailableRange(int Nid, ZoneType Zone, ulong Pages);

/// <summary>
/// A machine's boot-time memory layout as the kernel computes it in setup_arch() and free_area_init():
/// memblock ranges per node, architecture zone limits, ZONE_MOVABLE start per node, zones, memory blocks. A record so
/// that a design's variant of a layout is a <c>with</c> copy, which carries every property (DesignZones.WithZones).
/// </summary>
public sealed record BootLayout
{
    internal BootLayout() { }

    /// <summary>Architecture name as <c>uname -m</c> prints it (x86_64, aarch64 is printed as arm64 here).</summary>
    public required string Arch { get; init; }

    /// <summary>The command line the layout was computed with.</summary>
    public required KernelCommandLine CommandLine { get; init; }

    /// <summary>The firmware map after the kernel's edits (mem=, memmap=, trim_bios_range), x86 only.</summary>
    public E820Table? E820 { get; init; }

    /// <summary>
    /// The map after mem=/memmap= when the command line changed it: what the kernel prints as
    /// "user-defined physical RAM map" (e820__finish_early_params), null otherwise.
    /// </summary>
    public E820Table? UserDefinedE820 { get; internal set; }

    /// <summary>memblock.memory after trimming, with nodes assigned.</summary>
    public required IReadOnlyList<MemblockRegion> Memblock { get; init; }

    /// <summary>The zone types this architecture's kernel configures, in index order.</summary>
    public required IReadOnlyList<ZoneType> ZoneTypesConfigured { get; init; }

    /// <summary>arch_zone_lowest_possible_pfn[] indexed by zone type.</summary>
    public required ulong[] ArchZoneLowestPfn { get; init; }

    /// <summary>arch_zone_highest_possible_pfn[] indexed by zone type.</summary>
    public required ulong[] ArchZoneHighestPfn { get; init; }

    /// <summary><c>movable_zone</c>: the zone ZONE_MOVABLE is carved out of (find_usable_zone_for_movable).</summary>
    public required ZoneType MovableZone { get; init; }

    /// <summary><c>zone_movable_pfn[nid]</c> as "Movable zone start for each node" prints it, 0 where the node has no ZONE_MOVABLE.</summary>
    public required IReadOnlyDictionary<int, ulong> ZoneMovablePfn { get; init; }

    /// <summary>
    /// <c>zone_movable_pfn[nid]</c> after calculate_node_totalpages(): equal to <see cref="ZoneMovablePfn"/> except
    /// with Designated Movable Blocks, where a node with DMBs but no classic ZONE_MOVABLE gets its end.
    /// </summary>
    public required IReadOnlyDictionary<int, ulong> ZoneMovablePfnFinal { get; init; }

    /// <summary>The kernel version whose messages the layout is printed as (from the boot log), null for 6.1.</summary>
    public Version? KernelVersion { get; internal set; }

    /// <summary>The boot log printed 3.19+'s "NODE_DATA(N) allocated" lines (so its Initmem lines are 3.19's).</summary>
    public bool NodeDataAllocatedLines { get; internal set; }

    /// <summary>
    /// x86: each node's span over its NUMA blocks (bytes, end exclusive), as 3.x's setup_node_data() printed it in
    /// "Initmem setup node N [mem a-b]"; one node [0, max_pfn) without NUMA information.
    /// </summary>
    public IReadOnlyList<(int Nid, ulong Start, ulong End)> NumaNodeExtents { get; internal set; } = Array.Empty<(int, ulong, ulong)>();

    /// <summary>Node distances and CPU nodes as build_zonelists() sees them (uniform 10/20, CPUs on node 0, unless
    /// numa=fake= or a device tree's distance-map says otherwise).</summary>
    public NumaTopology Numa { get; internal set; } = NumaTopology.Uniform(1);

    /// <summary>Where each section's <c>struct page</c>s are (arm64: sparse_init()'s memmap buffers on the memblock model);
    /// empty where the model does not place the memmap (x86).</summary>
    public IReadOnlyList<MemmapRange> Memmap { get; internal set; } = [];

    /// <summary>Possible nodes without memory at boot (SRAT nodes with CPUs only, or memory beyond max_pfn).</summary>
    public IReadOnlyList<MemorylessNode> MemorylessNodes { get; internal set; } = Array.Empty<MemorylessNode>();

    /// <summary>Nodes with memory, in node id order.</summary>
    public required IReadOnlyList<NodeLayout> Nodes { get; init; }

    /// <summary>memmap_init()'s reports of holes initialised as reserved pages.</summary>
    public required IReadOnlyList<UnavailableRange> UnavailableRanges { get; init; }

    /// <summary>Size of a memory block in bytes (memory_block_size_bytes()).</summary>
    public required ulong MemoryBlockSize { get; init; }

    /// <summary>Memory blocks present at boot, in index order.</summary>
    public required IReadOnlyList<MemoryBlock> MemoryBlocks { get; init; }

    /// <summary>Messages the kernel would print about the configuration (e.g. kernelcore=mirror without mirrored memory).</summary>
    public required IReadOnlyList<string> KernelMessages { get; init; }

    /// <summary>Notes from ZoneLab about its inputs (ignored parameters, estimates in use).</summary>
    public required List<string> Warnings { get; init; }

    /// <summary>The kernel build the layout was computed for.</summary>
    public KernelConfig? Config { get; internal set; }

    /// <summary>CMA areas in <c>cma_areas[]</c> order, with their activation result.</summary>
    public IReadOnlyList<CmaArea> CmaAreas { get; internal set; } = Array.Empty<CmaArea>();

    /// <summary>Device tree <c>/reserved-memory</c> regions and what became of them (arm64).</summary>
    public IReadOnlyList<DeviceTree.ReservedMemoryRegion> ReservedMemory { get; internal set; } = Array.Empty<DeviceTree.ReservedMemoryRegion>();

    /// <summary>The kernel messages of the modelled boot code (reserved memory, NUMA, CMA), by phase.</summary>
    public BootLog Log { get; internal set; } = new();

    /// <summary>arm64_dma_phys_limit (the default CMA area's limit) on arm64; on x86 the limit dma_contiguous_reserve() got.</summary>
    public ulong DmaPhysLimit { get; internal set; }

    /// <summary>Where the bootloader put the initrd (freed to the buddy allocator after boot), or null.</summary>
    public (ulong Start, ulong Size)? Initrd { get; internal set; }

    /// <summary>arm64: where the bootloader put the kernel image (<c>__pa_symbol(_text)</c>), null where the model does not place it.</summary>
    public ulong? KernelText { get; internal set; }

    /// <summary>
    /// arm64: memblock as it stands when <c>reserve_memblock_reserved_regions()</c> runs (arch_initcall): the boot's
    /// reservations plus the later early allocations <see cref="Arm64.Arm64ManagedEstimator"/> places; null elsewhere.
    /// </summary>
    public Memblock.Memblock? InitcallMemblock { get; internal set; }

    /// <summary>The memblock allocator as the model left it (reservations up to the CMA declarations), or null.</summary>
    public Memblock.Memblock? BootMemblock { get; internal set; }

    /// <summary>
    /// Pfn ranges that stay reserved after boot where the model knows them (arm64: from the memblock model), so the
    /// allocator engine reserves the same pages; null where only per-zone counts are estimated (x86).
    /// </summary>
    public IReadOnlyList<PfnRange>? RetainedReserved { get; internal set; }

    /// <summary>Total pages in memblock.memory (the <c>totalpages</c> kernelcore percentages are taken of).</summary>
    public ulong TotalPages
    {
        get
        {
            ulong n = 0;
            foreach (MemblockRegion r in Memblock)
            {
                n += r.Pages;
            }
            return n;
        }
    }

    /// <summary>All zones of all nodes.</summary>
    public IEnumerable<ZoneLayout> AllZones => Nodes.SelectMany(n => n.Zones);

    /// <summary>The node with id <paramref name="nid"/>, or null.</summary>
    public NodeLayout? Node(int nid) => Nodes.FirstOrDefault(n => n.Nid == nid);
}
