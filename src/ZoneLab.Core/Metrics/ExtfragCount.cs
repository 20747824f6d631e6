namespace ZoneLab.Metrics;

/// <summary>
/// <c>mm_page_alloc_extfrag</c> events for one (requested, fallback) migratetype pair: how often an allocation took a
/// page from another type's free list, and how often that claimed the whole pageblock (<c>change_ownership</c>).
/// </summary>
/// <param name="Alloc">The requested migratetype (<c>Unmovable</c>).</param>
/// <param name="Fallback">The free list the page came from (<c>Movable</c>).</param>
/// <param name="Fallbacks">Events that left the pageblock's type unchanged (a mixed pageblock).</param>
/// <param name="Claimed">Events that changed the pageblock's owner.</param>
public readonly record struct ExtfragCount(string Alloc, string Fallback, long Fallbacks, long Claimed);
