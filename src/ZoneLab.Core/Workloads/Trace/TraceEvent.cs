using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// One page-allocator or CMA trace event with the context ftrace prints before it
/// (<c>trace_print_context()</c>, kernel/trace/trace_output.c: <c>TASK-PID [CPU] FLAGS TIMESTAMP: EVENT:</c>) and
/// its fields, typed. Which fields are meaningful depends on <see cref="Kind"/>; the others are 0 (or -1 for
/// <see cref="Pfn"/>). The kernel's field names are given on each member.
/// </summary>
public readonly record struct TraceEvent
{
    /// <summary>The tracepoint.</summary>
    public TraceEventKind Kind { get; init; }

    /// <summary>1-based line in the trace text.</summary>
    public long Line { get; init; }

    /// <summary>The task's comm (<c>&lt;idle&gt;</c>, <c>&lt;...&gt;</c> when ftrace no longer had it).</summary>
    public string Task { get; init; }

    /// <summary>The pid printed after the comm.</summary>
    public int Pid { get; init; }

    /// <summary>The CPU in <c>[NNN]</c>.</summary>
    public int Cpu { get; init; }

    /// <summary>
    /// The timestamp in nanoseconds for the <c>SECONDS.FRACTION</c> format of the default clocks; the raw
    /// counter value for counter clocks (<c>trace_clock</c> <c>counter</c>, <c>x86-tsc</c>), which print an integer.
    /// </summary>
    public long Timestamp { get; init; }

    /// <summary>
    /// <c>pfn=</c>: the head pfn of the block (<c>mm_page_*</c>, <c>cma_alloc_finish</c>, <c>cma_release</c>);
    /// -1 when the kernel had no page (failed <c>mm_page_alloc</c> or <c>cma_alloc_finish</c>) or the event has no pfn.
    /// </summary>
    public long Pfn { get; init; }

    /// <summary><c>order=</c> (<c>alloc_order=</c> of <c>mm_page_alloc_extfrag</c>).</summary>
    public int Order { get; init; }

    /// <summary>
    /// <c>migratetype=</c> (<c>alloc_migratetype=</c> of <c>mm_page_alloc_extfrag</c>), by number as the kernel prints
    /// it (<c>enum migratetype</c>; 4 is MIGRATE_CMA only in kernels built with CONFIG_CMA).
    /// </summary>
    public MigrateType MigrateType { get; init; }

    /// <summary><c>gfp_flags=</c> of <c>mm_page_alloc</c>.</summary>
    public GfpFlags GfpFlags { get; init; }

    /// <summary><c>percpu_refill=</c> of <c>mm_page_alloc_zone_locked</c>: the block went to a per-cpu list.</summary>
    public bool PercpuRefill { get; init; }

    /// <summary><c>fallback_order=</c> of <c>mm_page_alloc_extfrag</c>: the order of the free block stolen from.</summary>
    public int FallbackOrder { get; init; }

    /// <summary><c>fallback_migratetype=</c> of <c>mm_page_alloc_extfrag</c>: the free list stolen from.</summary>
    public MigrateType FallbackMigrateType { get; init; }

    /// <summary><c>pageblock_order=</c> of <c>mm_page_alloc_extfrag</c>.</summary>
    public int PageblockOrder { get; init; }

    /// <summary><c>fragmenting=</c>: <c>fallback_order &lt; pageblock_order</c>.</summary>
    public bool Fragmenting { get; init; }

    /// <summary><c>change_ownership=</c>: the pageblock now has the requested migratetype (it was claimed).</summary>
    public bool ChangeOwnership { get; init; }

    /// <summary><c>name=</c> of the CMA events: the area's name.</summary>
    public string? CmaName { get; init; }

    /// <summary><c>count=</c> of the CMA events, in pages.</summary>
    public long Count { get; init; }

    /// <summary><c>align=</c> of <c>cma_alloc_*</c>: the alignment order.</summary>
    public int Align { get; init; }

    /// <summary>The allocation failed: a <c>mm_page_alloc</c> or <c>cma_alloc_finish</c> with a NULL page.</summary>
    public bool Failed { get; init; }
}
