namespace ZoneLab.Procfs;

/// <summary>
/// One zone as <c>show_free_areas()</c> (<c>__show_mem()</c> from v6.1) dumped it after a failed allocation: the zone
/// line, its <c>lowmem_reserve[]</c> line and its buddy line. Sizes are kept as printed (kB); <see cref="PageKb"/>
/// converts them to pages.
/// </summary>
public sealed class DumpedZone
{
    /// <summary>NUMA node ("Node N" prefix; 0 when the kernel printed none, i.e. !CONFIG_NUMA).</summary>
    public int Node { get; init; }

    /// <summary>Zone name as printed: DMA, DMA32, Normal, HighMem, Movable, Device.</summary>
    public required string Name { get; init; }

    /// <summary>1-based line of the zone line in the file.</summary>
    public int Line { get; init; }

    /// <summary>Every <c>key:NkB</c> field of the zone line (free, boost, min, low, high, reserved_highatomic, managed, free_cma, ...).</summary>
    public required IReadOnlyDictionary<string, long> FieldsKb { get; init; }

    /// <summary><c>lowmem_reserve[]</c> in pages, one entry per zone index (MAX_NR_ZONES entries).</summary>
    public long[] LowmemReserve { get; set; } = [];

    /// <summary>Free blocks per order from the buddy line (<c>nr_free</c>).</summary>
    public long[] FreeBlocks { get; set; } = [];

    /// <summary>Migratetype letters per order from the buddy line (empty when the order has no free block or none was printed).</summary>
    public string[] Types { get; set; } = [];

    /// <summary>Whether the buddy line printed migratetype letters at all (v3.x+ with CONFIG_MEMORY_ISOLATION-era show_migration_types).</summary>
    public bool HasTypeLetters { get; set; }

    /// <summary>Page size in kB, from the first (order-0) entry of the buddy line.</summary>
    public int PageKb { get; set; } = 4;

    /// <summary>1-based line of the buddy line, or 0 before it is read.</summary>
    public int BuddyLine { get; set; }

    /// <summary>1-based line of the lowmem_reserve line, or 0 before it is read.</summary>
    public int ReserveLine { get; set; }

    /// <summary>A zone-line field in pages, or <paramref name="fallback"/> when the kernel did not print it.</summary>
    public long Pages(string field, long fallback = 0) => FieldsKb.TryGetValue(field, out long kb) ? kb / PageKb : fallback;

    /// <summary>Whether the zone line has <paramref name="field"/>.</summary>
    public bool Has(string field) => FieldsKb.ContainsKey(field);
}

/// <summary>
/// One allocation-failure report: the <c>warn_alloc()</c> (<c>warn_alloc_failed()</c> before v4.9) header and the
/// Mem-Info that followed it.
/// </summary>
public sealed class AllocFailureReport
{
    /// <summary>1-based line of the header in the file.</summary>
    public int Line { get; init; }

    /// <summary>The task name before ": page allocation failure".</summary>
    public required string Comm { get; init; }

    /// <summary>Requested order.</summary>
    public int Order { get; init; }

    /// <summary>The gfp mask as printed (hex).</summary>
    public uint Mode { get; init; }

    /// <summary>The flag names printed in parentheses (v4.5+), or null when the kernel printed only the hex mask.</summary>
    public string? FlagNames { get; init; }

    /// <summary>The nodemask text when printed (v4.10+).</summary>
    public string? Nodemask { get; init; }

    /// <summary>Kernel release from the dump_stack "CPU: ... Not tainted X.Y" line, as (major, minor), or null.</summary>
    public (int Major, int Minor)? Kernel { get; set; }

    /// <summary>The full release string (e.g. "5.19.0-1-amd64"), or null.</summary>
    public string? Release { get; set; }

    /// <summary>Architecture guessed from the stack dump ("x86_64", "arm64", "arm", "mips"), or null.</summary>
    public string? Arch { get; set; }

    /// <summary>Whether the stack shows interrupt context (&lt;IRQ&gt;, &lt;SOFTIRQ&gt;, __do_softirq, net_rx_action).</summary>
    public bool InterruptContext { get; set; }

    /// <summary>The dumped zones in print order (node by node, zone index order).</summary>
    public List<DumpedZone> Zones { get; } = [];

    /// <summary>The global "free_cma:" counter in pages (Mem-Info's first block), or null.</summary>
    public long? GlobalFreeCma { get; set; }

    /// <summary>"N pages cma reserved" (v4.1+ on CONFIG_CMA kernels), or null.</summary>
    public long? CmaReservedPages { get; set; }

    /// <summary>1-based line of "Mem-Info:" (0 when the report was cut before it).</summary>
    public int MemInfoLine { get; set; }

    /// <summary>The global "free:" counter in pages (Mem-Info's first block), or null.</summary>
    public long? GlobalFreePages { get; set; }

    /// <summary>
    /// Where the report stops when it was cut before its first zone line (a paste that ends at the stack dump or at
    /// Mem-Info's first block, as mailing lists and bug trackers often carry them), or null for a whole report. Such a
    /// report still says what was asked (order, gfp mask, kernel) but not the zones' numbers.
    /// </summary>
    public string? CutShort { get; set; }
}
