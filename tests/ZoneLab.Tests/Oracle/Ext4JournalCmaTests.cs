using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// ext4's journaled metadata blocks in the CMA area (OracleEngineRunner.Ext4Journal.cs): the block device's pages
/// whose buffer heads the journal holds make alloc_contig_range fail with -EBUSY after five migrate_pages calls, so
/// cma_alloc slides to the next window and, out of windows, fails (hugetlb then takes the page outside the area).
/// </summary>
public class Ext4JournalCmaTests
{
    [Fact]
    public void TheFailedCmaAllocsComeAtTheKernelsSteps()
    {
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", "cma-under-dirty-pagecache", "arm64");
        List<OracleRecording> runs = [.. OracleCompare.Runs(dir).Select(OracleRecording.Read)];
        OracleWorkload w = OracleWorkloadLoader.LoadFile(Path.Combine(OracleWorkloadTests.Root, "oracle", "workloads", "cma-under-dirty-pagecache.yaml"));
        using OracleEngineRunner e = OracleEngineRunner.Run(w, runs[0], new OracleMechanisms { Ext4Journal = true });
        // the three runs' vmstat, read by eye: cma_alloc_fail 0 up to step 29, then 1 after step 30 (the 32 MiB pages
        // after the dirty file: the create's three journaled blocks in the last window), 2 after step 33, 4 after 36 and
        // 6 after 39 (the synced file's block bitmaps in a second window), 7 after 41 (the 1 GiB page)
        int[] steps = [29, 30, 33, 36, 39, 41, 42];
        long[] kernel = [0, 1, 2, 4, 6, 7, 7];
        for (int k = 0; k < steps.Length; k++)
        {
            foreach (OracleRecording r in runs)
            {
                Assert.Equal(kernel[k], r.Snapshots[steps[k]].Vmstat["cma_alloc_fail"]);
            }
            Assert.Equal(kernel[k], e.Snapshots[steps[k]].Vmstat["cma_alloc_fail"]);
        }
        // the dirty file's create holds three blocks in one window, tried once by the last cma_alloc of step 30 and of
        // step 33: __alloc_contig_migrate_range calls migrate_pages five times on them (++tries == 5), each counting
        // the three in PGMIGRATE_FAIL: 15 a step (the kernels: 15 after step 30, 30 after step 33)
        foreach (OracleRecording r in runs)
        {
            Assert.Equal(15, r.Snapshots[30].Vmstat["pgmigrate_fail"]);
            Assert.Equal(30, r.Snapshots[33].Vmstat["pgmigrate_fail"]);
        }
        Assert.Equal(15, e.Snapshots[30].Vmstat["pgmigrate_fail"]);
        Assert.Equal(30, e.Snapshots[33].Vmstat["pgmigrate_fail"]);
    }
}
