namespace ZoneLab.Reclaim;

/// <summary>
/// Simulated time charged for reclaim work, in nanoseconds per page (compaction's: <see cref="Compaction.CompactionCostModel"/>). The defaults are rough
/// orders of magnitude for a server with an SSD: scanning an LRU page costs a few hundred cycles, dropping a
/// clean page-cache page a microsecond (unmap + free), writing back a dirty page or swapping out an anonymous one
/// an I/O (~20 µs / ~50 µs amortised with batching).
/// The model adds them up per activity; it does not simulate the I/O queue.
/// </summary>
public sealed record ReclaimCostModel
{
    /// <summary>Per LRU page looked at.</summary>
    public double ScanNs { get; init; } = 100;

    /// <summary>Per clean file page dropped.</summary>
    public double DropCleanNs { get; init; } = 1_000;

    /// <summary>Per dirty file page written back before it can be dropped.</summary>
    public double WritebackNs { get; init; } = 20_000;

    /// <summary>Per anonymous page swapped out.</summary>
    public double SwapOutNs { get; init; } = 50_000;

    /// <summary>
    /// Per anonymous page read back from swap on a fault (<c>do_swap_page</c>): a synchronous 4 KiB read the faulting
    /// task waits for, the same device as <see cref="SwapOutNs"/>.
    /// </summary>
    public double SwapInNs { get; init; } = 50_000;

    /// <summary>Per page-cache page read again after reclaim dropped it (a refault the reading task waits for).</summary>
    public double RefaultReadNs { get; init; } = 50_000;

    /// <summary>
    /// Per base page of a partly unmapped anonymous THP that split_huge_page splits in the deferred-split shrinker
    /// (unmap_folio, one __split_huge_page_tail per page, remap_page, the unmapped pages freed). Not measured: 0, so
    /// the background kswapd finishes a deferred_split_scan call within the slice that starts it. With a cost, the
    /// call stays in flight across slices while the workload runs on, as the kernel's does (docs/fidelity.md,
    /// "Round 11 — where the THP splits come from": the guest's snapshots catch kswapd inside it).
    /// </summary>
    public double ThpSplitPerPageNs { get; init; }
}
