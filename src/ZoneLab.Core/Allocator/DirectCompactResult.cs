namespace ZoneLab.Allocator;

/// <summary>
/// What a direct compaction returned to the slow path: the cases of <c>enum compact_result</c> that
/// <c>should_compact_retry</c> tells apart (compaction_made_progress, compaction_failed, compaction_withdrawn,
/// compaction_needs_reclaim), numbered in the kernel's order. The compaction model's own, richer result lives above
/// the allocator (ZoneLab.Compaction.CompactResult).
/// </summary>
public enum DirectCompactResult
{
    /// <summary>COMPACT_SKIPPED: no zone had enough free pages for migration targets (or none could be compacted).</summary>
    Skipped = 1,

    /// <summary>COMPACT_DEFERRED: every zone that could be compacted was deferred.</summary>
    Deferred = 2,

    /// <summary>COMPACT_COMPLETE: the scanners met without making a block of the order.</summary>
    Complete = 5,

    /// <summary>COMPACT_CONTENDED: compaction stopped early (no migration target before the scanners met).</summary>
    Contended = 7,

    /// <summary>COMPACT_SUCCESS: a zone ended with a suitable free block.</summary>
    Success = 8,
}
