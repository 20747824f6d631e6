namespace ZoneLab.Workloads;

/// <summary>
/// Something that allocates and frees during a phase. Every actor has a name, a start (seconds into the phase; a
/// one-shot actor acts then), an optional stop, and an access intensity (bytes/s its memory is read and written,
/// for the bandwidth model). The GFP mask each kind uses is named on the kind.
/// </summary>
public abstract record ScenarioActor
{
    /// <summary>The YAML <c>type:</c> of this kind.</summary>
    public abstract string Type { get; }

    /// <summary>A name for reports; <c>TYPE#N</c> when the file gives none.</summary>
    public required string Name { get; init; }

    /// <summary>Seconds into the phase when the actor starts.</summary>
    public double StartSeconds { get; init; }

    /// <summary>Seconds into the phase when it stops allocating; the phase end when null.</summary>
    public double? StopSeconds { get; init; }

    /// <summary>Bytes per second its pages are accessed (0: not modelled).</summary>
    public double AccessBytesPerSecond { get; init; }

    /// <summary>
    /// The NUMA node of the CPU it runs on (<c>numa_node_id()</c>: the preferred node of its allocations under the
    /// default local mempolicy). On a machine with fewer nodes every CPU is on node 0, and so is the actor.
    /// </summary>
    public int Node { get; init; }
}

/// <summary>Anonymous memory of processes: order-0 <c>GFP_HIGHUSER_MOVABLE</c>; a fraction is pinned (unmovable while held).</summary>
public sealed record AnonActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "anon";

    /// <summary>Bytes allocated per second.</summary>
    public required ScenarioDistribution Rate { get; init; }

    /// <summary>How long a page lives, in seconds (until the phase ends when null).</summary>
    public ScenarioDistribution? Lifetime { get; init; }

    /// <summary>Fraction of pages pinned (<c>FOLL_LONGTERM</c>): they cannot be migrated.</summary>
    public double PinnedFraction { get; init; }

    /// <summary>The most bytes held at once (unbounded when null).</summary>
    public double? LimitBytes { get; init; }

    /// <summary>
    /// Processes that map this memory (shared memory, default 1). Linux does not share page tables between processes
    /// (hugetlb PMD sharing aside), so each mapper needs its own PTE page per 512 mapped pages.
    /// </summary>
    public int Mappers { get; init; } = 1;
}

/// <summary>
/// Page cache: order 0, <c>GFP_HIGHUSER_MOVABLE</c> (<see cref="Highmem"/>, the default of <c>inode_init_always()</c>)
/// or <c>GFP_USER|__GFP_MOVABLE</c>; dirty pages must be written back before reclaim or migration.
/// </summary>
public sealed record PageCacheActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "page_cache";

    /// <summary>Bytes read or written into the cache per second.</summary>
    public required ScenarioDistribution Rate { get; init; }

    /// <summary>How long a page stays in use before it is only clean, reclaimable cache (seconds).</summary>
    public ScenarioDistribution? Lifetime { get; init; }

    /// <summary>Fraction of pages dirty.</summary>
    public double DirtyFraction { get; init; }

    /// <summary>Whether the mask has <c>__GFP_HIGHMEM</c> (default true).</summary>
    public bool Highmem { get; init; } = true;

    /// <summary>The most bytes held at once (unbounded when null).</summary>
    public double? LimitBytes { get; init; }
}

/// <summary>Slab and other kernel objects: <c>GFP_KERNEL</c> (unmovable) or <c>GFP_KERNEL|__GFP_RECLAIMABLE</c>, orders 0-3.</summary>
public sealed record SlabActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "slab";

    /// <summary>True for <c>__GFP_RECLAIMABLE</c> (dentries, inodes), false for unmovable.</summary>
    public bool Reclaimable { get; init; }

    /// <summary>Allocations (slab pages of some order) per second.</summary>
    public required ScenarioDistribution Rate { get; init; }

    /// <summary>Relative weights of orders 0, 1, 2, 3 (four entries).</summary>
    public IReadOnlyList<double> OrderWeights { get; init; } = [1, 0, 0, 0];

    /// <summary>Lifetime of a slab page in seconds (until the phase ends when null).</summary>
    public ScenarioDistribution? Lifetime { get; init; }

    /// <summary>The most bytes held at once (unbounded when null).</summary>
    public double? LimitBytes { get; init; }

    /// <inheritdoc/>
    public bool Equals(SlabActor? other) =>
        other is not null && base.Equals(other) && Reclaimable == other.Reclaimable && Rate.Equals(other.Rate)
        && OrderWeights.SequenceEqual(other.OrderWeights) && Equals(Lifetime, other.Lifetime) && LimitBytes == other.LimitBytes;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Reclaimable, Rate);
}

/// <summary>Network-style bursts of <c>GFP_ATOMIC</c> allocations (no reclaim, may use the reserves).</summary>
public sealed record AtomicActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "atomic";

    /// <summary>The order of each allocation (0-3).</summary>
    public int Order { get; init; }

    /// <summary>Allocations per burst.</summary>
    public required ScenarioDistribution Burst { get; init; }

    /// <summary>Seconds between bursts.</summary>
    public required ScenarioDistribution Interval { get; init; }

    /// <summary>Lifetime of each allocation in seconds.</summary>
    public required ScenarioDistribution Lifetime { get; init; }
}

/// <summary>Transparent huge pages: order 9, <c>GFP_TRANSHUGE_LIGHT</c> (page faults with the default defrag setting).</summary>
public sealed record ThpActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "thp";

    /// <summary>Huge page faults per second.</summary>
    public required ScenarioDistribution Rate { get; init; }

    /// <summary>Lifetime in seconds (until the phase ends when null).</summary>
    public ScenarioDistribution? Lifetime { get; init; }
}

/// <summary>A device's contiguous requests through <c>cma_alloc()</c>: <see cref="Count"/> buffers of <see cref="SizeBytes"/>, once or every <see cref="PeriodSeconds"/>.</summary>
public sealed record CmaActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "cma";

    /// <summary>The device (for reports).</summary>
    public required string Device { get; init; }

    /// <summary>The CMA area to allocate from (the default area when null).</summary>
    public string? Area { get; init; }

    /// <summary>Bytes per buffer.</summary>
    public required double SizeBytes { get; init; }

    /// <summary>Buffers per request burst.</summary>
    public int Count { get; init; } = 1;

    /// <summary>Seconds between bursts; a single burst when null.</summary>
    public double? PeriodSeconds { get; init; }

    /// <summary>How long the buffers are held (seconds); until the phase ends when null.</summary>
    public ScenarioDistribution? Hold { get; init; }

    /// <summary>A buffer allocated later than this after the request counts as missed (seconds).</summary>
    public double? DeadlineSeconds { get; init; }
}

/// <summary>Gigantic pages (<c>alloc_contig_pages()</c> of 1 GiB, as <c>nr_hugepages</c> of 1G pages does).</summary>
public sealed record GiganticActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "gigantic";

    /// <summary>How many pages.</summary>
    public int Count { get; init; } = 1;

    /// <summary>Bytes per page (default 1 GiB).</summary>
    public double SizeBytes { get; init; } = 1L << 30;

    /// <summary>How long they are held (seconds); until the phase ends when null.</summary>
    public ScenarioDistribution? Hold { get; init; }
}

/// <summary>Offlining memory blocks (<c>echo offline &gt; /sys/devices/system/memory/memoryN/state</c>).</summary>
public sealed record OfflineActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "offline";

    /// <summary>The memory block numbers to offline; empty when <see cref="BlockCount"/> is used.</summary>
    public IReadOnlyList<int> Blocks { get; init; } = [];

    /// <summary>How many blocks to offline, chosen from the highest movable ones; 0 when <see cref="Blocks"/> lists them.</summary>
    public int BlockCount { get; init; }

    /// <inheritdoc/>
    public bool Equals(OfflineActor? other) =>
        other is not null && base.Equals(other) && Blocks.SequenceEqual(other.Blocks) && BlockCount == other.BlockCount;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, BlockCount, Blocks.Count);
}

/// <summary>
/// Memory onlining: <c>echo online_movable</c> (or <c>online_kernel</c>) <c>&gt; memoryN/state</c> for listed blocks or
/// for the N lowest-numbered offline blocks.
/// </summary>
public sealed record OnlineActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "online";

    /// <summary>The memory block numbers to online; empty when <see cref="BlockCount"/> is used.</summary>
    public IReadOnlyList<int> Blocks { get; init; } = [];

    /// <summary>How many blocks to online, the lowest-numbered offline ones; 0 when <see cref="Blocks"/> lists them.</summary>
    public int BlockCount { get; init; }

    /// <summary>True for <c>online_movable</c> (ZONE_MOVABLE), false for <c>online_kernel</c>.</summary>
    public bool Movable { get; init; } = true;

    /// <inheritdoc/>
    public bool Equals(OnlineActor? other) =>
        other is not null && base.Equals(other) && Blocks.SequenceEqual(other.Blocks) && BlockCount == other.BlockCount && Movable == other.Movable;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, BlockCount, Blocks.Count, Movable);
}

/// <summary><c>echo MODE &gt; /proc/sys/vm/drop_caches</c>: 1 page cache, 2 slab, 3 both.</summary>
public sealed record DropCachesActor : ScenarioActor
{
    /// <inheritdoc/>
    public override string Type => "drop_caches";

    /// <summary>1, 2 or 3.</summary>
    public int Mode { get; init; } = 3;
}
