namespace ZoneLab.Allocator;

/// <summary>
/// Internal allocation flags of the page allocator (mm/internal.h, 6.1 with the ALLOC_MIN_RESERVE/ALLOC_NON_BLOCK
/// backport). The low two bits select the watermark (<c>ALLOC_WMARK_MASK</c>).
/// </summary>
[Flags]
public enum AllocFlags : uint
{
    /// <summary>ALLOC_WMARK_MIN (0).</summary>
    WmarkMin = 0,

    /// <summary>ALLOC_WMARK_LOW.</summary>
    WmarkLow = 1,

    /// <summary>ALLOC_WMARK_HIGH.</summary>
    WmarkHigh = 2,

    /// <summary>ALLOC_NO_WATERMARKS: skip the watermark test (PF_MEMALLOC, __GFP_MEMALLOC).</summary>
    NoWatermarks = 0x04,

    /// <summary>ALLOC_OOM: an OOM victim may dip further into reserves.</summary>
    Oom = 0x08,

    /// <summary>ALLOC_NON_BLOCK: caller cannot block (was ALLOC_HARDER).</summary>
    NonBlock = 0x10,

    /// <summary>ALLOC_MIN_RESERVE: __GFP_HIGH, half of the min reserve (was ALLOC_HIGH).</summary>
    MinReserve = 0x20,

    /// <summary>ALLOC_CPUSET.</summary>
    Cpuset = 0x40,

    /// <summary>ALLOC_CMA: may use MIGRATE_CMA pageblocks.</summary>
    Cma = 0x80,

    /// <summary>ALLOC_NOFRAGMENT: avoid mixing pageblock types (fall back only by whole pageblocks).</summary>
    NoFragment = 0x100,

    /// <summary>ALLOC_HIGHATOMIC: may use MIGRATE_HIGHATOMIC.</summary>
    HighAtomic = 0x200,

    /// <summary>ALLOC_KSWAPD: may wake kswapd.</summary>
    Kswapd = 0x800,

    /// <summary>ALLOC_WMARK_MASK.</summary>
    WmarkMask = 0x03,

    /// <summary>ALLOC_RESERVES.</summary>
    Reserves = NonBlock | MinReserve | HighAtomic | Oom,
}
