using ZoneLab.Oracle;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The oracle runner with the guest's per-cpu page lists (<c>oracle compare --per-cpu-lists</c>,
/// OracleEngineRunner.Pcp.cs), checked against the pcp counts the recorded Debian 6.1 kernels printed in their
/// zoneinfo after every step (pagesets "count", summed over the zones): values the engine never reads after step 0.
/// </summary>
public class PerCpuListsOracleTests
{
    private static (List<OracleRecording> Runs, OracleEngineRunner Engine, OracleWorkload W) Run(string workload, string arch)
    {
        (List<OracleRecording> runs, OracleWorkload w) = OracleWorkloadTests.Recorded(workload, arch);
        return (runs, OracleEngineRunner.Run(w, runs[0], new OracleMechanisms { PerCpuLists = true }), w);
    }

    private static long KernelPcp(OracleRecording r, int step) =>
        ZoneinfoReader.ParseFile(r.PathOf($"step{step}.zoneinfo.txt")).Sum(z => z.Pagesets.Sum(p => p.Count));

    [Theory]
    [InlineData("anon-swap", "x86_64", 512)]
    [InlineData("anon-swap", "arm64", 216)]
    public void StepZeroStartsWithTheFirstRunsPcpPages(string workload, string arch, long count)
    {
        // step0.zoneinfo.txt of run1, read by eye: x86_64 DMA32 "count: 512" (DMA 0); arm64 DMA "count: 216"
        (List<OracleRecording> runs, OracleEngineRunner e, _) = Run(workload, arch);
        using (e)
        {
            Assert.Equal(count, KernelPcp(runs[0], 0));
            Assert.Equal(count, e.PcpPages[0].Values.Sum());
            // the pcp pages came out of the residue, not out of the buddy lists: MemFree is the kernel's
            Assert.InRange(e.Snapshots[0].Vmstat["nr_free_pages"] - runs[0].Snapshots[0].Vmstat["nr_free_pages"], -200, 200);
        }
    }

    [Theory]
    [InlineData("kernelcore-slab", "x86_64")]
    [InlineData("kernelcore-slab", "arm64")]
    public void PcpCountAfterEveryStepIsTheKernels(string workload, string arch)
    {
        // kernelcore-slab (anon, files, pipes, free, hugepages): after every step the kernel's lists held 1072-2841
        // pages over its runs (the Movable zone's high is ~2400). The engine is within 6 % of that range after
        // every step (it was 0 without the lists), plus at most the 28 pages (7 order-2 blocks of rmqueue_bulk,
        // batch max(31 >> 2, 2)) with which the helper's trace read after snapshot 0 refills the unmovable order-2
        // list (OracleEngineRunner.TraceRead.cs): step 0's seeding puts order-0 pages on the lists only, where the
        // kernel's order-2 list may already hold pages, counted in its zoneinfo.
        (List<OracleRecording> runs, OracleEngineRunner e, OracleWorkload w) = Run(workload, arch);
        using (e)
        {
            for (int s = 1; s <= w.Steps.Count; s++)
            {
                long lo = runs.Min(r => KernelPcp(r, s)), hi = runs.Max(r => KernelPcp(r, s));
                long engine = e.PcpPages[s].Values.Sum();
                Assert.InRange(engine, (long)(lo * 0.94), (long)(hi * 1.06) + 28);
            }
        }
    }

    [Theory]
    [InlineData("drop-caches-hugepages", "x86_64", 3)]
    [InlineData("drop-caches-hugepages", "arm64", 3)]
    [InlineData("gigantic-contig", "arm64", 4)]
    [InlineData("pipes-unmovable", "x86_64", 3)]
    public void StepsThatDrainTheListsEndWithThemEmpty(string workload, string arch, int step)
    {
        // The kernel's lists were empty (0-1 pages) after these steps in every run: drop_caches frees the inode
        // slabs (order 2/3) last, and free_unref_page_commit's free_high (free_factor set by the bulk frees before)
        // frees the whole list; gigantic pages come from alloc_contig_range, whose isolation drains every CPU
        // (drain_all_pages); freeing the pipes frees order-1..3 kmalloc pages after the pipe pages (free_high).
        (List<OracleRecording> runs, OracleEngineRunner e, _) = Run(workload, arch);
        using (e)
        {
            Assert.All(runs, r => Assert.InRange(KernelPcp(r, step), 0, 1));
            Assert.InRange(e.PcpPages[step].Values.Sum(), 0, 1);
        }
    }
}
