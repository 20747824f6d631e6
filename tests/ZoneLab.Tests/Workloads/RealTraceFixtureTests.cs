using ZoneLab.Allocator;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// The real trace recorded in a QEMU guest (Fixtures/trace/x86_64-6.1-kmem, see its README). Every expected
/// number below was derived from the file with shell tools, not with ZoneLab; the command is beside it
/// (run in the fixture folder).
/// </summary>
public class RealTraceFixtureTests
{
    private static string TracePath => FixturePath.Get("trace", "x86_64-6.1-kmem", "trace.txt");

    private static (TraceSummary Summary, TraceReadStats Stats) Summarise()
    {
        using FtraceReader r = FtraceReader.Open(TracePath);
        TraceSummary s = new TraceAllocationTracker().ObserveAll(r);
        return (s, r.Stats);
    }

    [Fact]
    public void EventCountsPerTracepoint()
    {
        (TraceSummary s, TraceReadStats st) = Summarise();
        // for e in mm_page_alloc mm_page_free mm_page_free_batched mm_page_alloc_zone_locked \
        //          mm_page_pcpu_drain mm_page_alloc_extfrag; do grep -c " $e: " trace.txt; done
        Assert.Equal(4673, st.Count(TraceEventKind.PageAlloc));
        Assert.Equal(7754, st.Count(TraceEventKind.PageFree));
        Assert.Equal(3227, st.Count(TraceEventKind.PageFreeBatched));
        Assert.Equal(3856, st.Count(TraceEventKind.PageAllocZoneLocked));
        Assert.Equal(6597, st.Count(TraceEventKind.PagePcpuDrain));
        Assert.Equal(9, st.Count(TraceEventKind.PageAllocExtfrag));
        // wc -l < trace.txt; grep -c '^#' trace.txt; grep entries-in trace.txt  -> 26116/26116   #P:2
        Assert.Equal(26128, st.Lines);
        Assert.Equal(26128 - 12, s.EventsRead);
        Assert.Equal(26116, st.EntriesInBuffer);
        Assert.Equal(2, st.Cpus);
        Assert.Equal("nop", st.Tracer);
        Assert.Equal(0, s.Skipped);
        Assert.Equal(4673, s.Allocations);
        Assert.Equal(7754, s.Frees);
        // grep -c "mm_page_alloc: .*page=0000000000000000" trace.txt
        Assert.Equal(0, s.TraceFailedAllocations);
    }

    [Fact]
    public void OrdersPagesAndRefills()
    {
        (TraceSummary s, _) = Summarise();
        // grep " mm_page_alloc: " trace.txt | grep -o "order=[0-9]*" | sort | uniq -c  -> 3245 0, 12 1, 1416 2
        Assert.Equal(3245, s.Requests.Where(r => r.Order == 0).Sum(r => r.Allocations));
        Assert.Equal(12, s.Requests.Where(r => r.Order == 1).Sum(r => r.Allocations));
        Assert.Equal(1416, s.Requests.Where(r => r.Order == 2).Sum(r => r.Allocations));
        // awk sums of 2^order over mm_page_alloc and mm_page_free lines
        Assert.Equal(8933, s.PagesAllocated);
        Assert.Equal(7766, s.PagesFreed);
        // grep " mm_page_alloc_zone_locked: " trace.txt | grep -c "percpu_refill=1"
        Assert.Equal(3856, s.PercpuRefills);
    }

    [Fact]
    public void Fallbacks()
    {
        (TraceSummary s, _) = Summarise();
        // grep extfrag trace.txt | awk '{print the alloc/fallback migratetypes, fragmenting, change_ownership}' | sort | uniq -c
        //   6 alloc_migratetype=0 fallback_migratetype=1, 1 alloc 0 fallback 2, 2 alloc 2 fallback 1; all
        //   fragmenting=0 change_ownership=1
        Assert.Equal(
            new[]
            {
                new TraceFallbackCount(MigrateType.Unmovable, MigrateType.Movable, 6, 6, 0),
                new TraceFallbackCount(MigrateType.Unmovable, MigrateType.Reclaimable, 1, 1, 0),
                new TraceFallbackCount(MigrateType.Reclaimable, MigrateType.Movable, 2, 2, 0),
            },
            s.Fallbacks);
    }

    [Fact]
    public void PairingByPfn()
    {
        (TraceSummary s, _) = Summarise();
        // awk -f ../pair.awk trace.txt (the rule written independently, in awk)
        //   -> "allocs 4673 whole 1582 part 0 cma 0 pre 6172 live 3091 livepages 7340"
        Assert.Equal(1582, s.FreesWhole);
        Assert.Equal(0, s.FreesPart);
        Assert.Equal(6172, s.FreesPreExisting);
        Assert.Equal(3091, s.LiveAllocations);
        Assert.Equal(7340, s.LivePages);
        Assert.Equal(0, s.FreesCma);
    }

    [Fact]
    public void RequestsByOrderMigratetypeAndGfpClass()
    {
        (TraceSummary s, _) = Summarise();
        // grep " mm_page_alloc: " trace.txt | awk '{for(i=1;i<=NF;i++){if($i~/^order=/)o=$i; if($i~/^migratetype=/)m=$i;
        //   if($i~/^gfp_flags=/){g=$i; sub(/\|.*/,"",g)}} print o, m, g}' | sort | uniq -c
        // (the first name printed is the class; SLUB's high-order attempts print no composite: "__GFP_IO|..." = other)
        Assert.Equal(
            new[]
            {
                new TraceRequestCount(0, MigrateType.Unmovable, "GFP_KERNEL", 699, 0),
                new TraceRequestCount(0, MigrateType.Unmovable, "GFP_KERNEL_ACCOUNT", 90, 0),
                new TraceRequestCount(0, MigrateType.Unmovable, "GFP_NOFS", 222, 0),
                new TraceRequestCount(0, MigrateType.Unmovable, "GFP_NOWAIT", 14, 0),
                new TraceRequestCount(0, MigrateType.Movable, "GFP_HIGHUSER_MOVABLE", 870, 0),
                new TraceRequestCount(0, MigrateType.Reclaimable, "GFP_KERNEL", 1350, 0),
                new TraceRequestCount(1, MigrateType.Unmovable, "GFP_KERNEL_ACCOUNT", 12, 0),
                new TraceRequestCount(2, MigrateType.Unmovable, "other", 1412, 0),
                new TraceRequestCount(2, MigrateType.Reclaimable, "other", 4, 0),
            },
            s.Requests);
    }
}
