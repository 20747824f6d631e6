using ZoneLab.Allocator;

namespace ZoneLab.Explain;

/// <summary>
/// What <c>__alloc_pages_slowpath()</c> could try for a request before <c>warn_alloc()</c>, from its gfp mask and order
/// alone: direct reclaim, direct compaction, and whether it retries. This holds whatever the zones' numbers were, so it
/// is said even for a report cut before its zone lines; it often is the answer (a costly order asked without I/O can
/// neither compact nor retry).
/// </summary>
public static class SlowPath
{
    /// <summary>PAGE_ALLOC_COSTLY_ORDER: above it an allocation is "costly" and is not retried by default.</summary>
    public const int PageAllocCostlyOrder = 3;

    /// <summary>
    /// One sentence for kernel <paramref name="version"/> (major*100+minor); <paramref name="pfMemalloc"/>: the task
    /// runs with PF_MEMALLOC (kswapd), which never reclaims on its own behalf.
    /// </summary>
    public static string Describe(GfpFlags gfp, int order, int version, bool pfMemalloc = false)
    {
        if (pfMemalloc && (gfp & GfpFlags.DirectReclaim) != 0)
        {
            // mirrors __alloc_pages_slowpath(): "Avoid recursion of direct reclaim" (PF_MEMALLOC → nopage), and the
            // early costly compaction is skipped for gfp_pfmemalloc_allowed() requests
            return "no direct reclaim or compaction: the task runs with PF_MEMALLOC, so __alloc_pages_slowpath() does not "
                + "recurse into reclaim; with ALLOC_NO_WATERMARKS it fails only when no zone has a free block of the order";
        }
        if ((gfp & GfpFlags.DirectReclaim) == 0)
        {
            // mirrors __alloc_pages_slowpath(): "Caller is not willing to reclaim, we can't balance anything"
            string kswapd = (gfp & GfpFlags.KswapdReclaim) != 0 ? "; kswapd is woken to reclaim in the background" : "";
            string nofail = (gfp & GfpFlags.NoFail) != 0 ? "; __GFP_NOFAIL cannot be honoured without it (the kernel warns)" : "";
            return $"no direct reclaim or compaction (no __GFP_DIRECT_RECLAIM): the request fails as soon as the free lists cannot serve it{kswapd}{nofail}";
        }
        var parts = new List<string> { "direct reclaim" };
        string? compactBlocker = order == 0 ? null : CompactionBlocker(gfp, version);
        if (order > 0)
        {
            parts.Add(compactBlocker is null
                ? "direct compaction"
                : $"no direct compaction ({compactBlocker}: try_to_compact_pages() returns COMPACT_SKIPPED)");
        }
        parts.Add(Retries(gfp, order, version, compactBlocker is null));
        return string.Join("; ", parts);
    }

    /// <summary>
    /// Why direct compaction is skipped for this mask, or null when it may run. mirrors try_to_compact_pages(): v4.4-v4.9
    /// need both __GFP_FS and __GFP_IO (may_enter_fs, may_perform_io); from v4.10 (73e64c51afc5, "allow compaction
    /// for GFP_NOFS requests") __GFP_IO alone (gfp_compaction_allowed() from v6.8).
    /// </summary>
    public static string? CompactionBlocker(GfpFlags gfp, int version)
    {
        if ((gfp & GfpFlags.Io) == 0)
        {
            return "no __GFP_IO";
        }
        if (version < 410 && (gfp & GfpFlags.Fs) == 0)
        {
            return "no __GFP_FS, which v4.4-v4.9 require";
        }
        return null;
    }

    // mirrors the end of __alloc_pages_slowpath(): __GFP_NORETRY → nopage; costly without __GFP_RETRY_MAYFAIL (v6.8+:
    // or unable to compact) → nopage; otherwise should_reclaim_retry()/should_compact_retry() loop, and orders up to
    // PAGE_ALLOC_COSTLY_ORDER reach __alloc_pages_may_oom()
    private static string Retries(GfpFlags gfp, int order, int version, bool canCompact)
    {
        string mayfail = version >= 413 ? "__GFP_RETRY_MAYFAIL" : "__GFP_REPEAT";
        if ((gfp & GfpFlags.NoFail) != 0)
        {
            return "__GFP_NOFAIL: retried until it succeeds";
        }
        if ((gfp & GfpFlags.NoRetry) != 0)
        {
            return "__GFP_NORETRY: one reclaim (and compaction) attempt, no retry";
        }
        bool costly = order > PageAllocCostlyOrder;
        if (costly && (gfp & GfpFlags.RetryMayfail) == 0)
        {
            return $"order {order} is costly (> PAGE_ALLOC_COSTLY_ORDER {PageAllocCostlyOrder}) and has no {mayfail}: no retry after the first attempt";
        }
        if (costly && !canCompact && version >= 608)
        {
            return $"order {order} is costly and may not compact: no retry despite {mayfail} (v6.8+)";
        }
        if ((gfp & GfpFlags.RetryMayfail) != 0 && (costly || version >= 413))
        {
            // before v4.13 __GFP_REPEAT changed nothing for orders up to PAGE_ALLOC_COSTLY_ORDER
            return $"{mayfail}: retried while reclaim makes progress, then it fails without the OOM killer";
        }
        string progress = order == 0 ? "reclaim makes" : "reclaim or compaction make";
        return (gfp & GfpFlags.Fs) != 0
            ? $"retried while {progress} progress, then the OOM killer is invoked"
            : $"retried while {progress} progress; no OOM kill for a request without __GFP_FS";
    }
}
