using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Explain;

/// <summary>Why a request failed, as the replay on the dumped numbers sees it.</summary>
public enum FailureClass
{
    /// <summary>At least one zone passes the check on the dumped numbers (the state changed between failure and dump).</summary>
    PassesOnDump,

    /// <summary>Not enough free memory: below the (reduced) min watermark even counting everything the request may use.</summary>
    NotEnoughFreeMemory,

    /// <summary>Free memory the request may not use: CMA, highatomic, ZONE_MOVABLE or the lowmem reserve would have satisfied it.</summary>
    FreeMemoryNotUsable,

    /// <summary>The watermark passes but no free block of the order (in a usable migratetype) exists: fragmentation.</summary>
    NoFreeBlockOfOrder,

    /// <summary>No populated zone is in the request's zonelist.</summary>
    NoEligibleZone,

    /// <summary>The report was cut before its zone lines: only what the request allowed can be said.</summary>
    ReportCutShort,
}

/// <summary>The replay of <c>__zone_watermark_ok()</c> for one zone of the zonelist.</summary>
public sealed class ZoneVerdict
{
    public required DumpedZone Zone { get; init; }

    /// <summary>The zone's index (ZONE_DMA = 0 ...).</summary>
    public int Index { get; init; }

    /// <summary>What <c>__zone_watermark_ok(z, order, min_wmark_pages(z), highest_zoneidx, alloc_flags, free)</c> returns.</summary>
    public bool WatermarkOk { get; init; }

    /// <summary>NR_FREE_PAGES as dumped (pages).</summary>
    public long FreePages { get; init; }

    /// <summary>min_wmark_pages(z) as dumped (includes the boost since v5.0), pages.</summary>
    public long Min { get; init; }

    /// <summary>The mark actually used: <see cref="Min"/>, or the unboosted min for atomic order-0 (v5.9+).</summary>
    public long Mark { get; init; }

    /// <summary>lowmem_reserve[highest_zoneidx], pages.</summary>
    public long LowmemReserve { get; init; }

    /// <summary>Free CMA pages (NR_FREE_CMA_PAGES).</summary>
    public long FreeCma { get; init; }

    /// <summary>nr_reserved_highatomic (pages; 0 when the kernel did not print it).</summary>
    public long ReservedHighatomic { get; init; }

    /// <summary>Pages taken out of free: (1 &lt;&lt; order) - 1, plus highatomic and CMA where the flags forbid them.</summary>
    public long Unusable { get; init; }

    /// <summary>Whether free CMA pages were taken out (no ALLOC_CMA).</summary>
    public bool CmaExcluded { get; init; }

    /// <summary>Whether the highatomic reserve was taken out.</summary>
    public bool HighatomicExcluded { get; init; }

    /// <summary>min after the ALLOC_HIGH/HARDER (MIN_RESERVE/NON_BLOCK) reductions.</summary>
    public long EffectiveMin { get; init; }

    /// <summary>free - unusable.</summary>
    public long UsableFree => FreePages - Unusable;

    /// <summary>The order-0 part: usable free &gt; effective min + lowmem_reserve.</summary>
    public bool Order0Ok { get; init; }

    /// <summary>Pages missing for the order-0 part (0 when it passes): effective min + reserve + 1 - usable free.</summary>
    public long ShortPages { get; init; }

    /// <summary>For order &gt; 0 when the order-0 part passes: whether a block of order ≥ the request's in a usable migratetype exists.</summary>
    public bool? OrderOk { get; init; }

    /// <summary>Highest order with any free block, or -1.</summary>
    public int LargestFreeOrder { get; init; }

    /// <summary>Highest order with a free block in a migratetype this request may take, or -1.</summary>
    public int LargestUsableOrder { get; init; }

    /// <summary>After a passed watermark: whether rmqueue() finds a block on a list the request may take.</summary>
    public bool RmqueueOk { get; init; }

    /// <summary>The zone would have given the page: the watermark passes and rmqueue() finds a block.</summary>
    public bool Passes => WatermarkOk && RmqueueOk;

    /// <summary>The part that fails: "watermark", "order" (the order loop of the check), "rmqueue", or null.</summary>
    public string? Fails => Passes ? null : !Order0Ok ? "watermark" : !WatermarkOk ? "order" : "rmqueue";

    /// <summary>Which free memory the request may not use made the difference, if any (cma, highatomic, lowmem_reserve, cma-blocks, highatomic-blocks).</summary>
    public string? Blocker { get; init; }

    /// <summary>One sentence: which part fails and by how many pages.</summary>
    public required string Reason { get; init; }
}

/// <summary>What would have changed the outcome (derived from the dump alone).</summary>
public sealed class WhatIf
{
    /// <summary>Per design: may the request use the free movable-only memory, and the outcome.</summary>
    public List<(string Design, bool MayUse, string Outcome)> Designs { get; } = [];

    /// <summary>Effect of a larger min_free_kbytes.</summary>
    public required string MinFreeKbytes { get; init; }

    /// <summary>Effect of a larger watermark_scale_factor (and the value that would hold the missing pages), or why not.</summary>
    public required string WatermarkScaleFactor { get; init; }

    /// <summary>watermark_scale_factor that would keep the missing pages above min in the preferred zone, or null.</summary>
    public long? WatermarkScaleFactorNeeded { get; init; }

    /// <summary>Fewest extra free pages (in one zone of the zonelist) that would make the check pass.</summary>
    public long? MorePagesNeeded { get; init; }

    /// <summary>Minimum order of a block among those pages (the request's order when the order part fails), or null.</summary>
    public int? OfOrderAtLeast { get; init; }

    /// <summary>The zone those pages must be in.</summary>
    public string? InZone { get; init; }
}

/// <summary>The replay of one report.</summary>
public sealed class FailureVerdict
{
    public required AllocFailureReport Report { get; init; }

    /// <summary>Kernel version used for the rules, major*100+minor.</summary>
    public int Version { get; init; }

    /// <summary>Where the version came from: "dump" (the CPU/Comm line), "option", or "format" (guessed from the dump's format).</summary>
    public required string VersionSource { get; init; }

    /// <summary>Architecture used for the zone layout.</summary>
    public string? Arch { get; init; }

    public GfpFlags Gfp { get; init; }

    /// <summary>Names in the flags text the model does not know.</summary>
    public List<string> UnknownFlagNames { get; init; } = [];

    public required ReportZoneLayout Layout { get; init; }

    /// <summary>gfp_zone(): the highest zone index the request may use.</summary>
    public int HighestZoneIdx { get; init; }

    public ReportAllocFlags AllocFlags { get; init; }

    public List<ZoneVerdict> Zones { get; } = [];

    public FailureClass Class { get; init; }

    /// <summary>The class in words, with what made the difference.</summary>
    public required string Summary { get; init; }

    public required WhatIf WhatIf { get; init; }

    /// <summary>What <c>__alloc_pages_slowpath()</c> could try for this mask and order before giving up (<see cref="Explain.SlowPath"/>).</summary>
    public required string SlowPath { get; init; }

    /// <summary>Caveats about what the dump could not say (unprinted highatomic reserve, guessed version ...).</summary>
    public List<string> Notes { get; } = [];
}
