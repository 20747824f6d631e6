using ZoneLab.Allocator;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// The one-pass reader of lines in the exact kernel layout (TraceKernelLine) against the general field
/// parser, on the edges the fast path must either read exactly or leave alone: pointers of another width than
/// %p's 16 columns, a NULL page padded with blanks, mixed-case and over-long hex pfns, gfp_flags strings that
/// alternate through the direct-mapped table. Expected values are worked out by hand in each comment.
/// </summary>
public class FtraceReaderKernelLineTests
{
    private static List<TraceEvent> Read(string text, bool fastPath)
    {
        using FtraceReader r = FtraceReader.FromText(text, "k.txt");
        r.FastPath = fastPath;
        var events = new List<TraceEvent>();
        while (r.Read())
        {
            events.Add(r.Current);
        }

        return events;
    }

    private static TraceEvent Both(string line)
    {
        TraceEvent fast = Assert.Single(Read(line + "\n", fastPath: true));
        TraceEvent slow = Assert.Single(Read(line + "\n", fastPath: false));
        Assert.Equal(slow, fast);
        return fast;
    }

    [Fact]
    public void HashedPointerAndMixedCaseHexPfn()
    {
        // pfn=0x1A2b = 1*4096 + 10*256 + 2*16 + 11 = 6699; "   123.000450" = 123 s + 450 us = 123_000_450_000 ns.
        TraceEvent e = Both("          <idle>-0       [003] d..2.   123.000450: mm_page_free: page=00000000a1b2c3d4 pfn=0x1A2b order=3");
        Assert.Equal(TraceEventKind.PageFree, e.Kind);
        Assert.Equal("<idle>", e.Task);
        Assert.Equal(0, e.Pid);
        Assert.Equal(3, e.Cpu);
        Assert.Equal(123_000_450_000L, e.Timestamp);
        Assert.Equal(6699, e.Pfn);
        Assert.Equal(3, e.Order);
    }

    [Fact]
    public void PointerOfAnotherWidthIsSkippedToItsBlank()
    {
        // libtraceevent prints the raw pointer with 0x (18 columns): pfn=0x48d00 = 4*65536 + 8*4096 + 13*256 = 298240.
        TraceEvent e = Both("     kworker/1:2-77      [001] .....    35.000001: mm_page_pcpu_drain: page=0xffffea0001234000 pfn=0x48d00 order=1 migratetype=2");
        Assert.Equal(TraceEventKind.PagePcpuDrain, e.Kind);
        Assert.Equal("kworker/1:2", e.Task);
        Assert.Equal(77, e.Pid);
        Assert.Equal(298240, e.Pfn);
        Assert.Equal(1, e.Order);
        Assert.Equal(MigrateType.Reclaimable, e.MigrateType);
    }

    [Fact]
    public void NullPagePaddedWithBlanksIsAFailedAllocation()
    {
        // Before 4.15 a NULL %p printed "(null)" right-aligned in 16 columns, and pfn=-1UL in decimal: the page
        // field's value is not one word, so the fast path must leave the line to the general parser: failed, pfn -1.
        TraceEvent e = Both("              sh-121     [000] .....    36.500000: mm_page_alloc: page=          (null) pfn=18446744073709551615 order=2 migratetype=0 gfp_flags=GFP_KERNEL");
        Assert.Equal(TraceEventKind.PageAlloc, e.Kind);
        Assert.True(e.Failed);
        Assert.Equal(-1, e.Pfn);
        Assert.Equal(2, e.Order);
        Assert.Equal(Gfp.Kernel, e.GfpFlags);
    }

    [Fact]
    public void SixteenHexDigitPfnGoesThroughTheGeneralParser()
    {
        // 16 digits is past the fast path's 15; 0x7fffffffffffffff is long.MaxValue, still a valid pfn.
        TraceEvent e = Both("              sh-121     [000] .....    36.500000: mm_page_free: page=(____ptrval____) pfn=0x7fffffffffffffff order=0");
        Assert.Equal(long.MaxValue, e.Pfn);
    }

    [Fact]
    public void AlternatingGfpStringsEachGetTheirMask()
    {
        // Three masks interleaved, so each line replaces or reuses a slot of the table. GFP_KERNEL is
        // __GFP_RECLAIM|__GFP_IO|__GFP_FS (gfp_types.h); GFP_HIGHUSER_MOVABLE adds __GFP_HARDWALL|__GFP_HIGHMEM|__GFP_MOVABLE
        // (Gfp.HighUserMovable); the third adds __GFP_NOWARN to GFP_KERNEL.
        string[] gfp = ["GFP_KERNEL", "GFP_HIGHUSER_MOVABLE", "GFP_KERNEL|__GFP_NOWARN"];
        GfpFlags[] expected = [Gfp.Kernel, Gfp.HighUserMovable, Gfp.Kernel | GfpFlags.NoWarn];
        var text = new System.Text.StringBuilder();
        int[] order = [0, 1, 2, 1, 0, 2, 2, 0, 1];
        foreach (int k in order)
        {
            text.Append($"              sh-121     [001] .....    35.401862: mm_page_alloc: page=(____ptrval____) pfn=0x5edf order=0 migratetype=0 gfp_flags={gfp[k]}\n");
        }

        List<TraceEvent> fast = Read(text.ToString(), fastPath: true);
        Assert.Equal(Read(text.ToString(), fastPath: false), fast);
        Assert.Equal(order.Length, fast.Count);
        for (int n = 0; n < order.Length; n++)
        {
            Assert.Equal(expected[order[n]], fast[n].GfpFlags);
            Assert.Equal(0x5edf, fast[n].Pfn);
        }
    }

    [Fact]
    public void ReadBatchGivesTheSameEventsAsRead()
    {
        // The pipe's batches are filled in place: the same events in the same order as Read(), including a line
        // only the general parser reads (the extfrag event) between fast ones, and Current is the last one.
        string text =
            "              sh-121     [001] .....    35.000001: mm_page_free: page=(____ptrval____) pfn=0x10 order=0\n" +
            "              sh-121     [001] .....    35.000002: mm_page_alloc_extfrag: page=(____ptrval____) pfn=0x200 alloc_order=0 fallback_order=9 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1\n" +
            "              sh-121     [001] d..3.    35.000003: mm_page_alloc_zone_locked: page=(____ptrval____) pfn=0x20 order=0 migratetype=1 percpu_refill=1\n";
        using FtraceReader r = FtraceReader.FromText(text, "k.txt");
        var batch = new TraceEvent[2];
        Assert.Equal(2, r.ReadBatch(batch));
        Assert.Equal(0x10, batch[0].Pfn);
        Assert.Equal(TraceEventKind.PageAllocExtfrag, batch[1].Kind);
        Assert.Equal(0x200, batch[1].Pfn);
        Assert.Equal(1, r.ReadBatch(batch));
        Assert.Equal(0x20, batch[0].Pfn);
        Assert.True(batch[0].PercpuRefill);
        Assert.Equal(batch[0], r.Current);
        Assert.Equal(0, r.ReadBatch(batch));
        Assert.Equal(3, r.Stats.Events);
    }
}
