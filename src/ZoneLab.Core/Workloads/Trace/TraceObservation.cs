namespace ZoneLab.Workloads.Trace;

/// <summary>
/// What <see cref="TraceAllocationTracker.Observe"/> made of one event: for a successful <c>mm_page_alloc</c> the new
/// allocation's id; for an <c>mm_page_free</c> how it matched and the id of the allocation it (partly) ends.
/// A replay keeps its own block per id, so a free finds the block the model gave the same allocation.
/// </summary>
/// <param name="Match">How a free matched (<see cref="TraceFreeMatch.None"/> for other events).</param>
/// <param name="AllocationId">The allocation's id (0, 1, 2, ... in trace order), or -1.</param>
/// <param name="Ended">The free released the allocation's last page.</param>
public readonly record struct TraceObservation(TraceFreeMatch Match, long AllocationId, bool Ended)
{
    /// <summary>
    /// For an <c>mm_page_alloc</c> at the head pfn of an allocation still live in the trace, that allocation's id
    /// (else -1): the buddy allocator never hands out an allocated page, so the kernel freed it without a traced
    /// <c>mm_page_free</c> (a lost event, or tracing was off), and a replay frees its block too.
    /// </summary>
    public long SupersededId { get; init; } = -1;

    /// <summary>Nothing to report.</summary>
    public static TraceObservation Nothing => new(TraceFreeMatch.None, -1, false);
}
