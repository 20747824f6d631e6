using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>What a trace recorded, as <see cref="TraceAllocationTracker"/> counted it.</summary>
public sealed record TraceSummary
{
    /// <summary>Event lines read, of any tracepoint.</summary>
    public long EventsRead { get; init; }

    /// <summary>Event lines of tracepoints other than the page-allocator and CMA ones, skipped.</summary>
    public long Skipped { get; init; }

    /// <summary>Skipped event lines per tracepoint name.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> SkippedByEvent { get; init; } = [];

    /// <summary>Events read per known tracepoint name (all kinds, zeros included).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Events { get; init; } = [];

    /// <summary>Events the ring buffer lost (<c>[LOST N EVENTS]</c> markers).</summary>
    public long LostEvents { get; init; }

    /// <summary>Successful <c>mm_page_alloc</c> events.</summary>
    public long Allocations { get; init; }

    /// <summary><c>mm_page_alloc</c> events with a NULL page: allocations that failed in the traced kernel.</summary>
    public long TraceFailedAllocations { get; init; }

    /// <summary>Pages of the successful allocations.</summary>
    public long PagesAllocated { get; init; }

    /// <summary><c>mm_page_free</c> events (every freed block has one; <c>mm_page_free_batched</c> is not counted again).</summary>
    public long Frees { get; init; }

    /// <summary>Pages of all frees.</summary>
    public long PagesFreed { get; init; }

    /// <summary>Frees by how they matched an allocation.</summary>
    public long FreesWhole { get; init; }

    /// <inheritdoc cref="FreesWhole"/>
    public long FreesPart { get; init; }

    /// <inheritdoc cref="FreesWhole"/>
    public long FreesCma { get; init; }

    /// <inheritdoc cref="FreesWhole"/>
    public long FreesPreExisting { get; init; }

    /// <summary>Frees at an allocation's head with a larger order than it was allocated with.</summary>
    public long FreesLargerThanAllocation { get; init; }

    /// <summary>Allocations at a head pfn that was still live (its free was not in the trace).</summary>
    public long AllocationsOverLive { get; init; }

    /// <summary>Allocations of the trace not freed by its end.</summary>
    public long LiveAllocations { get; init; }

    /// <summary>Pages of <see cref="LiveAllocations"/> not yet freed.</summary>
    public long LivePages { get; init; }

    /// <summary><c>mm_page_alloc_zone_locked</c> events and how many refilled a per-cpu list.</summary>
    public long ZoneLocked { get; init; }

    /// <inheritdoc cref="ZoneLocked"/>
    public long PercpuRefills { get; init; }

    /// <summary><c>mm_page_pcpu_drain</c> events.</summary>
    public long PcpuDrains { get; init; }

    /// <summary><c>mm_page_free_batched</c> events.</summary>
    public long FreesBatched { get; init; }

    /// <summary>Allocation requests per (order, migratetype, GFP class), sorted.</summary>
    public IReadOnlyList<TraceRequestCount> Requests { get; init; } = [];

    /// <summary>Fallbacks (<c>mm_page_alloc_extfrag</c>) per (requested, stolen-from) migratetype, sorted.</summary>
    public IReadOnlyList<TraceFallbackCount> Fallbacks { get; init; } = [];

    /// <summary>CMA activity per area, sorted by name.</summary>
    public IReadOnlyList<TraceCmaArea> Cma { get; init; } = [];
}

/// <summary>Allocation requests of one kind.</summary>
/// <param name="Order">The order.</param>
/// <param name="MigrateType">The migratetype the kernel printed (<c>gfp_migratetype()</c> of the mask).</param>
/// <param name="GfpClass">See <see cref="Trace.GfpClass"/>.</param>
/// <param name="Allocations">Successful allocations.</param>
/// <param name="Failed">Allocations whose page was NULL.</param>
public sealed record TraceRequestCount(int Order, MigrateType MigrateType, string GfpClass, long Allocations, long Failed);

/// <summary>Fallbacks from one migratetype's free lists into another's.</summary>
/// <param name="AllocMigrateType">The migratetype requested.</param>
/// <param name="FallbackMigrateType">The free list the block came from.</param>
/// <param name="Events">Fallback events.</param>
/// <param name="Claimed">Events after which the pageblock belonged to the requested type (<c>change_ownership=1</c>).</param>
/// <param name="Fragmenting">Events that split a block smaller than a pageblock (<c>fragmenting=1</c>).</param>
public sealed record TraceFallbackCount(MigrateType AllocMigrateType, MigrateType FallbackMigrateType, long Events, long Claimed, long Fragmenting);

/// <summary>CMA events of one area.</summary>
/// <param name="Name">The area's name.</param>
/// <param name="Requests"><c>cma_alloc_start</c> events.</param>
/// <param name="Succeeded"><c>cma_alloc_finish</c> with a page.</param>
/// <param name="Failed"><c>cma_alloc_finish</c> with a NULL page.</param>
/// <param name="BusyRetries"><c>cma_alloc_busy_retry</c> events.</param>
/// <param name="PagesAllocated">Pages of the successful requests.</param>
/// <param name="Releases"><c>cma_release</c> events.</param>
/// <param name="PagesReleased">Pages released.</param>
/// <param name="MaxLatencyNs">The longest start-to-finish time of one task's request, in trace timestamp units.</param>
public sealed record TraceCmaArea(string Name, long Requests, long Succeeded, long Failed, long BusyRetries, long PagesAllocated, long Releases, long PagesReleased, long MaxLatencyNs);
