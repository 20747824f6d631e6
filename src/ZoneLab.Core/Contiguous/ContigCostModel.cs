namespace ZoneLab.Contiguous;

/// <summary>
/// Turns the work of a contiguous allocation into simulated time. The constants are overridable; their defaults and
/// sources (docs/cost-model.md):
/// <list type="bullet">
/// <item>migrate 57 µs/page and discard 2.7 µs/page: commit 02c6de8d757c (Minchan Kim, Mel Gorman, 2012): in QEMU,
///   <c>__alloc_contig_migrate_range()</c> on 10 MB took 146 ms migrating and 7 ms dropping clean page cache
///   (14.6 and 0.7 ms per MB, 256 pages per MB);</item>
/// <item>writeback 40 µs/page and swap-out 40 µs/page: a 100 MB/s storage device (assumption, eMMC class);</item>
/// <item>1 ms per alloc_contig_range() attempt for isolation, drain_all_pages() and lru_add_drain_all() IPIs, and
///   20 µs per pageblock isolated (assumption; a busy window costs an attempt even when nothing moves).</item>
/// </list>
/// </summary>
public sealed record ContigCostModel
{
    /// <summary>Microseconds per migrated page.</summary>
    public double MigrateUsPerPage { get; init; } = 146_000.0 / 2560;

    /// <summary>Microseconds per discarded clean page.</summary>
    public double DiscardUsPerPage { get; init; } = 7_000.0 / 2560;

    /// <summary>Microseconds per page written back.</summary>
    public double WritebackUsPerPage { get; init; } = 40;

    /// <summary>Microseconds per page swapped out.</summary>
    public double SwapOutUsPerPage { get; init; } = 40;

    /// <summary>Microseconds per alloc_contig_range() call.</summary>
    public double AttemptUs { get; init; } = 1000;

    /// <summary>Microseconds per isolated pageblock.</summary>
    public double IsolateUsPerPageblock { get; init; } = 20;

    /// <summary>Simulated time of the work in microseconds.</summary>
    public double Microseconds(ContigWork w) =>
        w.Migrated * MigrateUsPerPage
        + w.Discarded * DiscardUsPerPage
        + w.WrittenBack * WritebackUsPerPage
        + w.SwappedOut * SwapOutUsPerPage
        + w.Attempts * AttemptUs
        + w.PageblocksIsolated * IsolateUsPerPageblock;
}
