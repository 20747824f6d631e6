using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Compaction;

/// <summary>kcompactd's timeout path (6.1 mm/compaction.c kcompactd, should_proactive_compact_node) while kswapd runs.</summary>
public class ProactiveKswapdRunningTests
{
    [Fact]
    public void NoProactiveCompactionWhileKswapdRunsAndNoDeferralForIt()
    {
        // DMA32-only node [4096, 16384) full of page cache, every other page freed: 6144 free pages, none in an
        // order-9 block -> extfrag_for_order(9) = 100; node score = 12288 * 100 / (12288 + 1) = 99 > high mark 90.
        // should_proactive_compact_node returns false while kswapd_is_running(pgdat), and kcompactd() then keeps
        // timeout = default_timeout (the deferral default_timeout << COMPACT_MAX_DEFER_SHIFT follows only a proactive
        // run that did not lower the score), so the next timeout with kswapd asleep compacts at once, down to the
        // low mark 80.
        (Machine m, _) = FullDma32Machine.CreateEvenPfnsFreed(PageUse.File);

        var c = new Compactor(m);
        Assert.False(c.ShouldProactiveCompact(0, kswapdRunning: true));
        Assert.False(c.ProactiveCompact(0, kswapdRunning: true));
        Assert.Equal(0, m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(99, c.FragmentationScoreNode(0));
        Assert.True(c.ProactiveCompact(0, kswapdRunning: false));
        Assert.True(c.FragmentationScoreZone(m.Zones[1]) <= 80);
        InvariantChecker.Check(m);
    }
}
