namespace ZoneLab.Layout;

/// <summary>
/// What a machine hands the kernel before it sizes zones: the firmware memory map, NUMA affinity, the command
/// line, and a few facts the kernel reads from the hardware (hypervisor bit, memory block size if printed).
/// Built from a boot log (<see cref="DmesgReader"/>) or synthesized (<see cref="QemuX86Machine"/>).
/// </summary>
public sealed class MachineDescription
{
    /// <summary>Architecture: "x86_64" (arm64 comes with device trees).</summary>
    public string Arch { get; init; } = "x86_64";

    /// <summary>Where the description came from (file name or "--mem 8G"), for messages.</summary>
    public string Source { get; init; } = "machine";

    /// <summary>The BIOS-e820 map as firmware reports it (before the kernel edits it).</summary>
    public required E820Table FirmwareE820 { get; init; }

    /// <summary>ACPI SRAT memory affinity entries, empty without NUMA information.</summary>
    public IReadOnlyList<NumaMemBlock> Srat { get; init; } = Array.Empty<NumaMemBlock>();

    /// <summary>Node of each "Early memory node ranges" line when the log has them (used when there is no SRAT).</summary>
    public IReadOnlyList<(int Nid, ulong Start, ulong End)> EarlyNodeRanges { get; init; } = Array.Empty<(int, ulong, ulong)>();

    /// <summary>The kernel command line.</summary>
    public string CommandLine { get; init; } = string.Empty;

    /// <summary>CPUID hypervisor bit (QEMU sets it); affects the x86 memory block size above 64 GiB.</summary>
    public bool Hypervisor { get; init; } = true;

    /// <summary>"x86/mm: Memory block size: NMB" from the log, when printed.</summary>
    public ulong? MemoryBlockSizeFromLog { get; init; }

    /// <summary>"RAMDISK: [mem a-b]" from the log: where the bootloader put the initrd (bytes, end exclusive).</summary>
    public (ulong Start, ulong End)? Ramdisk { get; init; }

    /// <summary>"NODE_DATA(n) allocated [mem a-b]" lines from the log (bytes, end exclusive).</summary>
    public IReadOnlyList<(int Nid, ulong Start, ulong End)> NodeDataFromLog { get; init; } = Array.Empty<(int, ulong, ulong)>();

    /// <summary>The CPU has 1 GiB pages (X86_FEATURE_GBPAGES, "pdpe1gb"): only then does x86 reserve hugetlb_cma areas.</summary>
    public bool Gbpages { get; init; }

    /// <summary>Mirrored (EFI_MEMORY_MORE_RELIABLE) byte ranges, for kernelcore=mirror.</summary>
    public IReadOnlyList<(ulong Start, ulong End)> MirroredRanges { get; init; } = Array.Empty<(ulong, ulong)>();

    /// <summary>The kernel version a boot log names ("Linux version 5.0.15-..."), null for synthesized machines.</summary>
    public Version? KernelVersion { get; init; }

    /// <summary>The release a boot log names (<c>uname -r</c>, "6.1.0-56-amd64"), null for synthesized machines.</summary>
    public string? KernelRelease { get; init; }

    /// <summary>
    /// Nodes with CPUs in the ACPI SRAT ("SRAT: PXM p -> APIC 0x.. -> Node n"): the kernel marks them parsed
    /// (numa_nodes_parsed) whether or not they have memory.
    /// </summary>
    public IReadOnlyList<int> SratCpuNodes { get; init; } = Array.Empty<int>();

    /// <summary>
    /// The zone names a boot log printed under "Zone ranges:" (e.g. without "Device" when the kernel was built
    /// without CONFIG_ZONE_DEVICE), null when the log has no such block.
    /// </summary>
    public IReadOnlyList<string>? LogZoneNames { get; init; }

    /// <summary>
    /// True when the log proves its kernel has CONFIG_CMA: a nonzero "NK cma-reserved" in the "Memory:" line or a
    /// "cma: Reserved N MiB at" line. Null otherwise (every kernel since 3.19 prints "0K cma-reserved", CMA or not).
    /// </summary>
    public bool? LogSaysCma { get; init; }

    /// <summary>
    /// RAM ranges the kernel turned into reserved before memblock was built, as the log prints them
    /// ("e820: update [mem a-b] usable ==> reserved", mtrr_trim_uncached_memory() and similar), bytes, end exclusive.
    /// </summary>
    public IReadOnlyList<(ulong Start, ulong End)> E820RamToReserved { get; init; } = Array.Empty<(ulong, ulong)>();

    /// <summary>
    /// RAM ranges e820__reserve_setup_data() turned into E820_TYPE_RESERVED_KERN (the boot loader's setup_data
    /// blobs: "e820: update [mem a-b] usable ==> usable"), bytes, end exclusive. They split the user-defined map's
    /// entries but stay in memblock.memory.
    /// </summary>
    public IReadOnlyList<(ulong Start, ulong End)> E820RamToReservedKern { get; init; } = Array.Empty<(ulong, ulong)>();

    /// <summary>The lines under the log's "Zone ranges:" as printed (prefix stripped), with their line numbers.</summary>
    public IReadOnlyList<(string Line, int LineNo)> LogZoneRanges { get; init; } = Array.Empty<(string, int)>();

    /// <summary>
    /// The line number of the log's "Movable zone start for each node" header (free_area_init), 0 when the log has none.
    /// </summary>
    public int LogMovableZoneStartLine { get; init; }

    /// <summary>
    /// The "  Node N: 0xADDR" lines under that header: the node, <c>zone_movable_pfn[nid]</c> as a byte address, and
    /// the line number.
    /// </summary>
    public IReadOnlyList<(int Nid, ulong Start, int LineNo)> LogMovableZoneStarts { get; init; } = Array.Empty<(int, ulong, int)>();

    /// <summary>The line number of each <see cref="EarlyNodeRanges"/> entry in the log.</summary>
    public IReadOnlyList<int> EarlyNodeRangeLines { get; init; } = Array.Empty<int>();

    /// <summary>The line number of each <see cref="NodeDataFromLog"/> entry in the log.</summary>
    public IReadOnlyList<int> NodeDataLines { get; init; } = Array.Empty<int>();

    /// <summary>The log's "Initmem setup node N [mem START-END]" lines (<c>free_area_init_node</c>), with their line numbers.</summary>
    public IReadOnlyList<(int Nid, ulong Start, ulong End, int LineNo)> LogInitmem { get; init; } = Array.Empty<(int, ulong, ulong, int)>();

    /// <summary>The log's "On node N totalpages: P" lines (<c>calculate_node_totalpages</c>, before 5.13), with their line numbers.</summary>
    public IReadOnlyList<(int Nid, ulong Pages, int LineNo)> LogNodeTotalpages { get; init; } = Array.Empty<(int, ulong, int)>();

    /// <summary>The physpages figure (KiB) of the log's "Memory: AK/TK available" line (<c>mem_init_print_info</c>) and its line number.</summary>
    public (ulong Kb, int LineNo)? LogMemoryTotalKb { get; init; }

    /// <summary>The log's "On node N, zone Z: K pages in unavailable ranges" lines (<c>init_unavailable_range</c>, 5.12+), with their line numbers.</summary>
    public IReadOnlyList<(string Line, int LineNo)> LogUnavailableRanges { get; init; } = Array.Empty<(string, int)>();

    /// <summary>The max_arch_pfn of the log's "last_pfn = 0xN max_arch_pfn = 0xM" lines, with their line numbers.</summary>
    public IReadOnlyList<(ulong Pfn, int LineNo)> LogMaxArchPfn { get; init; } = Array.Empty<(ulong, int)>();

    /// <summary>The available figure (KiB, <c>nr_free_pages()</c>) of the log's "Memory:" line (its line is <see cref="LogMemoryTotalKb"/>'s).</summary>
    public ulong? LogMemoryAvailableKb { get; init; }

    /// <summary>The "NK cma-reserved" figure (KiB, <c>totalcma_pages</c>) of the log's "Memory:" line, null when the line has none (before 3.19).</summary>
    public ulong? LogCmaReservedKb { get; init; }

    /// <summary>The "NK reserved" figure (KiB, physpages - totalram_pages - totalcma_pages) of the log's "Memory:" line, null when it has none.</summary>
    public ulong? LogReservedKb { get; init; }

    /// <summary>
    /// The log's user-defined map ("user: [mem ...] TYPE", e820__finish_early_params), with line numbers; empty when
    /// the log has no command line to say which memmap=/mem= made it.
    /// </summary>
    public IReadOnlyList<(E820Entry Entry, int LineNo)> LogUserE820 { get; init; } = Array.Empty<(E820Entry, int)>();

    /// <summary>The zonelist count of the log's "Built N zonelists" line (<c>build_all_zonelists</c>: nr_online_nodes) and its line number.</summary>
    public (int Count, int LineNo)? LogZonelists { get; init; }

    /// <summary>The zone named by the log's "Policy zone: Z" line (<c>build_all_zonelists</c>, CONFIG_NUMA) and its line number.</summary>
    public (string Zone, int LineNo)? LogPolicyZone { get; init; }

    /// <summary>The range of the log's "Faking a node at [mem ...]" line (<c>dummy_numa_init</c>) as [start, end), and its line number.</summary>
    public (ulong Start, ulong End, int LineNo)? LogFakeNode { get; init; }

    /// <summary>The log's "last_pfn = 0xN max_arch_pfn = 0xM" lines (<c>e820_end_pfn</c>): the pfn, with its line number.</summary>
    public IReadOnlyList<(ulong Pfn, int LineNo)> LogLastPfn { get; init; } = Array.Empty<(ulong, int)>();
}
