using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>
/// Everything <see cref="Machine"/> needs to boot: zones, optional explicit boot reservations and CMA areas,
/// kernel version, sysctls and the kernel config's zone count.
/// </summary>
public sealed class MachineSpec
{
    /// <summary>Creates a spec over the given zones.</summary>
    public MachineSpec(IReadOnlyList<ZoneSpec> zones) => Zones = zones;

    /// <summary>Creates a spec with the zones and settings of <paramref name="other"/>.</summary>
    public MachineSpec(MachineSpec other)
    {
        Zones = other.Zones;
        Reserved = other.Reserved;
        Cma = other.Cma;
        MovableBlocks = other.MovableBlocks;
        StickyMovable = other.StickyMovable;
        HotplugRanges = other.HotplugRanges;
        Version = other.Version;
        Sysctls = other.Sysctls.Clone();
        MaxNrZones = other.MaxNrZones;
        Cpus = other.Cpus;
        ConfigCma = other.ConfigCma;
        ConfigZsmalloc = other.ConfigZsmalloc;
        SwapPages = other.SwapPages;
        PerCpuLists = other.PerCpuLists;
        DeferredStructPageInit = other.DeferredStructPageInit;
        KernelImage = other.KernelImage;
        Initrd = other.Initrd;
        DebugChecks = other.DebugChecks;
        MovableHighmemZone = other.MovableHighmemZone;
        Numa = other.Numa;
    }

    /// <summary>Populated and empty zones of every node (empty ones may be omitted).</summary>
    public IReadOnlyList<ZoneSpec> Zones { get; }

    /// <summary>
    /// Present but unmanaged pfn ranges (memblock reservations that stay reserved). When null, each zone reserves
    /// <c>present - managed</c> pages at its lowest present pfns.
    /// </summary>
    public IReadOnlyList<PfnRange>? Reserved { get; init; }

    /// <summary>CMA areas (pageblock aligned, each within one zone): their pageblocks become MIGRATE_CMA at activation.</summary>
    public IReadOnlyList<PfnRange> Cma { get; init; } = [];

    /// <summary>
    /// Designated Movable Blocks (pageblock aligned, in ZONE_MOVABLE): memblock-reserved ranges that
    /// <c>memmap_init_reserved_pages()</c> -> <c>dmb_init_region()</c> hands to the buddy allocator pageblock by
    /// pageblock (<c>init_reserved_pageblock()</c>, MIGRATE_MOVABLE, no FPI_TO_TAIL) before the rest of memory is freed.
    /// </summary>
    public IReadOnlyList<PfnRange> MovableBlocks { get; init; } = [];

    /// <summary>
    /// Sticky MIGRATE_MOVABLE pageblocks (pageblock aligned; the sticky-movable design): they stay
    /// MIGRATE_MOVABLE for the machine's life, whatever fallback, highatomic reservation or buddy merging would do.
    /// </summary>
    public IReadOnlyList<PfnRange> StickyMovable { get; init; } = [];

    /// <summary>
    /// Pfn ranges outside every zone that memory hotplug may online later (hot-added DIMMs): the map covers them,
    /// as holes, until <c>online_pages()</c> moves them to a zone.
    /// </summary>
    public IReadOnlyList<PfnRange> HotplugRanges { get; init; } = [];

    /// <summary>Kernel behaviour generation (default 6.1).</summary>
    public KernelVersion Version { get; init; } = KernelVersion.V6_1;

    /// <summary>Sysctls (defaults unless set).</summary>
    public VmSysctls Sysctls { get; init; } = new();

    /// <summary><c>MAX_NR_ZONES</c>: 5 for Debian x86-64 (DMA, DMA32, Normal, Movable, Device), 4 for arm64.</summary>
    public int MaxNrZones { get; init; } = 5;

    /// <summary>Number of CPUs (per-cpu pagesets and vmstat thresholds printed in /proc/zoneinfo).</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>Whether the kernel is built with CONFIG_CMA (Debian x86-64 6.1: no; arm64: yes). Only affects the
    /// migratetypes printed by /proc/pagetypeinfo and the Cma lines of /proc/meminfo.</summary>
    public bool ConfigCma { get; init; } = true;

    /// <summary>Whether the kernel has CONFIG_ZSMALLOC (Debian: yes; the oracle build: no): the nr_zspages zone counter.</summary>
    public bool ConfigZsmalloc { get; init; } = true;

    /// <summary>Model the per-cpu page lists (6.1 pcp: batch refill, high/batch draining); off by default.</summary>
    public bool PerCpuLists { get; init; }

    /// <summary>
    /// CONFIG_DEFERRED_STRUCT_PAGE_INIT (Debian's 6.1 builds: y): the node's last zone past its first memory section
    /// is initialised by deferred_init_memmap, which marks only pageblocks starting on a free pfn MIGRATE_MOVABLE, so
    /// blocks starting on a boot reservation keep the zeroed bitmap's MIGRATE_UNMOVABLE; with real managed counts
    /// and no <see cref="Reserved"/> ranges, that zone's reservations are placed as memblock does (the kernel image
    /// low, the rest top-down). Off by default (docs/fidelity.md, "Round 3").
    /// </summary>
    public bool DeferredStructPageInit { get; init; }

    /// <summary>Where the kernel image stays reserved (pfns), for <see cref="DeferredStructPageInit"/>'s placement.</summary>
    public PfnRange KernelImage { get; init; }

    /// <summary>The initrd (pfns): still reserved when deferred init runs, freed later by free_initrd_mem.</summary>
    public PfnRange Initrd { get; init; }

    /// <summary>Swap space in pages (0: no swap; anonymous memory cannot be reclaimed).</summary>
    public long SwapPages { get; init; }

    /// <summary>
    /// The zone <c>GFP_ZONE_TABLE[__GFP_MOVABLE|__GFP_HIGHMEM]</c> names: ZONE_MOVABLE in every merged kernel;
    /// <see cref="ZoneType.Cma"/> under Joonsoo Kim's ZONE_CMA v7 ("mm/cma: introduce new zone, ZONE_CMA", 2/7:
    /// <c>OPT_ZONE_CMA</c>), which then needs <see cref="MaxNrZones"/> = <see cref="ZoneTypes.Count"/>.
    /// </summary>
    public ZoneType MovableHighmemZone { get; init; } = ZoneType.Movable;

    /// <summary>Node distances and CPU nodes for build_zonelists (null: uniform 10/20, CPUs on node 0).</summary>
    public NumaTopology? Numa { get; init; }

    /// <summary>Run the debug invariant checker after every operation (CONFIG_DEBUG_VM-like; slow).</summary>
    public bool DebugChecks { get; init; }

    /// <summary>
    /// A one-node machine: DMA <c>[1, 4096)</c> and DMA32 <c>[4096, end)</c> like an x86 QEMU guest with
    /// <paramref name="megabytes"/> of RAM below 4 GiB, a Normal zone above 4 GiB when larger (the PCI hole of
    /// <c>pc</c> machines is not modelled: RAM is contiguous), and <paramref name="reservedPerZone"/> pages
    /// reserved at each zone's start.
    /// </summary>
    public static MachineSpec Simple(ulong megabytes, ulong reservedPerZone = 0, KernelVersion version = KernelVersion.V6_1)
    {
        ulong end = megabytes * 256;
        var zones = new List<ZoneSpec>();
        ulong dmaEnd = Math.Min(4096, end);
        zones.Add(Zone(0, ZoneType.Dma, 1, dmaEnd, reservedPerZone));
        if (end > 4096)
        {
            ulong dma32End = Math.Min(end, 1UL << 20);
            zones.Add(Zone(0, ZoneType.Dma32, 4096, dma32End, reservedPerZone));
            if (end > 1UL << 20)
            {
                zones.Add(Zone(0, ZoneType.Normal, 1UL << 20, end, reservedPerZone));
            }
        }

        return new MachineSpec(zones) { Version = version };
    }

    /// <summary>A zone spec with one present range <c>[start, end)</c> and <paramref name="reserved"/> unmanaged pages.</summary>
    public static ZoneSpec Zone(int node, ZoneType type, ulong start, ulong end, ulong reserved = 0)
        => new(node, type, start, end - start, [new PfnRange(start, end)], end - start - Math.Min(reserved, end - start));
}
