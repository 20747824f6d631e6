using ZoneLab.Allocator;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// A direct reclaimer facing pages isolated for migration (6.1 mm/vmscan.c too_many_isolated, shrink_inactive_list):
/// with GFP_IO|GFP_FS, more isolated pages of the list's type than an eighth of the node's inactive list make each
/// shrink_inactive_list call throttle once (reclaim_throttle, VMSCAN_THROTTLE_ISOLATED: HZ/50 = 20 ms) and return 0.
/// The machine of KswapdOrderAndDirectBatchTests: 8192 clean page-cache pages, no swap (get_scan_count: SCAN_FILE).
/// </summary>
public class TooManyIsolatedTests
{
    [Fact]
    public void MoreIsolatedThanAnEighthOfTheInactiveListStopsADirectReclaimer()
    {
        // 1024 isolated > (8192 - 1024) >> 3 = 896. Each priority's shrink_lruvec calls shrink_inactive_list once per
        // SWAP_CLUSTER_MAX of nr = 7168 >> priority, none reclaims, so all 13 priorities run:
        //   nr 1, 3, 7, 14, 28, 56, 112, 224, 448, 896, 1792, 3584, 7168 (priorities 12..0)
        //   calls 1, 1, 1, 1, 1, 2, 4, 7, 14, 28, 56, 112, 224 = 452, each 20 ms: 9.04 s, nothing scanned
        (Machine m, ReclaimModel r, List<ulong> pages) = FilePages();
        Isolate(m, pages, 1024);

        long got = r.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, 3);

        Assert.Equal(0, got);
        Assert.Equal(0, m.Event(VmEvent.PgscanDirect));
        Assert.Equal(8192 - 1024, m.LruPages(0, LruList.InactiveFile));
        Assert.InRange(r.DirectReclaimNs, 452 * 20e6, (452 * 20e6) + 1e6);
        Putback(m, pages, 1024);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void AtMostAnEighthDoesNotThrottle()
    {
        // 800 isolated <= (8192 - 800) >> 3 = 924: the batches of KswapdOrderAndDirectBatchTests over 7392 pages:
        //   priority 12: 1, 11: 7391 >> 11 = 3, 10: 7388 >> 10 = 7, 9: 7381 >> 9 = 14, 8: 7367 >> 8 = 28 → 53 >= 32
        (Machine m, ReclaimModel r, List<ulong> pages) = FilePages();
        Isolate(m, pages, 800);

        long got = r.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, 3);

        Assert.Equal(53, got);
        Assert.Equal(53, m.Event(VmEvent.PgscanDirect));
        Assert.True(r.DirectReclaimNs < 20e6, $"{r.DirectReclaimNs} ns");
        Putback(m, pages, 800);
        InvariantChecker.Check(m);
    }

    private static (Machine M, ReclaimModel R, List<ulong> Pages) FilePages()
    {
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones));
        var pages = new List<ulong>();
        for (int k = 0; k < 8192; k++)
        {
            AllocResult a = m.Allocate(0, Gfp.HighUserMovable, use: PageUse.File);
            Assert.True(a.Success);
            pages.Add(a.Pfn);
        }
        return (m, new ReclaimModel(m), pages);
    }

    // the first-allocated pages, the oldest (the tail reclaim would scan first), leave the list
    private static void Isolate(Machine m, List<ulong> pages, int n)
    {
        for (int k = 0; k < n; k++)
        {
            m.IsolateLru(m.IndexOfPfn(pages[k]));
        }
        Assert.Equal(n, m.IsolatedPages(0, file: true));
    }

    private static void Putback(Machine m, List<ulong> pages, int n)
    {
        for (int k = 0; k < n; k++)
        {
            m.PutbackLru(m.IndexOfPfn(pages[k]));
        }
    }
}
