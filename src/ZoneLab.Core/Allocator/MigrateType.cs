namespace ZoneLab.Allocator;

/// <summary>Pageblock and free-list migratetypes in the kernel's order (<c>enum migratetype</c>, include/linux/mmzone.h).</summary>
public enum MigrateType : byte
{
    /// <summary>MIGRATE_UNMOVABLE: kernel allocations.</summary>
    Unmovable = 0,

    /// <summary>MIGRATE_MOVABLE: user pages and most page cache.</summary>
    Movable = 1,

    /// <summary>MIGRATE_RECLAIMABLE: reclaimable slab and similar.</summary>
    Reclaimable = 2,

    /// <summary>MIGRATE_HIGHATOMIC (= MIGRATE_PCPTYPES): reserve for high-order atomic allocations.</summary>
    HighAtomic = 3,

    /// <summary>MIGRATE_CMA: only ALLOC_CMA (movable) requests, never stolen.</summary>
    Cma = 4,

    /// <summary>MIGRATE_ISOLATE: never allocated, not counted as free.</summary>
    Isolate = 5,
}

/// <summary>Constants and predicates over <see cref="MigrateType"/>.</summary>
public static class MigrateTypes
{
    /// <summary><c>MIGRATE_TYPES</c> with CONFIG_CMA and CONFIG_MEMORY_ISOLATION.</summary>
    public const int Count = 6;

    /// <summary><c>MIGRATE_PCPTYPES</c>: the types with per-cpu lists and fallbacks.</summary>
    public const int PcpTypes = 3;

    /// <summary>Names as <c>/proc/pagetypeinfo</c> prints them (<c>migratetype_names[]</c>, mm/vmstat.c).</summary>
    public static string Name(MigrateType t) => t switch
    {
        MigrateType.Unmovable => "Unmovable",
        MigrateType.Movable => "Movable",
        MigrateType.Reclaimable => "Reclaimable",
        MigrateType.HighAtomic => "HighAtomic",
        MigrateType.Cma => "CMA",
        MigrateType.Isolate => "Isolate",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary><c>migratetype_is_mergeable(mt)</c> = <c>mt &lt; MIGRATE_PCPTYPES</c>.</summary>
    public static bool IsMergeable(MigrateType t) => (int)t < PcpTypes;

    /// <summary><c>is_migrate_movable(mt)</c>: MOVABLE or CMA.</summary>
    public static bool IsMovable(MigrateType t) => t == MigrateType.Movable || t == MigrateType.Cma;
}
