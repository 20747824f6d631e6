using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

/// <summary>Every way a line can be malformed gives one error naming the file, the line and what was expected.</summary>
public class FtraceReaderErrorTests
{
    private const string Good = "          sh-1     [000] .....     6.000001: mm_page_free: page=x pfn=0x10 order=0\n";

    private static ZoneLabInputException Fail(string badLine)
    {
        // Two good lines, an unknown event, then the bad one on line 4.
        string text = Good + Good + "          sh-1     [000] .....     6.000002: kmalloc: call_site=x bytes_req=1\n" + badLine + "\n" + Good;
        using FtraceReader r = FtraceReader.FromText(text, "bad.txt");
        var e = Assert.Throws<ZoneLabInputException>(() => { while (r.Read()) { } });
        Assert.Equal("bad.txt", e.Source);
        Assert.Equal(4, e.Line);
        Assert.StartsWith("bad.txt:4: ", e.Message);
        return e;
    }

    private const string Ctx = "          sh-1     [000] .....     6.000003: ";

    [Theory]
    [InlineData("mm_page_alloc: page=x order=0 migratetype=0 gfp_flags=GFP_KERNEL", "mm_page_alloc: expected a field 'pfn='")]
    [InlineData("mm_page_alloc: page=x pfn=0xzz order=0 migratetype=0 gfp_flags=GFP_KERNEL", "pfn= expects a page frame number (0x hex or decimal), found '0xzz'")]
    [InlineData("mm_page_alloc: page=x pfn=12a order=0 migratetype=0 gfp_flags=GFP_KERNEL", "found '12a'")]
    [InlineData("mm_page_alloc: page=x pfn=0x10 order=-1 migratetype=0 gfp_flags=GFP_KERNEL", "order= expects an integer 0..30, found '-1'")]
    [InlineData("mm_page_alloc: page=x pfn=0x10 order=31 migratetype=0 gfp_flags=GFP_KERNEL", "order= expects an integer 0..30, found '31'")]
    [InlineData("mm_page_alloc: page=x pfn=0x10 order=0 migratetype=6 gfp_flags=GFP_KERNEL", "migratetype= expects an integer 0..5, found '6'")]
    [InlineData("mm_page_alloc: page=x pfn=0x10 order=0 migratetype=0", "expected a field 'gfp_flags='")]
    [InlineData("mm_page_alloc: page=x pfn=0x10 order=0 migratetype=0 gfp_flags=GFP_KERNAL", "unknown GFP flag 'GFP_KERNAL' (not a name show_gfp_flags() prints, include/trace/events/mmflags.h)")]
    [InlineData("mm_page_alloc: page=x pfn=0x10 order=0 migratetype=0 gfp_flags=GFP_KERNEL||__GFP_ZERO", "an empty name between '|'")]
    [InlineData("mm_page_alloc: page=x pfn=0x10 order=0 migratetype=0 gfp_flags=", "gfp_flags= an empty mask")]
    [InlineData("mm_page_alloc: page=x pfn=0x10 order=0 migratetype=0 gfp_flags=0xfg", "bad hex '0xfg'")]
    [InlineData("mm_page_free: page=x pfn=0x10", "mm_page_free: expected a field 'order='")]
    [InlineData("mm_page_free_batched: page=x order=0", "mm_page_free_batched: expected a field 'pfn='")]
    [InlineData("mm_page_free_batched: page=x pfn=0x10 order=1", "order= expects an integer 0..0, found '1'")]
    [InlineData("mm_page_alloc_zone_locked: page=x pfn=0x10 order=0 migratetype=1 percpu_refill=2", "percpu_refill= expects 0 or 1, found '2'")]
    [InlineData("mm_page_alloc_zone_locked: page=x pfn=0x10 order=0 migratetype=1", "expected a field 'percpu_refill='")]
    [InlineData("mm_page_pcpu_drain: page=x pfn=0x10 order=0", "mm_page_pcpu_drain: expected a field 'migratetype='")]
    [InlineData("mm_page_alloc_extfrag: page=x pfn=0x10 alloc_order=0 fallback_order=10 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0", "expected a field 'change_ownership='")]
    [InlineData("mm_page_alloc_extfrag: page=x pfn=0x10 alloc_order=0 fallback_order=x pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1", "fallback_order= expects an integer 0..30, found 'x'")]
    [InlineData("cma_alloc_start: name=cma count=256", "cma_alloc_start: expected a field 'align='")]
    [InlineData("cma_alloc_start: name=cma count=-5 align=0", "count= expects an unsigned decimal, found '-5'")]
    [InlineData("cma_alloc_finish: name=cma page=x count=1 align=0", "cma_alloc_finish: expected a field 'pfn='")]
    [InlineData("cma_release: name=cma pfn=0x10 page=x", "cma_release: expected a field 'count='")]
    [InlineData("cma_release: name=cma pfn=0xfg page=x count=1", "pfn= expects a page frame number in hex (%lx or 0x%lx), found '0xfg'")]
    [InlineData("cma_alloc_start: name=cma align=0", "cma_alloc_start: expected a field 'count=' (6.12 and older) or 'request_count=' (later kernels)")]
    public void MalformedFieldsOfAKnownEvent(string eventAndFields, string expected)
    {
        ZoneLabInputException e = Fail(Ctx + eventAndFields);
        Assert.Contains(expected, e.Detail);
    }

    [Theory]
    [InlineData("this is not a trace line", "expected an event line 'TASK-PID [CPU] TIMESTAMP: EVENT: FIELDS'")]
    [InlineData("          sh [000] .....     6.000003: mm_page_free: page=x pfn=0x10 order=0", "expected TASK-PID before [CPU]")]
    [InlineData("          sh-12x [000] .....     6.000003: mm_page_free: page=x pfn=0x10 order=0", "expected TASK-PID before [CPU]")]
    [InlineData("          sh-1     [000] .....     6.0x0003: mm_page_free: page=x pfn=0x10 order=0", "expected a timestamp SECONDS.FRACTION (up to 9 fraction digits), found '6.0x0003'")]
    [InlineData("          sh-1     [000] .....     6.0123456789: mm_page_free: page=x pfn=0x10 order=0", "up to 9 fraction digits")]
    [InlineData("          sh-1     [000] .....     x.5: mm_page_free: page=x pfn=0x10 order=0", "expected a timestamp SECONDS.FRACTION or an integer, found 'x.5'")]
    [InlineData("          sh-1     [000] ..... 6.000003 mm_page_free page=x", "expected 'TIMESTAMP:' after [CPU] and the flags")]
    [InlineData("          sh-1     [000]", "expected 'TIMESTAMP: EVENT:' after [CPU]")]
    [InlineData("          sh-1     [000] .....     6.000003: : page=x", "expected 'EVENT:' after the timestamp")]
    [InlineData("          sh-1)     [000] .....     6.000003: mm_page_free: page=x pfn=0x10 order=0", "unbalanced ')' before [CPU]")]
    public void MalformedContext(string line, string expected)
    {
        ZoneLabInputException e = Fail(line);
        Assert.Contains(expected, e.Detail);
    }

    [Fact]
    public void MissingFileIsOneError()
    {
        var e = Assert.Throws<ZoneLabInputException>(() => FtraceReader.Open("/nonexistent/trace.txt"));
        Assert.Equal("/nonexistent/trace.txt: file not found", e.Message);
    }
}
