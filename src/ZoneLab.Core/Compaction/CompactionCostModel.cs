namespace ZoneLab.Compaction;

/// <summary>
/// Simulated time charged for compaction work, in nanoseconds per page: migrating a page is a copy of 4 KiB plus
/// remapping (~2 µs), stepping a scanner over a pfn a few dozen cycles. Compaction owns its costs so that it needs
/// nothing from reclaim (reclaim calls compaction, as vmscan.c calls compaction_suitable and wakeup_kcompactd, never
/// the other way round).
/// </summary>
public sealed record CompactionCostModel
{
    /// <summary>Per page migrated by compaction.</summary>
    public double MigrateNs { get; init; } = 2_000;

    /// <summary>Per pfn the compaction scanners step over.</summary>
    public double CompactScanNs { get; init; } = 20;
}
