namespace ZoneLab.Allocator;

/// <summary>Machine-wide event counters the model drives, named as <c>/proc/vmstat</c> names them.</summary>
public enum VmEvent
{
    PgallocDma, PgallocDma32, PgallocNormal, PgallocMovable, PgallocDevice,
    Pgfree,
    AllocstallDma, AllocstallDma32, AllocstallNormal, AllocstallMovable, AllocstallDevice,
    PgstealKswapd, PgstealDirect, PgscanKswapd, PgscanDirect, PgscanAnon, PgscanFile, PgstealAnon, PgstealFile,
    Pswpout, Pgrotated,
    KswapdWakeups, KswapdLowWmarkHitQuickly, KswapdHighWmarkHitQuickly, Pageoutrun,
    CompactMigrateScanned, CompactFreeScanned, CompactIsolated, CompactStall, CompactFail, CompactSuccess,
    CompactDaemonWake, CompactDaemonMigrateScanned, CompactDaemonFreeScanned,
    PgmigrateSuccess, PgmigrateFail,
    OomKill,
    SlabsScanned,

    /// <summary>Model-only: pages reclaimed from movable-only memory (MIGRATE_CMA pageblocks, ZONE_MOVABLE/ZONE_CMA) for
    /// a request without ALLOC_CMA that could not use them (docs/kernel-facts.md §9.3, "wasted reclaim").</summary>
    PgstealWastedModel,
    Count,
}

/// <summary>vmstat names for <see cref="VmEvent"/>.</summary>
public static class VmEvents
{
    private static readonly string[] s_names =
    [
        "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable", "pgalloc_device",
        "pgfree",
        "allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable", "allocstall_device",
        "pgsteal_kswapd", "pgsteal_direct", "pgscan_kswapd", "pgscan_direct", "pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file",
        "pswpout", "pgrotated",
        "kswapd_wakeups_model", "kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly", "pageoutrun",
        "compact_migrate_scanned", "compact_free_scanned", "compact_isolated", "compact_stall", "compact_fail", "compact_success",
        "compact_daemon_wake", "compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
        "pgmigrate_success", "pgmigrate_fail",
        "oom_kill",
        "slabs_scanned",
        "pgsteal_wasted_model",
    ];

    /// <summary>The vmstat name.</summary>
    public static string Name(VmEvent e) => s_names[(int)e];
}
