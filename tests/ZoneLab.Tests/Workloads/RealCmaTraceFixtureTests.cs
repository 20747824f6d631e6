using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// The real arm64 trace with CMA events (Fixtures/trace/arm64-6.1-hugetlb-cma, see its README). Expected numbers
/// come from zgrep/awk on the file, with the command beside each (run in the fixture folder).
/// </summary>
public class RealCmaTraceFixtureTests
{
    private static (TraceSummary Summary, TraceReadStats Stats) Summarise()
    {
        using FtraceReader r = FtraceReader.Open(FixturePath.Get("trace", "arm64-6.1-hugetlb-cma", "trace.txt.gz"));
        return (new TraceAllocationTracker().ObserveAll(r), r.Stats);
    }

    [Fact]
    public void EventCounts()
    {
        (TraceSummary s, TraceReadStats st) = Summarise();
        // for e in mm_page_alloc ... cma_release; do zgrep -c " $e: " trace.txt.gz; done
        Assert.Equal(2270, st.Count(TraceEventKind.PageAlloc));
        Assert.Equal(10447, st.Count(TraceEventKind.PageFree));
        Assert.Equal(2156, st.Count(TraceEventKind.PageFreeBatched));
        Assert.Equal(819, st.Count(TraceEventKind.PageAllocZoneLocked));
        Assert.Equal(8588, st.Count(TraceEventKind.PagePcpuDrain));
        Assert.Equal(0, st.Count(TraceEventKind.PageAllocExtfrag));
        Assert.Equal(35, st.Count(TraceEventKind.CmaAllocStart));
        Assert.Equal(35, st.Count(TraceEventKind.CmaAllocFinish));
        Assert.Equal(0, st.Count(TraceEventKind.CmaAllocBusyRetry));
        Assert.Equal(1, st.Count(TraceEventKind.CmaRelease));
        // zcat trace.txt.gz | wc -l; zgrep -c '^#' trace.txt.gz; zgrep entries-in trace.txt.gz -> 24351/24351 #P:1
        Assert.Equal(24363, st.Lines);
        Assert.Equal(24351, s.EventsRead);
        Assert.Equal(24351, st.EntriesInBuffer);
        Assert.Equal(1, st.Cpus);
    }

    [Fact]
    public void CmaArea()
    {
        (TraceSummary s, _) = Summarise();
        // zgrep -c "cma_alloc_finish: .*page=0000000000000000" trace.txt.gz -> 3; 32 successes of count=8192 each;
        // the longest start-to-finish: zgrep -E " cma_alloc_(start|finish): " | awk (finish time - start time)
        //   -> 0.403948 s
        TraceCmaArea a = Assert.Single(s.Cma);
        Assert.Equal(new TraceCmaArea("hugetlb0", 35, 32, 3, 0, 32 * 8192, 1, 8192, 403_948_000), a);
    }

    [Fact]
    public void FreesInsideTheReleasedRangeAreCmaFrees()
    {
        (TraceSummary s, _) = Summarise();
        // zcat trace.txt.gz | awk -f ../pair.awk
        //   -> "allocs 2270 whole 2250 part 0 cma 8192 pre 5 live 20 livepages 23"
        Assert.Equal(2250, s.FreesWhole);
        Assert.Equal(0, s.FreesPart);
        Assert.Equal(8192, s.FreesCma);
        Assert.Equal(5, s.FreesPreExisting);
        Assert.Equal(20, s.LiveAllocations);
        Assert.Equal(23, s.LivePages);
        Assert.Equal(0, s.TraceFailedAllocations);
    }
}
