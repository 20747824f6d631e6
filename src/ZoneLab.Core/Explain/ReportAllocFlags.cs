using ZoneLab.Allocator;

namespace ZoneLab.Explain;

/// <summary>
/// The ALLOC_* flags the slow path checks a zone with, as each kernel generation computes them. Only the flags that
/// change <c>__zone_watermark_ok()</c> are kept; their values are this model's, not the kernel's.
/// </summary>
[Flags]
public enum ReportAllocFlags
{
    /// <summary>ALLOC_WMARK_MIN only.</summary>
    None = 0,

    /// <summary>ALLOC_HIGH (v4.4-v6.2) / ALLOC_MIN_RESERVE (v6.3+): __GFP_HIGH, min is halved.</summary>
    High = 1 << 0,

    /// <summary>ALLOC_HARDER (v4.4-v6.2): __GFP_ATOMIC without __GFP_NOMEMALLOC; min -= min/4, highatomic usable.</summary>
    Harder = 1 << 1,

    /// <summary>ALLOC_NON_BLOCK (v6.3+): no __GFP_DIRECT_RECLAIM and no __GFP_NOMEMALLOC; min -= min/4 with ALLOC_MIN_RESERVE.</summary>
    NonBlock = 1 << 2,

    /// <summary>ALLOC_HIGHATOMIC (v6.3+): non-blocking order &gt; 0; may take MIGRATE_HIGHATOMIC blocks.</summary>
    HighAtomic = 1 << 3,

    /// <summary>ALLOC_CMA: the request's migratetype is MIGRATE_MOVABLE, so free MIGRATE_CMA pages count.</summary>
    Cma = 1 << 4,

    /// <summary>ALLOC_NO_WATERMARKS: __GFP_MEMALLOC, or a PF_MEMALLOC task (kswapd, reclaim) outside interrupts.</summary>
    NoWatermarks = 1 << 5,
}

/// <summary>Names of <see cref="ReportAllocFlags"/> as each kernel generation spells them.</summary>
public static class ReportAllocFlagNames
{
    /// <summary>"ALLOC_WMARK_MIN|ALLOC_HIGH|..." in the vocabulary of kernel <paramref name="version"/>.</summary>
    public static List<string> Names(ReportAllocFlags f, int version)
    {
        var names = new List<string> { "ALLOC_WMARK_MIN" };
        if ((f & ReportAllocFlags.High) != 0)
        {
            names.Add(version >= 603 ? "ALLOC_MIN_RESERVE" : "ALLOC_HIGH");
        }
        if ((f & ReportAllocFlags.Harder) != 0)
        {
            names.Add("ALLOC_HARDER");
        }
        if ((f & ReportAllocFlags.NonBlock) != 0)
        {
            names.Add("ALLOC_NON_BLOCK");
        }
        if ((f & ReportAllocFlags.HighAtomic) != 0)
        {
            names.Add("ALLOC_HIGHATOMIC");
        }
        if ((f & ReportAllocFlags.Cma) != 0)
        {
            names.Add("ALLOC_CMA");
        }
        if ((f & ReportAllocFlags.NoWatermarks) != 0)
        {
            names.Add("ALLOC_NO_WATERMARKS");
        }
        return names;
    }
}
