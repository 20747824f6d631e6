using ZoneLab.Allocator;
using ZoneLab.Compaction;

namespace ZoneLab.Reclaim;

// Reclaim for a high-order request that compaction will serve ("reclaim/compaction", 6.1 mm/vmscan.c): direct
// reclaim keeps shrinking the node until compaction_suitable lets compaction run (should_continue_reclaim), and
// skips a zone where compaction could already run with a buffer (compaction_ready, costly orders).
public sealed partial class ReclaimModel
{
    // mirrors in_reclaim_compaction (6.1): a high-order reclaim at a costly order, or at any order once the priority
    // fell below DEF_PRIORITY - 2
    private static bool InReclaimCompaction(int order, int priority)
        => order > 0 && (order > Pageblock.CostlyOrder || priority < DefPriority - 2);

    // mirrors should_continue_reclaim (6.1): in reclaim/compaction mode, shrink_node goes round again while the last
    // round reclaimed something, no eligible zone of the node has compaction_suitable COMPACT_SUCCESS or
    // COMPACT_CONTINUE (the order-0 watermark plus compact_gap(order) is not met, or the fragmentation index says the
    // failure is lack of memory), and the node's inactive lists (file; anon while swap has room) hold more than
    // compact_gap(order) pages
    private bool ShouldContinueReclaim(int node, int order, int reclaimIdx, int priority, long reclaimedThisRound)
    {
        if (!InReclaimCompaction(order, priority) || reclaimedThisRound == 0)
        {
            return false;
        }

        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node != node || (int)z.Type > reclaimIdx || !z.IsPopulated)
            {
                continue;
            }

            // compaction_suitable(zone, sc->order, 0, sc->reclaim_idx): alloc_flags 0 is ALLOC_WMARK_MIN
            if (Compactor.Suitable(z, order, reclaimIdx) is CompactResult.Success or CompactResult.Continue)
            {
                return false;
            }
        }

        long inactive = _m.LruPages(node, LruList.InactiveFile);
        if (_m.Spec.SwapPages > _m.SwapUsedPages)
        {
            inactive += _m.LruPages(node, LruList.InactiveAnon); // can_reclaim_anon_pages
        }

        return inactive > CompactGap(order);
    }

    // a reclaim/compaction round ends at cond_resched() points (shrink_lruvec, shrink_node_memcgs): the scheduler
    // may run kswapd there before shrink_node decides whether to go round again
    private bool ShouldContinueReclaimAfterResched(int node, int order, int reclaimIdx, int priority, long reclaimedThisRound)
    {
        if (!InReclaimCompaction(order, priority) || reclaimedThisRound == 0)
        {
            return false;
        }

        DirectReclaimed?.Invoke();
        return ShouldContinueReclaim(node, order, reclaimIdx, priority, reclaimedThisRound);
    }

    // mirrors compaction_ready (6.1): a zone where the allocation would already succeed, or where compaction could run
    // and the free pages are above the high watermark plus compact_gap(order) (zone_watermark_ok_safe at order 0)
    private bool CompactionReady(Zone z, int order, int reclaimIdx)
    {
        CompactResult suitable = Compactor.Suitable(z, order, reclaimIdx);
        if (suitable == CompactResult.Success)
        {
            return true;
        }

        if (suitable != CompactResult.Continue)
        {
            return false;
        }

        return _m.ZoneWatermarkOk(z, 0, z.Watermarks.High + (ulong)CompactGap(order), reclaimIdx, AllocFlags.WmarkMin);
    }

    // compact_gap: "twice the allocation size" of free pages for compaction's migration targets
    private static long CompactGap(int order) => 2L << order;

    // mirrors the costly-order check of shrink_zones (6.1): a node is shrunk unless every eligible zone of it is
    // compaction_ready (the zonelist walk skips a ready zone and shrinks a node at its first zone that is not);
    // anyReady tells do_try_to_free_pages that sc->compaction_ready was set
    private bool NodeCompactionReady(int node, int order, int reclaimIdx, out bool anyReady)
    {
        anyReady = false;
        bool all = true;
        if (order <= Pageblock.CostlyOrder)
        {
            return false;
        }

        foreach (Zone z in _m.ZoneSpan)
        {
            if (z.Node != node || (int)z.Type > reclaimIdx || !z.IsPopulated)
            {
                continue;
            }

            if (CompactionReady(z, order, reclaimIdx))
            {
                anyReady = true;
            }
            else
            {
                all = false;
            }
        }

        return all && anyReady;
    }
}
