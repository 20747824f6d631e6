using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// --swap-cache (docs/fidelity.md, Round 14, fidlo): a kswapd batch its time slice cuts leaves the swap writes it
/// submitted to complete while the folios are isolated, so folio_rotate_reclaimable does not rotate them and they stay
/// in the swap cache at the head of the inactive list; the owner's munmap frees them (free_swap_and_cache). The
/// recorded anon-swap runs show both: ~1700-2000 written pages still in the swap cache after the second 256 MiB
/// mapping, and a handful after `free a`; and the pages of `a` that survived reclaim come back as small free blocks
/// between the pages `b` took.
/// </summary>
public class SwapCacheTests
{
    [Fact]
    public void WrittenPagesStayInTheSwapCacheUntilTheirOwnerUnmapsThem()
    {
        (List<OracleRecording> runs, OracleWorkload w) = OracleWorkloadTests.Recorded("anon-swap", "x86_64");
        // the three runs' vmstat, read by eye: nr_swapcached 1834, 1941, 1716 after step 2 (anon b), 14, 12, 19 after
        // step 4 (free a); pswpout − pgsteal_anon after step 2: 28074 − 26261, 28355 − 26430, 27963 − 26262
        long fewestCached = long.MaxValue;
        foreach (OracleRecording r in runs)
        {
            long cached = r.Snapshots[2].Vmstat["nr_swapcached"];
            Assert.InRange(cached, 1700, 2000);
            Assert.InRange(r.Snapshots[2].Vmstat["pswpout"] - r.Snapshots[2].Vmstat["pgsteal_anon"], 1700, 2000);
            Assert.InRange(r.Snapshots[4].Vmstat["nr_swapcached"], 0, 20);
            fewestCached = Math.Min(fewestCached, cached);
        }
        // run 2 swapped nothing more in the 1 s sleep of step 3 and rotated nothing either (pgrotated 26529 at both
        // snapshots): the ~1940 pages in its swap cache were not waiting on a write, their writes had completed
        // without a rotation (the folios were off the LRU, isolated by the reclaimer that wrote them)
        Assert.Equal(runs[1].Snapshots[2].Vmstat["pgrotated"], runs[1].Snapshots[3].Vmstat["pgrotated"]);
        Assert.Equal(runs[1].Snapshots[2].Vmstat["pswpout"], runs[1].Snapshots[3].Vmstat["pswpout"]);

        using OracleEngineRunner e = OracleEngineRunner.Run(w, runs[0], new OracleMechanisms { SwapCache = true });
        // without it every written folio is rotated and freed by the next batch: 8 pages written and not freed
        long engineCached = e.Snapshots[2].Vmstat["pswpout"] - e.Snapshots[2].Vmstat["pgsteal_anon"];
        Assert.True(engineCached >= fewestCached, $"{engineCached} written pages not freed after step 2, the kernels at least {fewestCached}");
        Assert.Equal(engineCached, e.Snapshots[2].Vmstat["nr_swapcached"]);
        // `free a` frees a's swap cache with a's mapping; what is left belongs to the boot residue, which never unmaps
        // (the kernels' 12-19 pages are its shmem; the engine models the residue's page cache as swap-backed anon)
        Assert.True(e.Snapshots[4].Vmstat["nr_swapcached"] * 10 < e.Snapshots[3].Vmstat["nr_swapcached"]);
    }

    [Fact]
    public void FreeingTheSurvivorsOfReclaimLeavesSmallBlocks()
    {
        (List<OracleRecording> runs, OracleWorkload w) = OracleWorkloadTests.Recorded("anon-swap", "x86_64");
        // buddyinfo's DMA32 after step 4 (free a), orders 0-3: 102 105 99 80, 127 138 107 76, 95 99 86 66 — a's
        // swap-cache pages, freed between the pages b took, are runs of up to a batch (SWAP_CLUSTER_MAX = 32 pages)
        // at any alignment, so each run splits into about one block of each order below 32 pages
        long[] fewest = [long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue];
        foreach (OracleRecording r in runs)
        {
            for (int o = 0; o < 4; o++)
            {
                fewest[o] = Math.Min(fewest[o], r.Snapshots[4].Buddy["node0 DMA32"][o]);
            }
        }
        Assert.Equal([95L, 99, 86, 66], fewest);

        using OracleEngineRunner e = OracleEngineRunner.Run(w, runs[0], new OracleMechanisms { SwapCache = true });
        // without --swap-cache: 6 6 4 1 (a's survivors are whole pageblocks)
        for (int o = 0; o < 4; o++)
        {
            Assert.True(e.Snapshots[4].Buddy["node0 DMA32"][o] >= fewest[o], $"order {o}: {e.Snapshots[4].Buddy["node0 DMA32"][o]}, the kernels at least {fewest[o]}");
        }
    }
}
