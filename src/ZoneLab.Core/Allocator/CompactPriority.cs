namespace ZoneLab.Allocator;

/// <summary>
/// <c>enum compact_priority</c> (include/linux/compaction.h, 6.1): how hard a direct compaction tries. Lower is
/// harder. The slow path starts costly and non-movable high-order requests with <see cref="Async"/>
/// (<c>INIT_COMPACT_PRIORITY</c>), compacts in its retry loop at <see cref="SyncLight"/>
/// (<c>DEF_COMPACT_PRIORITY</c>), and <c>should_compact_retry</c> may raise the priority down to
/// <c>MIN_COMPACT_COSTLY_PRIORITY</c> (<see cref="SyncLight"/>) for costly orders or <c>MIN_COMPACT_PRIORITY</c>
/// (<see cref="SyncFull"/>) for the others.
/// </summary>
public enum CompactPriority
{
    /// <summary><c>COMPACT_PRIO_SYNC_FULL</c> (<c>MIN_COMPACT_PRIORITY</c>): MIGRATE_SYNC, deferral ignored.</summary>
    SyncFull = 0,

    /// <summary><c>COMPACT_PRIO_SYNC_LIGHT</c>: MIGRATE_SYNC_LIGHT; a run whose scanners met defers the zone.</summary>
    SyncLight = 1,

    /// <summary><c>COMPACT_PRIO_ASYNC</c>: MIGRATE_ASYNC; never defers a zone.</summary>
    Async = 2,
}
