using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The oracle runner with <c>--dirty-throttle</c> (Reclaim/DirtyThrottle.cs) against what the recorded Debian 6.1
/// kernels printed in /proc/vmstat after every step: the dirty thresholds (global_dirty_limits over
/// global_dirtyable_memory) and the pages written back.
/// </summary>
public class DirtyThrottleOracleTests
{
    private static (List<OracleRecording> Runs, OracleEngineRunner Engine) Run(string workload, string arch)
    {
        (List<OracleRecording> runs, OracleWorkload w) = OracleWorkloadTests.Recorded(workload, arch);
        return (runs, OracleEngineRunner.Run(w, runs[0], new OracleMechanisms { DirtyThrottle = true }));
    }

    [Theory]
    // run1's step1.vmstat.txt, read by eye: dirty-pagecache arm64 nr_dirty_threshold 22236 / background 11104
    // (after 256 MiB written dirty), mlock-reclaim arm64 12363 / 6174 (after 200 MiB of mlocked anonymous memory,
    // which is not dirtyable), x86_64 10952 / 5469
    [InlineData("dirty-pagecache", "arm64", 22236, 11104)]
    [InlineData("mlock-reclaim", "arm64", 12363, 6174)]
    [InlineData("mlock-reclaim", "x86_64", 10952, 5469)]
    public void TheThresholdsAfterTheFirstStepAreTheKernels(string workload, string arch, long thresh, long bg)
    {
        (List<OracleRecording> runs, OracleEngineRunner e) = Run(workload, arch);
        using (e)
        {
            Assert.Equal(thresh, runs[0].Snapshots[1].Vmstat["nr_dirty_threshold"]);
            Assert.Equal(bg, runs[0].Snapshots[1].Vmstat["nr_dirty_background_threshold"]);
            // the engine's free and file pages differ from the guest's by a few tens of pages: 0.2 % of the threshold
            Assert.InRange(e.Snapshots[1].Vmstat["nr_dirty_threshold"], thresh - (thresh / 500), thresh + (thresh / 500));
            Assert.InRange(e.Snapshots[1].Vmstat["nr_dirty_background_threshold"], bg - (bg / 500), bg + (bg / 500));
        }
    }

    [Fact]
    public void ASyncedFileIsWrittenBackWhole()
    {
        // mlock-reclaim's 320 MiB file on ext4 is fsynced (zlguest's do_file): the kernels wrote all of it in step 2
        // (nr_written 81937 of nr_dirtied 81940 in run1: the file's 81920 pages and a few metadata blocks)
        (List<OracleRecording> runs, OracleEngineRunner e) = Run("mlock-reclaim", "arm64");
        using (e)
        {
            Assert.InRange(runs[0].Snapshots[2].Vmstat["nr_written"], 81920, 81940);
            Assert.Equal(81920, e.Snapshots[2].Vmstat["nr_written"]);
            Assert.Equal(0, e.Snapshots[2].Vmstat["nr_dirty"]);
        }
    }
}
