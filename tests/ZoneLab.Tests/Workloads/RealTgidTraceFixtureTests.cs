using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// The third real trace (Fixtures/trace/arm64-6.1-hugepage-cma-tgid, see its README): arm64, 2 CPUs, record-tgid on
/// and irq-info off, a page-cache + PMD huge page workload with a CMA area holding most free memory. Expected
/// numbers come from zgrep/awk on the file, with the command beside each (run in the fixture folder).
/// </summary>
public class RealTgidTraceFixtureTests
{
    private static string Path => FixturePath.Get("trace", "arm64-6.1-hugepage-cma-tgid", "trace.txt.gz");

    private static (TraceSummary Summary, TraceReadStats Stats, List<TraceEvent> Events) Summarise()
    {
        using FtraceReader r = FtraceReader.Open(Path);
        var tracker = new TraceAllocationTracker();
        var events = new List<TraceEvent>();
        while (r.Read())
        {
            events.Add(r.Current);
            tracker.Observe(in r.Current);
        }

        return (tracker.Summary(r.Stats), r.Stats, events);
    }

    [Fact]
    public void EventCountsAndHeader()
    {
        (TraceSummary s, TraceReadStats st, _) = Summarise();
        // for e in mm_page_alloc ... cma_release; do zgrep -c " $e: " trace.txt.gz; done
        Assert.Equal(6502, st.Count(TraceEventKind.PageAlloc));
        Assert.Equal(6515, st.Count(TraceEventKind.PageFree));
        Assert.Equal(6326, st.Count(TraceEventKind.PageFreeBatched));
        Assert.Equal(6257, st.Count(TraceEventKind.PageAllocZoneLocked));
        Assert.Equal(6457, st.Count(TraceEventKind.PagePcpuDrain));
        Assert.Equal(0, st.Count(TraceEventKind.PageAllocExtfrag));
        Assert.Equal(0, st.Count(TraceEventKind.CmaAllocStart) + st.Count(TraceEventKind.CmaAllocFinish) + st.Count(TraceEventKind.CmaRelease));
        // zcat trace.txt.gz | wc -l -> 32063; zgrep -c '^#' -> 6; "# entries-in-buffer/entries-written: 32057/32057   #P:2"
        Assert.Equal(32063, st.Lines);
        Assert.Equal(32057, s.EventsRead);
        Assert.Equal((32057L, 2), (st.EntriesInBuffer!.Value, st.Cpus!.Value));
        Assert.Equal(0, s.Skipped);
    }

    [Fact]
    public void TgidColumnAndNoFlagsColumn()
    {
        (_, _, List<TraceEvent> e) = Summarise();
        // zgrep -c "(-------) \[...\]" -> 52, all "<idle>-0" (zgrep "(-------)" | grep -vc "<idle>-0 " -> 0);
        // zgrep -v '^#' | grep -c "\[001\]" -> 411; the first event line:
        //   "sh-473     (    473) [001]      7.796445: mm_page_alloc: page=0000000063ef932e pfn=0x44875 order=0 ..."
        Assert.Equal(52, e.Count(x => x.Task == "<idle>" && x.Pid == 0));
        Assert.Equal(411, e.Count(x => x.Cpu == 1));
        Assert.Equal(("sh", 473, 1, 7_796_445_000L, 0x44875L), (e[0].Task, e[0].Pid, e[0].Cpu, e[0].Timestamp, e[0].Pfn));
    }

    [Fact]
    public void HugePagesAndCmaFirstPageCache()
    {
        (TraceSummary s, _, List<TraceEvent> e) = Summarise();
        // zgrep " mm_page_alloc: " | grep -o "order=[0-9]*" | sort | uniq -c -> 6469 order=0, 4 order=1, 3 order=2,
        // 1 order=4, 1 order=5, 24 order=9 (all 24 "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_NOWARN|
        // __GFP_RETRY_MAYFAIL|__GFP_COMP|__GFP_THISNODE"): 6469 + 8 + 12 + 16 + 32 + 24 * 512 = 18825 pages.
        Assert.Equal(24, s.Requests.Where(r => r.Order == 9).Sum(r => r.Allocations));
        Assert.Equal(24, e.Count(x => x.Kind == TraceEventKind.PageAlloc && x.Order == 9 && x.MigrateType == MigrateType.Movable));
        Assert.Equal(18825, s.PagesAllocated);
        // zgrep " mm_page_alloc_zone_locked: " | grep -o "migratetype=[0-9]" | sort | uniq -c -> 126 x 0, 1 x 1,
        // 6130 x 4 (MIGRATE_CMA: __rmqueue() takes CMA first when it holds over half the free pages);
        // ... | grep -c "percpu_refill=1" -> 125
        Assert.Equal(6130, e.Count(x => x.Kind == TraceEventKind.PageAllocZoneLocked && x.MigrateType == MigrateType.Cma));
        Assert.Equal(125, s.PercpuRefills);
    }

    [Fact]
    public void PairingMatchesAwk()
    {
        (TraceSummary s, _, _) = Summarise();
        // zcat trace.txt.gz | awk -f ../pair.awk
        //   -> "allocs 6502 whole 6474 part 0 cma 0 pre 41 live 28 livepages 41"
        Assert.Equal((6502L, 6474L, 0L, 0L, 41L), (s.Allocations, s.FreesWhole, s.FreesPart, s.FreesCma, s.FreesPreExisting));
        Assert.Equal((28, 41L), (s.LiveAllocations, s.LivePages));
    }

    [Fact]
    public void ReplayOnTheRecordedMachineFreesEveryPairedBlock()
    {
        // QEMU virt 512 MiB with cma=256M, as recorded. At most 18825 pages are ever allocated (above), far below
        // the 131072 pages of RAM, so every allocation succeeds and each of the 6474 whole frees awk pairs frees
        // the model's block; the 41 pre-existing frees have none.
        using DesignMachine dm = DesignFactory.For(DesignKind.MigrateCma)
            .Build(new LayoutBuilder().ForArm64(512UL << 20).WithExtraArgs(["cma=256M"]).Build(), KernelVersions.Parse("6.1"));
        using FtraceReader r = FtraceReader.Open(Path);
        TraceReplayResult result = new TraceReplayer(dm).Replay(r);
        Assert.Equal((32057L, 6502L, 6515L, 0L), (result.Trace.EventsRead, result.Trace.Allocations, result.Trace.Frees, result.FailedAllocations));
        Assert.Equal(6474, result.ModelFrees);
        Assert.Equal(41, result.Trace.FreesPreExisting);
        Assert.Equal(0, result.ModelImpliedFrees);
    }
}
