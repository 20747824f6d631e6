namespace ZoneLab.Metrics;

/// <summary>
/// Whether one GFP class can be served from a design's movable-only memory, derived from the engine's
/// <c>gfp_zone</c> table and the ALLOC_CMA rule of <c>gfp_to_alloc_flags_cma</c>.
/// </summary>
/// <param name="Gfp">The GFP class (<c>GFP_KERNEL</c>, <c>GFP_USER|__GFP_MOVABLE</c>, ...).</param>
/// <param name="HighestZone">gfp_zone(): the highest zone of the zonelist walk (<c>Normal</c>, <c>Movable</c>, ...).</param>
/// <param name="AllocCma">The request gets ALLOC_CMA (movable migratetype), so MIGRATE_CMA free lists are open to it.</param>
/// <param name="MovableZone">The zonelist walk reaches a populated ZONE_MOVABLE or ZONE_CMA.</param>
/// <param name="CmaPageblocks">ALLOC_CMA and the zonelist walk reaches a zone with CMA pageblocks.</param>
public readonly record struct MovableOnlyAccess(string Gfp, string HighestZone, bool AllocCma, bool MovableZone, bool CmaPageblocks)
{
    /// <summary>True when a page of movable-only memory can be handed to this class.</summary>
    public bool MayAllocate => MovableZone || CmaPageblocks;
}
