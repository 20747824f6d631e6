using System.Text.Json;
using ZoneLab.Allocator;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

public class TraceAllocationTrackerTests
{
    private static string Alloc(long pfn, int order, string gfp = "GFP_KERNEL", int mt = 0) =>
        $"a-1 [000] 1.0: mm_page_alloc: page=x pfn=0x{pfn:x} order={order} migratetype={mt} gfp_flags={gfp}";

    private static string Free(long pfn, int order) => $"a-1 [000] 1.0: mm_page_free: page=x pfn=0x{pfn:x} order={order}";

    private static (List<TraceObservation> Obs, TraceSummary Summary) Run(params string[] lines)
    {
        using FtraceReader r = FtraceReader.FromText(string.Join('\n', lines) + "\n");
        var t = new TraceAllocationTracker();
        var obs = new List<TraceObservation>();
        while (r.Read())
        {
            obs.Add(t.Observe(in r.Current));
        }

        return (obs, t.Summary(r.Stats));
    }

    [Fact]
    public void WholeFreeFindsItsAllocation()
    {
        (List<TraceObservation> o, TraceSummary s) = Run(Alloc(0x100, 2), Alloc(0x200, 0), Free(0x100, 2), Free(0x200, 0));
        Assert.Equal(new TraceObservation(TraceFreeMatch.None, 0, false), o[0]);
        Assert.Equal(new TraceObservation(TraceFreeMatch.None, 1, false), o[1]);
        Assert.Equal(new TraceObservation(TraceFreeMatch.Whole, 0, true), o[2]);
        Assert.Equal(new TraceObservation(TraceFreeMatch.Whole, 1, true), o[3]);
        Assert.Equal((2L, 2L, 5L, 5L, 0L, 0L), (s.Allocations, s.FreesWhole, s.PagesAllocated, s.PagesFreed, s.LiveAllocations, s.LivePages));
    }

    [Fact]
    public void SplitPageFreesEndTheAllocationWithItsLastPage()
    {
        // split_page() after an order-2 allocation: four order-0 frees, in any order.
        (List<TraceObservation> o, TraceSummary s) = Run(Alloc(0x200, 2), Free(0x202, 0), Free(0x200, 0), Free(0x203, 0), Free(0x201, 0));
        Assert.All(o.Skip(1), x => Assert.Equal((TraceFreeMatch.Part, 0L), (x.Match, x.AllocationId)));
        Assert.Equal(new[] { false, false, false, true }, o.Skip(1).Select(x => x.Ended));
        Assert.Equal((4L, 0L, 0L, 0L), (s.FreesPart, s.FreesWhole, s.LiveAllocations, s.LivePages));
    }

    [Fact]
    public void FreePagesTailHalvesOfANonCompoundBlock()
    {
        // __free_pages(page, 3) while someone holds the head: frees page+4 (order 2), page+2 (order 1),
        // page+1 (order 0) (mm/page_alloc.c); the head goes later with order 0.
        (List<TraceObservation> o, TraceSummary s) = Run(Alloc(0x400, 3), Free(0x404, 2), Free(0x402, 1), Free(0x401, 0));
        Assert.Equal(3L, s.FreesPart);
        Assert.Equal((1L, 1L), (s.LiveAllocations, s.LivePages));
        Assert.False(o[^1].Ended);
        (o, s) = Run(Alloc(0x400, 3), Free(0x404, 2), Free(0x402, 1), Free(0x401, 0), Free(0x400, 0));
        Assert.True(o[^1].Ended);
        Assert.Equal((4L, 0L), (s.FreesPart, s.LiveAllocations));
    }

    [Fact]
    public void FreesOfPagesNeverSeenAllocatedArePreExisting()
    {
        (List<TraceObservation> o, TraceSummary s) = Run(Free(0x900, 0), Alloc(0x800, 1), Free(0x802, 0), Free(0x801, 0), Free(0x800, 1));
        Assert.Equal(TraceFreeMatch.PreExisting, o[0].Match);
        Assert.Equal(-1, o[0].AllocationId);
        Assert.Equal(TraceFreeMatch.PreExisting, o[2].Match); // 0x802 is outside [0x800, 0x802)
        Assert.Equal(TraceFreeMatch.Part, o[3].Match);
        Assert.Equal(TraceFreeMatch.Part, o[4].Match);        // head freed after a part: the rest of the block
        Assert.True(o[4].Ended);
        Assert.Equal((2L, 2L, 0L), (s.FreesPreExisting, s.FreesPart, s.FreesWhole));
    }

    [Fact]
    public void AllocationOverALiveHeadAndLargerFree()
    {
        (List<TraceObservation> o, TraceSummary s) = Run(Alloc(0x10, 0), Alloc(0x10, 1), Free(0x20, 0), Alloc(0x20, 0), Free(0x20, 2));
        Assert.Equal(1L, s.AllocationsOverLive);
        Assert.Equal(1L, s.FreesLargerThanAllocation);
        Assert.Equal((1L, 2L), (s.LiveAllocations, s.LivePages)); // the order-1 block at 0x10
        Assert.Equal(new TraceObservation(TraceFreeMatch.Whole, 2, true), o[4]);
    }

    [Fact]
    public void FreeBatchedIsNotASecondFree()
    {
        // free_unref_page_list(): free_pages_prepare() traces mm_page_free, then mm_page_free_batched for the same page.
        (_, TraceSummary s) = Run(Alloc(0x30, 0), Free(0x30, 0), "a-1 [000] 1.0: mm_page_free_batched: page=x pfn=0x30 order=0");
        Assert.Equal((1L, 1L, 1L), (s.Frees, s.FreesWhole, s.FreesBatched));
    }

    [Fact]
    public void RequestsByOrderMigratetypeAndGfpClass()
    {
        (_, TraceSummary s) = Run(
            Alloc(0x10, 0, "GFP_HIGHUSER_MOVABLE|__GFP_COMP", 1),
            Alloc(0x11, 0, "0x140cca", 1),                       // the same mask in hex: same class
            Alloc(0x18, 3, "GFP_KERNEL|__GFP_COMP|__GFP_NOWARN|__GFP_NORETRY", 0),
            "a-1 [000] 1.0: mm_page_alloc: page=0000000000000000 pfn=0x0 order=3 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_NOWARN",
            Alloc(0x20, 0, "GFP_ATOMIC|__GFP_NOWARN", 0),
            Alloc(0x21, 0, "__GFP_HIGH", 0));
        Assert.Equal(
            new[]
            {
                new TraceRequestCount(0, MigrateType.Unmovable, "GFP_ATOMIC", 1, 0),
                new TraceRequestCount(0, MigrateType.Unmovable, "other", 1, 0),
                new TraceRequestCount(0, MigrateType.Movable, "GFP_HIGHUSER_MOVABLE", 2, 0),
                new TraceRequestCount(3, MigrateType.Unmovable, "GFP_KERNEL", 1, 1),
            },
            s.Requests);
        Assert.Equal((5L, 1L), (s.Allocations, s.TraceFailedAllocations));
    }

    [Fact]
    public void FallbacksByMigratetypePair()
    {
        static string X(int a, int f, int frag, int own) =>
            $"a-1 [000] 1.0: mm_page_alloc_extfrag: page=x pfn=0x8c00 alloc_order=0 fallback_order={(frag == 1 ? 3 : 10)} pageblock_order=9 alloc_migratetype={a} fallback_migratetype={f} fragmenting={frag} change_ownership={own}";
        (_, TraceSummary s) = Run(X(0, 1, 0, 1), X(0, 1, 1, 0), X(0, 1, 1, 1), X(2, 0, 1, 0), X(1, 0, 0, 1));
        Assert.Equal(
            new[]
            {
                new TraceFallbackCount(MigrateType.Unmovable, MigrateType.Movable, 3, 2, 2),
                new TraceFallbackCount(MigrateType.Movable, MigrateType.Unmovable, 1, 1, 0),
                new TraceFallbackCount(MigrateType.Reclaimable, MigrateType.Unmovable, 1, 0, 1),
            },
            s.Fallbacks);
    }

    [Fact]
    public void CmaAllocationsReleasesAndTheirFrees()
    {
        (List<TraceObservation> o, TraceSummary s) = Run(
            "cam-7 [000] 10.000000: cma_alloc_start: name=reserved count=4 align=2",
            "cam-7 [000] 10.000100: cma_alloc_busy_retry: name=reserved pfn=0x40000 page=x count=4 align=2",
            "cam-7 [000] 10.250000: cma_alloc_finish: name=reserved pfn=0x40004 page=x count=4 align=2",
            "cam-7 [000] 11.000000: cma_alloc_start: name=reserved count=99999 align=0",
            "cam-7 [000] 11.500000: cma_alloc_finish: name=reserved pfn=0xffffffffffffffff page=0000000000000000 count=99999 align=0",
            Free(0x40004, 0), Free(0x40007, 0),
            "cam-7 [000] 12.0: cma_release: name=reserved pfn=0x40004 page=x count=4",
            Free(0x40005, 0));
        Assert.Equal(TraceFreeMatch.Cma, o[5].Match);
        Assert.Equal(TraceFreeMatch.Cma, o[6].Match);
        Assert.Equal(TraceFreeMatch.PreExisting, o[8].Match);
        TraceCmaArea a = Assert.Single(s.Cma);
        Assert.Equal(new TraceCmaArea("reserved", 2, 1, 1, 1, 4, 1, 4, 500_000_000), a);
        Assert.Equal((2L, 1L), (s.FreesCma, s.FreesPreExisting));
    }

    [Fact]
    public void JsonHasTheIssueShape()
    {
        (_, TraceSummary s) = Run(Alloc(0x100, 0), Free(0x100, 0), Free(0x300, 0), "a-1 [000] 1.0: kmalloc: ptr=x");
        using JsonDocument d = JsonDocument.Parse(TraceSummaryJsonWriter.Write(s));
        JsonElement root = d.RootElement;
        Assert.Equal(4, root.GetProperty("events_read").GetInt64());
        Assert.Equal(1, root.GetProperty("allocations").GetInt64());
        Assert.Equal(2, root.GetProperty("frees").GetInt64());
        Assert.Equal(1, root.GetProperty("skipped").GetInt64());
        Assert.Equal(1, root.GetProperty("frees_by_match").GetProperty("pre_existing").GetInt64());
        Assert.Equal(1, root.GetProperty("skipped_by_event").GetProperty("kmalloc").GetInt64());
        Assert.Equal(2, root.GetProperty("events").GetProperty("mm_page_free").GetInt64());
        JsonElement req = Assert.Single(root.GetProperty("requests").EnumerateArray());
        Assert.Equal("Unmovable", req.GetProperty("migratetype").GetString());
        Assert.Equal("GFP_KERNEL", req.GetProperty("gfp").GetString());
        Assert.StartsWith("{\"events_read\":4,\"allocations\":1,\"frees\":2,\"skipped\":1,", TraceSummaryJsonWriter.Write(s));
    }
}
