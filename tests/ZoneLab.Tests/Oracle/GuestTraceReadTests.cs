using ZoneLab.Oracle;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The guest helper's trace read after every snapshot (OracleEngineRunner.TraceRead.cs): 6.1's <c>__tracing_open</c>
/// allocates its <c>struct trace_iterator</c> (two PAGE_SIZE trace_seq buffers, more than KMALLOC_MAX_CACHE_SIZE)
/// with <c>kmalloc_large</c>, an order-2 page, and <c>tracing_release</c> frees it.
/// </summary>
public class GuestTraceReadTests
{
    private static (List<OracleRecording> Runs, OracleEngineRunner Engine) Run(string workload, string arch, bool perCpuLists)
    {
        (List<OracleRecording> runs, OracleWorkload w) = OracleWorkloadTests.Recorded(workload, arch);
        return (runs, OracleEngineRunner.Run(w, runs[0], new OracleMechanisms { PerCpuLists = perCpuLists }));
    }

    private static long Pgfree(ProcSnapshot s) => s.Vmstat["pgfree"];

    [Theory]
    [InlineData("arm64", false)]
    [InlineData("x86_64", false)]
    [InlineData("arm64", true)]
    public void TheHugepagesStepFreesTheFourPagesOfTheTraceIterator(string arch, bool perCpuLists)
    {
        // compaction-on-demand's last step (nr_hugepages 100) frees nothing of its own: its 100 order-9 pages stay in
        // the pool. Between snapshot 3 and snapshot 4 the only free is the trace iterator of snapshot 3's trace read,
        // 1 << 2 = 4 pages; every recorded run (3 per arch) says pgfree +4 for that step. Without the trace read the
        // engine's step frees 0 pages.
        (List<OracleRecording> runs, OracleEngineRunner e) = Run("compaction-on-demand", arch, perCpuLists);
        using (e)
        {
            Assert.All(runs, r => Assert.Equal(4, Pgfree(r.Snapshots[4]) - Pgfree(r.Snapshots[3])));
            Assert.Equal(4, Pgfree(e.Snapshots[4]) - Pgfree(e.Snapshots[3]));
        }
    }

    [Fact]
    public void TheTraceReadsFreeHighEmptiesThePerCpuListAfterCompactMemory()
    {
        // compaction-on-demand arm64: the kernel's DMA list holds 754 pages after compact_memory (zoneinfo of step 3, all
        // runs) and 0 after hugepages (step 4). By hand, 6.1 mm/page_alloc.c: compact_memory's frees trim the list at
        // high with nr_pcp_free, raising pcp->free_factor while batch << free_factor stays below high - batch;
        // snapshot 3's trace read then allocates the order-2 iterator (rmqueue_pcplist halves free_factor, still
        // non-zero) and frees it: free_unref_page_commit's free_high (free_factor != 0, order 2 <= COSTLY) makes
        // nr_pcp_high 0 and nr_pcp_free return pcp->count, so the whole list goes back to the buddy allocator. The
        // hundred order-9 allocations that follow refill the pageblock-order list two blocks at a time
        // (rmqueue_bulk, batch max(31 >> 9, 2) = 2) and take both: 100 is even, so the list ends empty. The zoneinfo
        // of step 4 is read before snapshot 4's own trace read. Without the trace read nothing frees in the step and
        // the list keeps its ~700 pages.
        (List<OracleRecording> runs, OracleEngineRunner e) = Run("compaction-on-demand", "arm64", perCpuLists: true);
        using (e)
        {
            Assert.All(runs, r => Assert.Equal(0, ZoneinfoReader.ParseFile(r.PathOf("step4.zoneinfo.txt")).Sum(z => z.Pagesets.Sum(p => p.Count))));
            Assert.True(e.PcpPages[3].Values.Sum() > 0);
            Assert.Equal(0, e.PcpPages[4].Values.Sum());
        }
    }
}
