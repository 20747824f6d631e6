using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// Anonymous folios through 6.1 mm/vmscan.c shrink_folio_list: folio_check_references' keep / activate / reclaim,
/// pageout's write completing after the batch (folio_rotate_reclaimable), and balance_pgdat's may_swap.
/// </summary>
public class AnonReferenceTests
{
    // one zone, DMA32 [4096, 4096 + 16384): 64 MiB, mostly free, with swap; `n` anonymous pages P1 (oldest) .. Pn
    private static (Machine M, List<ulong> Pfns) WithAnon(int n)
    {
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 4096 + 16384)]) { SwapPages = 100_000, DebugChecks = true });
        var pfns = new List<ulong>();
        for (int k = 0; k < n; k++)
        {
            AllocResult a = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon);
            Assert.True(a.Success);
            pfns.Add(a.Pfn);
        }

        return (m, pfns);
    }

    [Fact]
    public void AFaultedPageIsKeptOnceThenWrittenThenFreedOnItsThirdScan()
    {
        // 64 pages with the young PTE of their fault (do_anonymous_page), no PG_referenced. try_to_free_pages, 32 pages,
        // lru_size >> priority per priority in batches of up to 32 (get_scan_count, shrink_lruvec):
        //   12..7: 64 >> p = 0;  6: 1 (P1)  5: 2 (P2, P3)  4: 4  3: 8  2: 16  1: 32 (P32..P63): young, no
        //   PG_referenced → PG_referenced set, young cleared, FOLIOREF_KEEP, back at the head: 63 kept, none freed.
        //   0: 64 >> 0 = 64; the tail is P64 (young), then P1..P63 in the order they were kept.
        //      batch 1: P64 kept, P1..P31 not young → FOLIOREF_RECLAIM → add_to_swap + pageout: written, under
        //               writeback, kept on the list; the writes complete and rotate them to the tail (pgrotated 31)
        //      batch 2: P1..P31 freed (clean swap cache: __remove_mapping), P32 written and rotated; nr[] is used up
        //               (64 scanned) and priority 0 is the last: try_to_free_pages returns 31 (< 32).
        // Freed 31, written 31 + 1 = 32, scanned 1 + 2 + 4 + 8 + 16 + 32 + 64 = 127, nothing activated.
        (Machine m, List<ulong> pfns) = WithAnon(64);
        var r = new ReclaimModel(m);
        Assert.Equal((true, false), m.ReferencesOf(pfns[0]));
        long got = r.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Dma32);
        Assert.Equal(31, got);
        Assert.Equal(31, m.Event(VmEvent.PgstealDirect));
        Assert.Equal(31, m.Event(VmEvent.PgstealAnon));
        Assert.Equal(127, m.Event(VmEvent.PgscanDirect));
        Assert.Equal(127, m.Event(VmEvent.PgscanAnon));
        Assert.Equal(32, m.Event(VmEvent.Pswpout));
        Assert.Equal(32, m.Event(VmEvent.Pgrotated));
        Assert.Equal(32, m.SwapUsedPages);
        Assert.Equal(0, m.LruPages(0, LruList.ActiveAnon));
        Assert.Equal(33, m.LruPages(0, LruList.InactiveAnon)); // P32 in the swap cache, P33..P64
        Assert.Equal((false, true), m.ReferencesOf(pfns[63])); // P64: kept once, PG_referenced
        InvariantChecker.Check(m);
    }

    [Fact]
    public void APageUsedAgainAfterItsFirstScanIsActivated()
    {
        // 32 pages, each with a young PTE and PG_referenced (used again since a scan marked them): folio_check_references
        // returns FOLIOREF_ACTIVATE ("referenced_folio || referenced_ptes > 1"), the folio goes to the active list with
        // PG_referenced and its young bit cleared (folio_referenced). Direct reclaim, 32 pages:
        //   12..6: 32 >> p = 0;  5: 1 (P1 activated)  4: 31 >> 4 = 1 (P2)  3: 30 >> 3 = 3 (P3..P5)
        //   2: 27 >> 2 = 6 (P6..P11)  1: 21 >> 1 = 10 (P12..P21): 21 active, 11 inactive
        //   0: inactive_is_low (inactive < active, ratio 1 under 1 GiB): shrink_active_list deactivates from the active
        //      tail until inactive >= active: P1..P5 (16 and 16), young cleared, PG_referenced kept; then 16 >> 0 = 16:
        //      P22..P32 activated, P1..P5 (PG_referenced, no young PTE: FOLIOREF_RECLAIM) written and rotated.
        // Nothing freed; scanned 1 + 1 + 3 + 6 + 10 + 16 = 37; 5 written; 16 + 11 = 27 active, 5 inactive.
        (Machine m, List<ulong> pfns) = WithAnon(32);
        foreach (ulong p in pfns)
        {
            m.SetReferences(p, young: true, referenced: true);
        }

        var r = new ReclaimModel(m);
        long got = r.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Dma32);
        Assert.Equal(0, got);
        Assert.Equal(37, m.Event(VmEvent.PgscanDirect));
        Assert.Equal(5, m.Event(VmEvent.Pswpout));
        Assert.Equal(5, m.Event(VmEvent.Pgrotated));
        Assert.Equal(27, m.LruPages(0, LruList.ActiveAnon));
        Assert.Equal(5, m.LruPages(0, LruList.InactiveAnon));
        Assert.Equal((false, true), m.ReferencesOf(pfns[31])); // P32: activated, PG_referenced
        InvariantChecker.Check(m);
    }

    [Fact]
    public void ABoostedKswapdRunDoesNotScanAnonymousPages()
    {
        // balance_pgdat with a watermark boost on a node that is balanced (boost included): nr_boost_reclaim stays,
        // sc.may_swap = !nr_boost_reclaim = 0, so get_scan_count scans only the file lists (SCAN_FILE: "If we have no
        // swap space, or may_swap is off, do not bother scanning anon"). With anonymous pages only, the round
        // scans nothing, reclaims nothing, "if (nr_boost_reclaim && !nr_reclaimed) break", and the boost is cleared.
        (Machine m, _) = WithAnon(4096);
        Zone z = m.Zones[(int)ZoneType.Dma32];
        z.Watermarks.Boost = 512;
        var r = new ReclaimModel(m);
        Assert.True(r.PgdatBalanced(0, 0, (int)ZoneType.Dma32));
        Assert.Equal(0, r.BalancePgdat(0, 0, (int)ZoneType.Dma32));
        Assert.Equal(0, m.Event(VmEvent.PgscanKswapd));
        Assert.Equal(0, m.Event(VmEvent.PgscanAnon));
        Assert.Equal(0, m.Event(VmEvent.Pswpout));
        Assert.Equal(0ul, z.Watermarks.Boost);
        InvariantChecker.Check(m);
    }
}
