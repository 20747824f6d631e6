namespace ZoneLab.Layout;

/// <summary>How memoryless NUMA nodes show up in the boot log of a kernel version (x86).</summary>
public enum MemorylessNodeStyle
{
    /// <summary>Not initialised at boot: no line (3.x).</summary>
    None,

    /// <summary>
    /// arch/x86/mm/numa.c init_memory_less_node() from init_cpu_to_node(), after "smpboot:", for nodes with CPUs:
    /// "Initmem setup node N [mem 0x0000000000000000-0x0000000000000000]" (free_area_init_node() with no pfns).
    /// </summary>
    LateX86,

    /// <summary>
    /// free_area_init() walks every possible node (5.17+): "Initializing node N as memoryless" then
    /// free_area_init_node()'s "Initmem setup node N as memoryless", in node order among the online nodes.
    /// </summary>
    Generic,

    /// <summary>6.7+: the "Initializing node N as memoryless" line was dropped as redundant; only the Initmem line.</summary>
    GenericInitmemOnly,
}

/// <summary>
/// The differences between kernel versions in the lines free_area_init() and its helpers print. A boot log names
/// its version ("Linux version 3.16.0-55-generic"); without one the layout prints as 6.1 does. Version boundaries
/// come from real logs of each era (tests/ZoneLab.Tests/Fixtures/real-x86) and the kernel history:
/// <list type="bullet">
/// <item>Before 4.0 addresses are printed with <c>%#010Lx</c> ("[mem 0x00001000-0x00ffffff]", at least 8 hex digits);
/// from 4.0 with <c>%#018Lx</c> (16 digits). Seen: 3.9, 3.16, 3.19 short; 4.0 long.</item>
/// <item>Before 3.19 x86 NUMA setup (setup_node_data()) printed "Initmem setup node N" with the node's NUMA span,
/// before "Zone ranges:"; from 3.19 free_area_init_node() prints it with the node's pfn range.</item>
/// <item>init_unavailable_range()'s "On node N, zone Z: K pages in unavailable ranges" exists from 5.12 (5.0-5.11
/// print one "Zeroed struct page in unavailable ranges: K pages" instead); memmap_init() ran per node, right after
/// each node's Initmem line, until 5.15 made it one pass after all nodes.</item>
/// <item>Memoryless nodes: <see cref="MemorylessNodeStyle"/>; calculate_node_totalpages()'s KERN_DEBUG
/// "On node N totalpages: K" is printed before 5.13.</item>
/// </list>
/// </summary>
public sealed class KernelPrintStyle
{
    private static readonly Version s_v3_19 = new(3, 19), s_v4_0 = new(4, 0), s_v5_12 = new(5, 12), s_v5_13 = new(5, 13),
        s_v5_15 = new(5, 15), s_v5_17 = new(5, 17), s_v6_7 = new(6, 7);

    /// <summary>The style of a kernel version; null means 6.1, the version the model mirrors.</summary>
    public KernelPrintStyle(Version? version) => Version = version;

    /// <summary>The version, null for 6.1.</summary>
    public Version? Version { get; }

    private bool Before(Version v) => Version != null && Version < v;

    /// <summary>Addresses as <c>%#010Lx</c> (before 4.0).</summary>
    public bool ShortAddresses => Before(s_v4_0);

    /// <summary>x86 setup_node_data() prints the Initmem line during NUMA setup, before "Zone ranges:" (before 3.19).</summary>
    public bool InitmemDuringNumaSetup => Before(s_v3_19) && !InitmemAtZoneInit;

    /// <summary>
    /// A kernel older than 3.19 that carries 3.19's x86 NUMA printing (RHEL 7's 3.10: alloc_node_data()'s
    /// "NODE_DATA(N) allocated" and free_area_init_node()'s Initmem line from the first pfn), told by the log itself.
    /// </summary>
    public bool InitmemAtZoneInit { get; init; }

    /// <summary>
    /// Per-zone "pages in unavailable ranges" lines are printed (5.12+, and 5.10 stable once the memmap hole rework was
    /// backported: real logs show 5.10.14 printing 5.0's "Zeroed struct page in unavailable ranges" and 5.10.158 and
    /// 5.10.162 the per-zone lines, once after all nodes as 5.15 does; 5.10.15-157 are unverified and taken as the former).
    /// </summary>
    public bool UnavailableRangeLines => !Before(s_v5_12) || Stable510WithMemmapRework;

    /// <summary>memmap_init() runs once after all nodes (5.15+); before, right after each node's Initmem line.</summary>
    public bool UnavailableAfterAllNodes => !Before(s_v5_15) || Stable510WithMemmapRework;

    // 5.10 stable from (at most) 5.10.158 carries 5.15's memmap_init() rework (see UnavailableRangeLines)
    private bool Stable510WithMemmapRework => Version is { Major: 5, Minor: 10, Build: >= 158 };

    /// <summary>"On node N totalpages: K" (KERN_DEBUG in calculate_node_totalpages()) is printed (before 5.13).</summary>
    public bool NodeTotalpagesLine => Before(s_v5_13);

    /// <summary>How memoryless nodes are initialised and printed.</summary>
    public MemorylessNodeStyle Memoryless =>
        Before(s_v4_0) ? MemorylessNodeStyle.None
        : Before(s_v5_17) ? MemorylessNodeStyle.LateX86
        : Before(s_v6_7) ? MemorylessNodeStyle.Generic
        : MemorylessNodeStyle.GenericInitmemOnly;

    /// <summary>An address as this version prints it (<c>%#010Lx</c> or <c>%#018Lx</c>).</summary>
    public string Hex(ulong v) => ShortAddresses ? "0x" + v.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) : KernelNumber.Hex18(v);
}
