using ZoneLab.Allocator;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// The TP_printk formats of the supported events as older and newer kernels than 6.1 print them (each test quotes
/// the kernel source line), and the trace layouts other than the default one. Expected values are read off the
/// sample lines by hand: hex and decimal pfns converted on paper, failures from the NULL page the kernel prints.
/// </summary>
public class FtraceReaderKernelFormatTests
{
    private static List<TraceEvent> ReadAll(string text, out TraceReadStats stats)
    {
        using FtraceReader r = FtraceReader.FromText(text, "k.txt");
        List<TraceEvent> events = r.ReadAll().ToList();
        stats = r.Stats;
        return events;
    }

    private static TraceEvent One(string line) => Assert.Single(ReadAll(line + "\n", out _));

    [Fact]
    public void KmemEventsOf4xWithDecimalPfnsAndRawPointers()
    {
        // include/trace/events/kmem.h before "mm, tracing: unify PFN format strings" (4.x, 5.0-5.1):
        //   mm_page_alloc:        TP_printk("page=%p pfn=%lu order=%d migratetype=%d gfp_flags=%s", ...)
        //   mm_page_free:         TP_printk("page=%p pfn=%lu order=%d", ...)
        //   mm_page_free_batched: TP_printk("page=%p pfn=%lu order=0 cold=%d", ...)   (cold= until 4.15)
        //   mm_page (zone_locked): TP_printk("page=%p pfn=%lu order=%u migratetype=%d percpu_refill=%d", ...)
        //   mm_page_pcpu_drain:   TP_printk("page=%p pfn=%lu order=%d migratetype=%d", ...)
        // %p before 4.15 printed the raw address; the 4.x irq-info column has 4 flags ("d..2").
        List<TraceEvent> e = ReadAll("""
                      dd-2113  [001] ....   512.004096: mm_page_alloc: page=ffffea0000b5a880 pfn=185962 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE
                      dd-2113  [001] d..2   512.004100: mm_page_alloc_zone_locked: page=ffffea0000b5a8c0 pfn=185963 order=0 migratetype=1 percpu_refill=1
                      dd-2113  [001] d..2   512.004101: mm_page_pcpu_drain: page=ffffea0000b5a900 pfn=185964 order=0 migratetype=1
                      dd-2113  [001] ....   512.004102: mm_page_free_batched: page=ffffea0000b5a880 pfn=185962 order=0 cold=0
                      dd-2113  [001] ....   512.004103: mm_page_free: page=ffffea0000b5a880 pfn=185962 order=0
            """, out TraceReadStats s);
        Assert.Equal(5, s.Events);
        Assert.Equal((TraceEventKind.PageAlloc, 185962L, 0, MigrateType.Movable, false), (e[0].Kind, e[0].Pfn, e[0].Order, e[0].MigrateType, e[0].Failed));
        Assert.Equal((TraceEventKind.PageAllocZoneLocked, 185963L, true), (e[1].Kind, e[1].Pfn, e[1].PercpuRefill));
        Assert.Equal((TraceEventKind.PagePcpuDrain, 185964L), (e[2].Kind, e[2].Pfn));
        Assert.Equal((TraceEventKind.PageFreeBatched, 185962L, 0), (e[3].Kind, e[3].Pfn, e[3].Order));
        Assert.Equal((TraceEventKind.PageFree, 185962L), (e[4].Kind, e[4].Pfn));
        Assert.Equal(512_004_096_000L, e[0].Timestamp);
    }

    [Fact]
    public void FailedAllocationOf4xPrintsPaddedNull()
    {
        // 4.x mm_page_alloc: __entry->page ? page_to_pfn(__entry->page) : 0, and pointer() (lib/vsprintf.c) pads
        // NULL's "(null)" to 2 * sizeof(void *) = 16 columns: "page=          (null) pfn=0". A failure, not pfn 0.
        TraceEvent e = One("          chrome-3001  [000] ....   77.000001: mm_page_alloc: page=          (null) pfn=0 order=3 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP");
        Assert.True(e.Failed);
        Assert.Equal(-1, e.Pfn);
        Assert.Equal(3, e.Order);
    }

    [Fact]
    public void ExtfragOf4xAndOf61()
    {
        // Both print "page=%p pfn=... alloc_order=%d fallback_order=%d pageblock_order=%d alloc_migratetype=%d
        // fallback_migratetype=%d fragmenting=%d change_ownership=%d"; 4.x prints pfn=%lu and change_ownership as
        // alloc_migratetype == fallback_migratetype, 6.1 pfn=0x%lx and the claim (steal_suitable_fallback()).
        List<TraceEvent> e = ReadAll("""
                  sh-9 [000] d..3  9.5: mm_page_alloc_extfrag: page=ffffea0000900000 pfn=36864 alloc_order=0 fallback_order=3 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=1 change_ownership=0
                  sh-9 [000] d..3. 9.6: mm_page_alloc_extfrag: page=(____ptrval____) pfn=0x9000 alloc_order=2 fallback_order=10 pageblock_order=9 alloc_migratetype=2 fallback_migratetype=1 fragmenting=0 change_ownership=1
            """, out _);
        Assert.Equal((36864L, 0, 3, 9, true, false), (e[0].Pfn, e[0].Order, e[0].FallbackOrder, e[0].PageblockOrder, e[0].Fragmenting, e[0].ChangeOwnership));
        Assert.Equal((MigrateType.Unmovable, MigrateType.Movable), (e[0].MigrateType, e[0].FallbackMigrateType));
        Assert.Equal((0x9000L, 2, 10, false, true), (e[1].Pfn, e[1].Order, e[1].FallbackOrder, e[1].Fragmenting, e[1].ChangeOwnership));
        Assert.Equal(MigrateType.Reclaimable, e[1].MigrateType);
    }

    [Fact]
    public void CmaAllocBefore513IsTheResultWithAHexPfnWithoutPrefix()
    {
        // include/trace/events/cma.h, 4.1-5.12: TRACE_EVENT(cma_alloc, ...) TP_printk("pfn=%lx page=%p count=%u align=%u")
        // and TP_printk("pfn=%lx page=%p count=%u") for cma_release; cma_alloc() traced page ? pfn : -1UL.
        // No area name. pfn=80000 is hex: 0x80000 = 524288.
        List<TraceEvent> e = ReadAll("""
                  camera-700   [002] ....  40.100000: cma_alloc: pfn=80000 page=ffff7e0002000000 count=8192 align=13
                  camera-700   [002] ....  40.200000: cma_alloc: pfn=ffffffffffffffff page=          (null) count=8192 align=13
                  camera-700   [002] ....  41.000000: cma_release: pfn=80000 page=ffff7e0002000000 count=8192
            """, out TraceReadStats s);
        Assert.Equal((TraceEventKind.CmaAllocFinish, 0x80000L, 8192L, 13, false), (e[0].Kind, e[0].Pfn, e[0].Count, e[0].Align, e[0].Failed));
        Assert.Null(e[0].CmaName);
        Assert.Equal((true, -1L), (e[1].Failed, e[1].Pfn));
        Assert.Equal((TraceEventKind.CmaRelease, 0x80000L, 8192L), (e[2].Kind, e[2].Pfn, e[2].Count));
        Assert.Equal(2, s.Count(TraceEventKind.CmaAllocFinish));
        Assert.Equal(0, s.Skipped);
    }

    [Fact]
    public void CmaEventClassOf513WithNameAndHexPfn()
    {
        // 5.13 "mm: cma: add trace events for CMA alloc perf testing": cma_alloc_start TP_printk("count=%u align=%u"),
        // DECLARE_EVENT_CLASS(cma_alloc_class) TP_printk("name=%s pfn=%lx page=%p count=%u align=%u") for
        // cma_alloc_finish and cma_alloc_busy_retry (name= added to the class in the same series).
        List<TraceEvent> e = ReadAll("""
                  app-1 [000] ..... 5.0: cma_alloc_start: count=16 align=4
                  app-1 [000] ..... 5.1: cma_alloc_busy_retry: name=reserved pfn=4a000 page=00000000d8e1a3b2 count=16 align=4
                  app-1 [000] ..... 5.2: cma_alloc_finish: name=reserved pfn=4a010 page=00000000d8e1a3c2 count=16 align=4
            """, out _);
        Assert.Equal((TraceEventKind.CmaAllocStart, 16L, 4, (string?)null), (e[0].Kind, e[0].Count, e[0].Align, e[0].CmaName));
        Assert.Equal((TraceEventKind.CmaAllocBusyRetry, 0x4a000L), (e[1].Kind, e[1].Pfn));
        Assert.Equal((0x4a010L, "reserved", false), (e[2].Pfn, e[2].CmaName, e[2].Failed));
    }

    [Fact]
    public void CmaEventsOfLaterKernelsWithErrornoAndRequestCount()
    {
        // torvalds/linux include/trace/events/cma.h (after 6.12):
        //   cma_alloc_start:  TP_printk("name=%s request_count=%lu available_count=%lu total_count=%lu align=%u")
        //   cma_alloc_finish: TP_printk("name=%s pfn=0x%lx page=%p count=%lu align=%u errorno=%d")
        //   cma_release:      TP_printk("name=%s pfn=0x%lx page=%p count=%lu")
        List<TraceEvent> e = ReadAll("""
                  app-1 [000] ..... 5.0: cma_alloc_start: name=reserved request_count=512 available_count=16384 total_count=65536 align=9
                  app-1 [000] ..... 5.1: cma_alloc_finish: name=reserved pfn=0xffffffffffffffff page=0000000000000000 count=512 align=9 errorno=-12
                  app-1 [000] ..... 5.2: cma_alloc_start: name=reserved request_count=512 available_count=16384 total_count=65536 align=9
                  app-1 [000] ..... 5.3: cma_alloc_finish: name=reserved pfn=0x50200 page=00000000aa55aa55 count=512 align=9 errorno=0
                  app-1 [000] ..... 6.0: cma_release: name=reserved pfn=0x50200 page=00000000aa55aa55 count=512
            """, out _);
        Assert.Equal((512L, 9, "reserved"), (e[0].Count, e[0].Align, e[0].CmaName));
        Assert.Equal((true, -1L), (e[1].Failed, e[1].Pfn));
        Assert.Equal((false, 0x50200L, 512L), (e[3].Failed, e[3].Pfn, e[3].Count));
        Assert.Equal((TraceEventKind.CmaRelease, 0x50200L), (e[4].Kind, e[4].Pfn));
    }

    [Fact]
    public void PercpuRefillZeroAndHighOrderZoneLocked()
    {
        // 6.1 mm_page class: "page=%p pfn=0x%lx order=%u migratetype=%d percpu_refill=%d"; rmqueue_buddy() of a
        // high order takes a block off the free list without a per-cpu refill (percpu_refill=0).
        TraceEvent e = One("  kswapd0-40 [000] d..2. 3.0: mm_page_alloc_zone_locked: page=0000000012345678 pfn=0x3a00 order=9 migratetype=1 percpu_refill=0");
        Assert.Equal((0x3a00L, 9, MigrateType.Movable, false), (e.Pfn, e.Order, e.MigrateType, e.PercpuRefill));
    }

    [Fact]
    public void ContextInfoOffLinesHaveNoTaskCpuOrTime()
    {
        // options/context-info = 0: print_trace_fmt() (kernel/trace/trace.c) skips trace_print_context(), and
        // trace_raw_output_prep() starts the line at "EVENT: ". Unknown events are still counted and skipped.
        List<TraceEvent> e = ReadAll("""
            # tracer: nop
            mm_page_alloc: page=00000000f3c7a2d1 pfn=0x1234 order=0 migratetype=0 gfp_flags=GFP_KERNEL
            kmalloc: call_site=seq_open+0x2a/0x80 ptr=000000004f8c1e2a bytes_req=128 bytes_alloc=128 gfp_flags=GFP_KERNEL
            mm_page_free: page=00000000f3c7a2d1 pfn=0x1234 order=0
            kmem:mm_page_free: page=00000000f3c7a2d1 pfn=0x1235 order=1
            """, out TraceReadStats s);
        Assert.Equal(3, e.Count);
        Assert.Equal((TraceEventKind.PageFree, 0x1235L, 1), (e[2].Kind, e[2].Pfn, e[2].Order));
        Assert.Equal((TraceEventKind.PageAlloc, 0x1234L, "", 0, -1, 0L), (e[0].Kind, e[0].Pfn, e[0].Task, e[0].Pid, e[0].Cpu, e[0].Timestamp));
        Assert.Equal(TraceEventKind.PageFree, e[1].Kind);
        Assert.Equal(1, s.Skipped);
    }

    [Fact]
    public void TraceCmdReportHeadersLostEventsAndOddTaskNames()
    {
        // trace-cmd report (trace-cmd 3.x): "version = 6", "cpus=2", "CPU 1 is empty"; the ring buffer's
        // "CPU:N [LOST M EVENTS]" (print_trace_line()); comms with blanks and dashes ("Chrome_IOThread",
        // "kworker/u8:3-events_unbound" style "a-b-c-123": the pid is after the last dash).
        List<TraceEvent> e = ReadAll("""
            version = 6
            cpus=2
            CPU 1 is empty
              Compositor-thr-4410  [000]  3001.000001: mm_page_free:         page=0xffffea0000123400 pfn=0x48d0 order=0
            CPU:0 [LOST 123 EVENTS]
                 my task name-77   [000]  3001.000002: mm_page_free:         page=0xffffea0000123440 pfn=0x48d1 order=1
            """, out TraceReadStats s);
        Assert.Equal(2, s.Cpus);
        Assert.Equal(123, s.LostEvents);
        Assert.Equal(("Compositor-thr", 4410, 0x48d0L), (e[0].Task, e[0].Pid, e[0].Pfn));
        Assert.Equal(("my task name", 77, 1), (e[1].Task, e[1].Pid, e[1].Order));
    }

    [Fact]
    public void PipelinedReplayGivesTheSequentialResultAndRethrowsReaderErrors()
    {
        // 5000 alloc/free pairs, then a malformed mm_page_free at line 10001: both replays stop there with the same
        // file:line message, and without the bad line both count 5000 allocations and 5000 frees.
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            sb.Append("a-1 [000] 1.0: mm_page_alloc: page=x pfn=0x").Append((0x1000 + i).ToString("x")).Append(" order=0 migratetype=0 gfp_flags=GFP_KERNEL\n");
            sb.Append("a-1 [000] 1.0: mm_page_free: page=x pfn=0x").Append((0x1000 + i).ToString("x")).Append(" order=0\n");
        }

        string good = sb.ToString();
        string bad = good + "a-1 [000] 1.0: mm_page_free: page=x pfn=0x10 order=zz\n";
        foreach (bool pipelined in new[] { false, true })
        {
            TraceReplayResult r = Replay(good, pipelined);
            Assert.Equal((5000L, 5000L, 5000L, 0L), (r.Trace.Allocations, r.Trace.Frees, r.ModelFrees, r.FailedAllocations));
            var ex = Assert.Throws<ZoneLabInputException>(() => Replay(bad, pipelined));
            Assert.StartsWith("k.txt:10001: mm_page_free: order= expects an integer", ex.Message);
        }
    }

    private static TraceReplayResult Replay(string text, bool pipelined)
    {
        using ZoneLab.Designs.DesignMachine dm = ZoneLab.Designs.DesignFactory.For(ZoneLab.Designs.DesignKind.MigrateCma)
            .Build(new ZoneLab.Layout.LayoutBuilder().FromQemu(256UL << 20, ZoneLab.Layout.QemuMachineType.Pc, null).Build(), KernelVersions.Parse("6.1"));
        using FtraceReader reader = FtraceReader.FromText(text, "k.txt");
        return new TraceReplayer(dm) { Pipelined = pipelined }.Replay(reader);
    }
}
