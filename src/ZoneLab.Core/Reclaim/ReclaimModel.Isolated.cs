using ZoneLab.Allocator;

namespace ZoneLab.Reclaim;

// too_many_isolated() (6.1 mm/vmscan.c): a direct reclaimer's shrink_inactive_list finds more pages of the list's type
// isolated on the node than the inactive list holds (an eighth of it for a GFP_IO|GFP_FS reclaimer), throttles once
// (reclaim_throttle(VMSCAN_THROTTLE_ISOLATED): HZ/50) and, still too many, returns 0. Between model steps nothing is
// isolated; inside a migration (alloc_contig_range's batch of 32, memory offline's whole block) the target
// allocation's direct reclaim sees the sources it cannot take, and the engine is single-threaded, so nobody else puts
// them back while it waits.
public sealed partial class ReclaimModel
{
    // reclaim_throttle's timeout for VMSCAN_THROTTLE_ISOLATED: HZ/50
    private const double IsolatedThrottleNs = 20e6;

    // the direct reclaimer's gfp has both __GFP_IO and __GFP_FS (set by DirectReclaim)
    private bool _directIoFs;

    // mirrors too_many_isolated(pgdat, file, sc); kswapd is never throttled here
    private bool TooManyIsolated(int node, bool file, bool kswapd)
    {
        if (kswapd)
        {
            return false;
        }

        long isolated = _m.IsolatedPages(node, file);
        if (isolated == 0)
        {
            return false;
        }

        long inactive = _m.LruPages(node, file ? LruList.InactiveFile : LruList.InactiveAnon);
        if (_directIoFs)
        {
            inactive >>= 3;
        }

        return isolated > inactive;
    }
}
