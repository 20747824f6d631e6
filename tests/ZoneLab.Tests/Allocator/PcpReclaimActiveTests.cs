using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

/// <summary>nr_pcp_high's ZONE_RECLAIM_ACTIVE limit (v5.14, c49c2c47dab6): while kswapd reclaims, the lists keep at most 4 batches.</summary>
public class PcpReclaimActiveTests
{
    private static int MaxCountWhileFreeing(bool reclaimActive)
    {
        // the 64 MiB test machine: DMA32 batch 3, high 238 (PerCpuListTests.BatchAndHighFollowTheKernelFormulas)
        var m = new Machine(new MachineSpec(TestMachines.Small(KernelVersion.V6_1)) { PerCpuLists = true });
        var pages = new List<ulong>();
        for (int k = 0; k < 600; k++)
        {
            pages.Add(m.Allocate(0, Gfp.Kernel).Pfn);
        }

        m.DrainAllPages();
        m.Zones[1].ReclaimActive = reclaimActive;
        int max = 0;
        foreach (ulong p in pages)
        {
            m.Free(p, 0);
            max = Math.Max(max, m.PcpCount(1, 0));
        }

        InvariantChecker.Check(m);
        return max;
    }

    [Fact]
    public void ReclaimActiveKeepsTheListsUnderFourBatches()
    {
        // high = min(batch << 2, 238) = 12: the free that brings count to 12 returns nr_pcp_free(12, 3) =
        // clamp(3 << free_factor, 3, 9) pages, so the count never gets past 11 once the free is over.
        Assert.Equal(11, MaxCountWhileFreeing(reclaimActive: true));
        // without reclaim the list fills up to high - 1 = 237 before the first bulk free
        Assert.Equal(237, MaxCountWhileFreeing(reclaimActive: false));
    }
}
