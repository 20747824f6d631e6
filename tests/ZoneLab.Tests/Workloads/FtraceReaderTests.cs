using ZoneLab.Allocator;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

public class FtraceReaderTests
{
    // Lines in the kernel's own layout: trace_print_context() "%16s-%-7d [%03d] FLAGS %5lu.%06lu: " then
    // "EVENT: " and TP_printk of include/trace/events/kmem.h (6.1).
    private const string Header = """
        # tracer: nop
        #
        # entries-in-buffer/entries-written: 7/9   #P:2
        #
        #                                _-----=> irqs-off/BH-disabled
        #           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
        #              | |         |   |||||     |         |

        """;

    private static List<TraceEvent> ReadAll(string text, out TraceReadStats stats)
    {
        using FtraceReader r = FtraceReader.FromText(text, "t.txt");
        List<TraceEvent> events = r.ReadAll().ToList();
        stats = r.Stats;
        return events;
    }

    private static TraceEvent One(string line)
    {
        List<TraceEvent> e = ReadAll(line + "\n", out _);
        return Assert.Single(e);
    }

    [Fact]
    public void MmPageAllocWithSymbolicFlags()
    {
        TraceEvent e = One("              sh-429     [000] .....     6.200455: mm_page_alloc: page=(____ptrval____) pfn=0x45b8 order=1 migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO");
        Assert.Equal(TraceEventKind.PageAlloc, e.Kind);
        Assert.Equal("sh", e.Task);
        Assert.Equal(429, e.Pid);
        Assert.Equal(0, e.Cpu);
        Assert.Equal(6_200_455_000L, e.Timestamp);
        Assert.Equal(0x45b8, e.Pfn);
        Assert.Equal(1, e.Order);
        Assert.Equal(MigrateType.Unmovable, e.MigrateType);
        // GFP_KERNEL_ACCOUNT = __GFP_RECLAIM|__GFP_IO|__GFP_FS|__GFP_ACCOUNT = 0xc00|0x40|0x80|0x400000 (gfp_types.h).
        Assert.Equal((GfpFlags)(0xcc0 | 0x400000 | 0x100), e.GfpFlags);
        Assert.False(e.Failed);
        Assert.Equal(1, e.Line);
    }

    [Fact]
    public void EveryNameOf61ShowGfpFlags()
    {
        // The 39 names of __def_gfpflag_names and __def_gfpflag_names_kasan, 6.1 include/trace/events/mmflags.h.
        string all = "GFP_TRANSHUGE|GFP_TRANSHUGE_LIGHT|GFP_HIGHUSER_MOVABLE|GFP_HIGHUSER|GFP_USER|GFP_KERNEL_ACCOUNT|"
            + "GFP_KERNEL|GFP_NOFS|GFP_ATOMIC|GFP_NOIO|GFP_NOWAIT|GFP_DMA|__GFP_HIGHMEM|GFP_DMA32|__GFP_HIGH|__GFP_ATOMIC|"
            + "__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_RETRY_MAYFAIL|__GFP_NOFAIL|__GFP_NORETRY|__GFP_COMP|__GFP_ZERO|"
            + "__GFP_NOMEMALLOC|__GFP_MEMALLOC|__GFP_HARDWALL|__GFP_THISNODE|__GFP_RECLAIMABLE|__GFP_MOVABLE|__GFP_ACCOUNT|"
            + "__GFP_WRITE|__GFP_RECLAIM|__GFP_DIRECT_RECLAIM|__GFP_KSWAPD_RECLAIM|__GFP_ZEROTAGS|__GFP_SKIP_ZERO|"
            + "__GFP_SKIP_KASAN_POISON|__GFP_SKIP_KASAN_UNPOISON";
        Assert.Equal(39, all.Split('|').Length);
        TraceEvent e = One($"a-1 [000] 1.000000: mm_page_alloc: page=x pfn=0x10 order=0 migratetype=0 gfp_flags={all}");
        Assert.Equal((GfpFlags)0x7ffffff, e.GfpFlags); // bits 0..26 of 6.1, all set
    }

    [Theory]
    [InlineData("GFP_HIGHUSER_MOVABLE|__GFP_COMP", 0x140cca)]
    [InlineData("GFP_ATOMIC|__GFP_NOWARN|__GFP_NOMEMALLOC", 0xa20 | 0x2000 | 0x80000)]
    [InlineData("GFP_NOWAIT", 0x800)]
    [InlineData("GFP_NOFS|__GFP_RECLAIMABLE", 0xc40 | 0x10)]
    // GFP_TRANSHUGE = ((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
    //                 | __GFP_DIRECT_RECLAIM = ((0x100cca | 0x40000 | 0x80000 | 0x2000) & ~0xc00) | 0x400
    [InlineData("GFP_TRANSHUGE", 0x1c24ca)]
    [InlineData("0x152c4a", 0x152c4a)]
    [InlineData("GFP_KERNEL|0x8000000", 0xcc0 | 0x8000000)]
    [InlineData("none", 0)]
    [InlineData("GFP_TEMPORARY|__GFP_COLD|__GFP_NOTRACK", 0xcc0 | 0x10)] // v4.10 names
    [InlineData("GFP_KERNEL|__GFP_REPEAT|__GFP_OTHER_NODE", 0xcc0 | 0x4000)]
    [InlineData("GFP_KERNEL|__GFP_NOLOCKDEP|__GFP_NO_OBJ_EXT", 0xcc0)] // 6.10+ names without an allocator meaning
    [InlineData("3264", 0xcc0)] // libtraceevent's raw decimal
    public void GfpFlagsNamesAndHex(string text, int expected)
    {
        TraceEvent e = One($"a-1 [000] 1.000000: mm_page_alloc: page=x pfn=0x10 order=0 migratetype=0 gfp_flags={text}");
        Assert.Equal((GfpFlags)expected, e.GfpFlags);
    }

    [Fact]
    public void FailedAllocationHasNullPage()
    {
        // __alloc_pages() traces a NULL page too; %p prints NULL unhashed as 16 zeros, pfn as 0.
        TraceEvent e = One("kworker/u4:2-57 [001] ..... 12.000001: mm_page_alloc: page=0000000000000000 pfn=0x0 order=3 migratetype=0 gfp_flags=GFP_NOWAIT|__GFP_COMP|__GFP_NOWARN|__GFP_NORETRY|__GFP_NOMEMALLOC");
        Assert.True(e.Failed);
        Assert.Equal(-1, e.Pfn);
        Assert.Equal("kworker/u4:2", e.Task);
        Assert.Equal(57, e.Pid);
    }

    [Fact]
    public void FreeEvents()
    {
        List<TraceEvent> e = ReadAll("""
                      sh-1 [000] d..1.     6.1: mm_page_free: page=(____ptrval____) pfn=0x1f00 order=2
                      sh-1 [000] d..1.     6.2: mm_page_free_batched: page=(____ptrval____) pfn=0x1f04 order=0
                      sh-1 [000] d..2.     6.3: mm_page_pcpu_drain: page=(____ptrval____) pfn=0x1f05 order=0 migratetype=1
                      sh-1 [000] d..2.     6.4: mm_page_alloc_zone_locked: page=(____ptrval____) pfn=0x2000 order=0 migratetype=1 percpu_refill=1
                      sh-1 [000] d..2.     6.5: mm_page_alloc_extfrag: page=(____ptrval____) pfn=0x8c00 alloc_order=0 fallback_order=10 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1
            """, out TraceReadStats stats);
        Assert.Equal(5, e.Count);
        Assert.Equal((TraceEventKind.PageFree, 0x1f00L, 2), (e[0].Kind, e[0].Pfn, e[0].Order));
        Assert.Equal((TraceEventKind.PageFreeBatched, 0x1f04L, 0), (e[1].Kind, e[1].Pfn, e[1].Order));
        Assert.Equal((TraceEventKind.PagePcpuDrain, 0x1f05L, MigrateType.Movable), (e[2].Kind, e[2].Pfn, e[2].MigrateType));
        Assert.Equal((TraceEventKind.PageAllocZoneLocked, 0x2000L, true), (e[3].Kind, e[3].Pfn, e[3].PercpuRefill));
        TraceEvent x = e[4];
        Assert.Equal(TraceEventKind.PageAllocExtfrag, x.Kind);
        Assert.Equal((0x8c00L, 0, 10, 9), (x.Pfn, x.Order, x.FallbackOrder, x.PageblockOrder));
        Assert.Equal((MigrateType.Unmovable, MigrateType.Movable, false, true), (x.MigrateType, x.FallbackMigrateType, x.Fragmenting, x.ChangeOwnership));
        Assert.Equal(6_100_000_000L, e[0].Timestamp);
        Assert.Equal(5, stats.Events);
        Assert.Equal(1, stats.Count(TraceEventKind.PageAllocExtfrag));
    }

    [Fact]
    public void CmaEventsOf61()
    {
        // include/trace/events/cma.h, 6.1: "name=%s pfn=0x%lx page=%p count=%lu align=%u" and cma_alloc_start's
        // "name=%s count=%lu align=%u"; cma_alloc() starts with pfn = -1 and traces a NULL page on failure.
        List<TraceEvent> e = ReadAll("""
            cma-1 [000] ..... 1.0: cma_alloc_start: name=reserved count=256 align=8
            cma-1 [000] ..... 1.1: cma_alloc_busy_retry: name=reserved pfn=0x40000 page=(____ptrval____) count=256 align=8
            cma-1 [000] ..... 1.5: cma_alloc_finish: name=reserved pfn=0x40100 page=(____ptrval____) count=256 align=8
            cma-1 [000] ..... 2.0: cma_alloc_finish: name=reserved pfn=0xffffffffffffffff page=0000000000000000 count=9999 align=0
            cma-1 [000] ..... 3.0: cma_release: name=reserved pfn=0x40100 page=(____ptrval____) count=256
            """, out _);
        Assert.Equal(TraceEventKind.CmaAllocStart, e[0].Kind);
        Assert.Equal(("reserved", 256L, 8, -1L), (e[0].CmaName, e[0].Count, e[0].Align, e[0].Pfn));
        Assert.Equal((TraceEventKind.CmaAllocBusyRetry, 0x40000L), (e[1].Kind, e[1].Pfn));
        Assert.Equal((TraceEventKind.CmaAllocFinish, 0x40100L, false), (e[2].Kind, e[2].Pfn, e[2].Failed));
        Assert.Equal((-1L, true, 9999L), (e[3].Pfn, e[3].Failed, e[3].Count));
        Assert.Equal((TraceEventKind.CmaRelease, 0x40100L, 256L), (e[4].Kind, e[4].Pfn, e[4].Count));
        Assert.Same(e[0].CmaName, e[4].CmaName); // interned
    }

    [Fact]
    public void HeaderMarkersAndUnknownEvents()
    {
        List<TraceEvent> e = ReadAll(Header + """
                      sh-429     [000] .....     6.200455: mm_page_alloc: page=(____ptrval____) pfn=0x45b8 order=1 migratetype=0 gfp_flags=GFP_KERNEL
                      sh-429     [000] .....     6.200456: kmalloc: call_site=alloc_bprm+0x32 ptr=(____ptrval____) bytes_req=416 bytes_alloc=512 gfp_flags=GFP_KERNEL|__GFP_ZERO
                      sh-429     [000] .....     6.200457: rss_stat: mm_id=1 curr=1 type=MM_ANONPAGES size=4096B
            CPU:1 [LOST 1234 EVENTS]
            ##### CPU 1 buffer started ####
                      sh-429     [001] .....     6.200457: <stack trace>
             => __alloc_pages+0x1c4/0x330
             => alloc_pages+0x90/0x160
                      sh-429     [001] .....     6.200458: kmalloc: call_site=x ptr=y
                      sh-429     [001] .....     6.200459: mm_page_free: page=(____ptrval____) pfn=0x45b8 order=1
            """, out TraceReadStats s);
        Assert.Equal(2, e.Count);
        Assert.Equal("nop", s.Tracer);
        Assert.Equal((7L, 9L, 2), (s.EntriesInBuffer!.Value, s.EntriesWritten!.Value, s.Cpus!.Value));
        Assert.Equal(1234, s.LostEvents);
        Assert.Equal(4, s.Skipped); // kmalloc twice, rss_stat, and the kernel_stack event line "<stack trace>"
        Assert.Equal(6, s.EventLines);
        Assert.Equal(new KeyValuePair<string, long>[] { new("<stack trace>", 1), new("kmalloc", 2), new("rss_stat", 1) }, s.SkippedByName);
        Assert.Equal(7 + 10, e[1].Line); // 7 header lines, then the 10th line of the body
    }

    [Fact]
    public void TraceCmdReportVariants()
    {
        // trace-cmd report: "cpus=N" first, no flags column, event names padded, libtraceevent printing %p of the
        // vmemmap arithmetic and gfp_flags in hex; older kernels printed pfn=%lu in decimal.
        List<TraceEvent> e = ReadAll("""
            cpus=4
            CPU 2 is empty
                       <...>-187168 [003] 14540.343835: mm_page_alloc:        page=0x3070e0 pfn=3174624 order=1 migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO
                make-16810 [004] .....  2319.000857123: mm_page_alloc:        page=0xffffea00001347a7 pfn=0x1347a7 order=0 migratetype=1 gfp_flags=0x152c4a
                 <idle>-0     [001] d.s1. 100.5: mm_page_free:         page=0xffffea0000000001 pfn=0x1 order=0
            """, out TraceReadStats s);
        Assert.Equal(4, s.Cpus);
        Assert.Equal(3, e.Count);
        Assert.Equal(("<...>", 187168, 3, 3174624L), (e[0].Task, e[0].Pid, e[0].Cpu, e[0].Pfn));
        Assert.Equal(14_540_343_835_000L, e[0].Timestamp);
        Assert.Equal(2_319_000_857_123L, e[1].Timestamp);
        Assert.Equal((GfpFlags)0x152c4a, e[1].GfpFlags);
        Assert.Equal(("<idle>", 0), (e[2].Task, e[2].Pid));
    }

    [Fact]
    public void TgidColumnTaskWithSpacesSystemPrefixFailedToParseAndCounterClock()
    {
        List<TraceEvent> e = ReadAll("""
                      sh-429     (    429) [000] .....     6.200455: mm_page_free: page=x pfn=0x10 order=0
             Web Content-5000    (-------) [001] .....     6.200456: mm_page_free: page=x pfn=0x11 order=0
                      sh-429     [000] .....  123456789: kmem:mm_page_free: page=x pfn=0x12 order=0
                      sh-429     [000] 6.3: mm_page_alloc: [FAILED TO PARSE] pfn=18446744073709551615 order=2 gfp_flags=3264 migratetype=0
            """, out _);
        Assert.Equal(("sh", 429, 0x10L), (e[0].Task, e[0].Pid, e[0].Pfn));
        Assert.Equal(("Web Content", 5000, 1), (e[1].Task, e[1].Pid, e[1].Cpu));
        Assert.Equal((123456789L, 0x12L), (e[2].Timestamp, e[2].Pfn));
        Assert.Equal((true, -1L, 2), (e[3].Failed, e[3].Pfn, e[3].Order));
    }

    [Fact]
    public void PerfScriptLayout()
    {
        // perf script: "COMM PID [CPU] TIMESTAMP: SYSTEM:EVENT: FIELDS".
        TraceEvent e = One("              dd   431 [001]  6208.123456: kmem:mm_page_alloc: page=0xffffea0000123400 pfn=0x48d0 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE");
        Assert.Equal(("dd", 431, 1, 0x48d0L, MigrateType.Movable), (e.Task, e.Pid, e.Cpu, e.Pfn, e.MigrateType));
    }

    [Fact]
    public void CrLfAndNoFinalNewline()
    {
        List<TraceEvent> e = ReadAll("a-1 [000] 1.0: mm_page_free: page=x pfn=0x10 order=0\r\na-1 [000] 1.1: mm_page_free: page=x pfn=0x11 order=3", out TraceReadStats s);
        Assert.Equal(2, e.Count);
        Assert.Equal((0x11L, 3), (e[1].Pfn, e[1].Order));
        Assert.Equal(2, s.Lines);
    }

    [Fact]
    public void LinesAcrossBufferRefillsAndLongLines()
    {
        // More than the reader's 1 MiB buffer, with one line longer than the buffer.
        var sb = new System.Text.StringBuilder();
        int n = 30_000;
        for (int i = 0; i < n; i++)
        {
            sb.Append("          dd-431     [000] .....     6.207252: mm_page_free: page=(____ptrval____) pfn=0x").Append(i.ToString("x")).Append(" order=0\n");
            if (i == n / 2)
            {
                sb.Append("a-1 [000] 1.0: other_event: x=").Append('y', 3 << 20).Append('\n');
            }
        }

        using var ms = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(sb.ToString()));
        using var r = new FtraceReader(ms, "big");
        long expect = 0;
        while (r.Read())
        {
            Assert.Equal(expect++, r.Current.Pfn);
        }

        Assert.Equal(n, expect);
        Assert.Equal(1, r.Stats.Skipped);
    }

    [Fact]
    public void GzipFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"zl-trace-{Guid.NewGuid():N}.txt.gz");
        try
        {
            using (var f = File.Create(path))
            using (var gz = new System.IO.Compression.GZipStream(f, System.IO.Compression.CompressionLevel.Fastest))
            {
                gz.Write("a-1 [000] 1.0: mm_page_free: page=x pfn=0x10 order=0\n"u8);
            }

            using FtraceReader r = FtraceReader.Open(path);
            Assert.True(r.Read());
            Assert.Equal(0x10, r.Current.Pfn);
            Assert.False(r.Read());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
