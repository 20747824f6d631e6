namespace ZoneLab.Contiguous;

/// <summary>
/// Turns the work of a contiguous allocation into simulated time. The constants are overridable; their defaults and
/// sources (docs/cost-model.md):
/// <list type="bullet">
/// <item>migrate 57 µs/page and discard 2.7 µs/page: commit 02c6de8d757c (Minchan Kim, Mel Gorman, 2012): in QEMU,
///   <c>__alloc_contig_migrate_range()</c> on 10 MB took 146 ms migrating and 7 ms dropping clean page cache
///   (14.6 and 0.7 ms per MB, 256 pages per MB);</item>
/// <item>writeback 40 µs/page and swap-out 40 µs/page: a 100 MB/s storage device (assumption, eMMC class);</item>
/// <item>311 µs per alloc_contig_range() attempt (isolation, drain_all_pages() and lru_add_drain_all() IPIs) and
///   133 µs per 512-page pageblock of the range: cma_alloc() on a 4.14 Android ARM SoC (2 GiB, 1 GiB CMA; linux-mm,
///   "mm/cma.c: High latency for cma allocation", Pankaj Suryawanshi, March 2019): 4, 16 and 256 KiB took
///   311, 560 and 280 µs (median 311), and 390100 KiB (190.5 pageblocks) 12.7-30.0 ms, median 25.7 ms
///   = 311 µs + 190.5 × 133 µs (a busy window costs an attempt even when nothing moves).</item>
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

    /// <summary>Microseconds per alloc_contig_range() call (the median of the 2019 linux-mm small-allocation figures).</summary>
    public double AttemptUs { get; init; } = 311;

    /// <summary>Microseconds per isolated pageblock ((25735 − 311) / 190.5 from the same thread's 390100 KiB allocations).</summary>
    public double IsolateUsPerPageblock { get; init; } = (25_735.0 - 311) / 190.5;

    /// <summary>The defaults above (the model a scenario without <c>machine.contig_costs</c> uses).</summary>
    public static ContigCostModel Default { get; } = new();

    /// <summary>
    /// The model with a real-hardware migration time instead of the 2012 QEMU one: 3.88 µs per 4 KiB page, from
    /// move_pages() of 512 base pages in 1987.38 µs across the sockets of a two-socket Xeon E5-2640 v3 (Zi Yan, "mm: page
    /// migration enhancement for thp" v9, July 2017, cover letter in commit 88aaa2a1d732). With it the proportions
    /// the oracle guest measures on 6.1 hold within 1.5× (docs/fidelity.md, "Costs measured in the guest").
    /// </summary>
    public static ContigCostModel RealHardwareMigration { get; } = new() { MigrateUsPerPage = 1987.38 / 512 };

    /// <summary>Simulated time of the work in microseconds.</summary>
    public double Microseconds(ContigWork w) =>
        w.Migrated * MigrateUsPerPage
        + w.Discarded * DiscardUsPerPage
        + w.WrittenBack * WritebackUsPerPage
        + w.SwappedOut * SwapOutUsPerPage
        + w.Attempts * AttemptUs
        + w.PageblocksIsolated * IsolateUsPerPageblock;
}
