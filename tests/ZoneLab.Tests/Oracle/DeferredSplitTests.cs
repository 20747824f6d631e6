using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// THP deferred split in the oracle's engine (OracleEngineRunner.DeferredSplit.cs), against the recorded
/// movablecore-hugepages runs on Debian's 6.1 kernels (oracle/recordings): anon 400M, thin keep 8, hugepages 150.
/// </summary>
public class DeferredSplitTests
{
    [Theory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    public void ThinningQueuesTheThpsAndReclaimSplitsThem(string arch)
    {
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", "movablecore-hugepages", arch);
        List<OracleRecording> runs = [.. OracleCompare.Runs(dir).Select(OracleRecording.Read)];
        OracleWorkload w = OracleWorkloadLoader.LoadFile(Path.Combine(OracleWorkloadTests.Root, "oracle", "workloads", "movablecore-hugepages.yaml"));
        using OracleEngineRunner e = OracleEngineRunner.Run(w, runs[0]);

        // 400 MiB = 102400 pages in a mapping that 6.1 does not align to 2 MiB: 199 whole PMD ranges get THPs
        // (101888 pages), 512 small pages sit in the partial ranges at both ends. thin keep 8 frees 7 of every 8
        // small pages (448) and only queues the THPs (kernel: thp_deferred_split_page 199 in every run). The
        // kernel's MemFree does not move at all (its 448 freed pages wait on the per-cpu list, which the engine
        // does not model), so the engine gains exactly the 448.
        Assert.All(runs, r => Assert.Equal(199, r.Snapshots[2].Vmstat["thp_deferred_split_page"]));
        Assert.Equal(199, e.Snapshots[2].Vmstat["thp_deferred_split_page"]);
        Assert.Equal(0, e.Snapshots[2].Vmstat["thp_split_page"]);
        Assert.Equal(448, e.Snapshots[2].Vmstat["nr_free_pages"] - e.Snapshots[1].Vmstat["nr_free_pages"]);

        // the hugepages step needs more than is free, reclaim runs the deferred split shrinker: the kernel split
        // between 63 and 166 of the 199 folios over its six runs (thp_split_page 107/166/166 x86_64, 92/63/74 arm64)
        long split = e.Snapshots[3].Vmstat["thp_split_page"];
        if (arch == "arm64")
        {
            // known gap (docs/fidelity.md, "Round 3: small zones" and "Round 11"): the kernel's 63-92 are what
            // kswapd's first deferred_split_scan call had split when the snapshot was read (the call was still
            // running); the engine's splits take no time (ReclaimCostModel.ThpSplitPerPageNs 0), so all 199 split
            // at once. Fails when it comes back in range.
            Assert.NotInRange(split, 63, 92);
            return;
        }
        Assert.InRange(split, 63, 166);
    }
}
