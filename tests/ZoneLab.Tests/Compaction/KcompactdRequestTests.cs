using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Compaction;

/// <summary>
/// wakeup_kcompactd's remembered request (6.1 mm/compaction.c): kcompactd_max_order and kcompactd_highest_zoneidx are
/// raised/lowered before the waitqueue and kcompactd_node_suitable checks, so a refused wakeup is served at the end
/// of kcompactd's wait (kcompactd_work_requested → kcompactd_do_work), and kcompactd_node_suitable tests the
/// remembered order, not the caller's.
/// </summary>
public class KcompactdRequestTests
{
    [Fact]
    public void RefusedWakeupIsRememberedAndServedAtTheTimeout()
    {
        // DMA32 [4096, 16384) full of page cache; free even pfns (order-0 holes, no order-9 block: fragindex(9) near
        // 1000, above extfrag_threshold 500) until the zone holds low + 1000 free pages. compaction_suitable(order 9,
        // alloc_flags 0): order-9 watermark not met, and order 9 > PAGE_ALLOC_COSTLY_ORDER needs
        // low + compact_gap(9) = low + 1024 free at order 0 -> COMPACT_SKIPPED: the wakeup is refused.
        (Machine m, List<ulong> pages) = FullDma32Machine.Create(PageUse.File);
        Zone z = m.Zones[1];
        int dma32 = (int)z.Type;
        int next = 0;
        void FreeUntil(long target)
        {
            while (z.NrFreePages < target)
            {
                m.Free(pages[next], 0);
                next += 2;
            }
        }

        FreeUntil((long)z.Watermarks.Low + 1000);
        var c = new Compactor(m);
        Assert.False(c.WakeupKcompactd(0, 9, dma32));
        Assert.Equal(0, m.Event(VmEvent.CompactDaemonWake));
        Assert.Equal(9, c.KcompactdMaxOrder(0));

        // an order-2 wakeup now: kcompactd_node_suitable tests kcompactd_max_order = 9, not 2, so it is refused too
        // (at order 2 alone: min + compact_gap(2) = min + 8 free pages are there and no order-2 block is free ->
        // COMPACT_CONTINUE, and kcompactd would have run)
        Assert.Equal(CompactResult.Continue, c.Suitable(z, 2, dma32));
        Assert.False(c.WakeupKcompactd(0, 2, dma32));
        Assert.Equal(0, m.Event(VmEvent.CompactDaemonWake));
        Assert.Equal(9, c.KcompactdMaxOrder(0));

        // reclaim frees more: low + 1100 > low + 1024. The wait times out with kcompactd_max_order 9 > 0:
        // kcompactd_do_work runs at order 9 (one KCOMPACTD_WAKE, the zone compacted) and clears the order
        FreeUntil((long)z.Watermarks.Low + 1100);
        Assert.Equal(CompactResult.Continue, c.Suitable(z, 9, dma32));
        Assert.True(c.KcompactdTimeout(0));
        Assert.Equal(1, m.Event(VmEvent.CompactDaemonWake));
        Assert.True(m.Event(VmEvent.CompactDaemonMigrateScanned) > 0);
        Assert.Equal(0, c.KcompactdMaxOrder(0));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void NoRequestTimeoutTakesTheProactivePath()
    {
        // nothing requested (kcompactd_max_order 0): the timeout is the proactive path, as before; the every-other-page
        // machine's score 99 is above the high mark 90 (ProactiveKswapdRunningTests), so it compacts without a
        // KCOMPACTD_WAKE (6.1's proactive_compact_node counts none)
        (Machine m, _) = FullDma32Machine.CreateEvenPfnsFreed(PageUse.File);
        var c = new Compactor(m);
        Assert.True(c.KcompactdTimeout(0));
        Assert.Equal(0, m.Event(VmEvent.CompactDaemonWake));
        Assert.True(m.Event(VmEvent.CompactMigrateScanned) > 0);
    }
}
