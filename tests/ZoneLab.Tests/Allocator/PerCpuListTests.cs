using CsCheck;
using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

public class PerCpuListTests
{
    private static MachineSpec Spec(KernelVersion v = KernelVersion.V6_1) => new(TestMachines.Small(v)) { PerCpuLists = true };

    [Fact]
    public void BatchAndHighFollowTheKernelFormulas()
    {
        // DMA32 managed 12288: zone_batchsize = rounddown_pow2(min(12288 >> 10, 256) / 4 = 3, + 1) - 1 = 3;
        // zone_highsize = low watermark 238 / 1 CPU = 238 (>= 4 * batch; the 64 MiB machine is below hugepage_init's 512 MiB,
        // so khugepaged never raises min_free_kbytes: BuddyAllocatorTests.SmallMachineWatermarksByHand). DMA: 4095 >> 10 = 3 -> 0 -> 1 -> batch 1.
        var m = new Machine(Spec());
        Assert.Equal(3, Machine.ZoneBatchsize(m.Zones[1]));
        Assert.Equal(238, m.ZoneHighsize(m.Zones[1], 3));
        Assert.Equal(1, Machine.ZoneBatchsize(m.Zones[0]));
    }

    [Fact]
    public void FirstAllocationRefillsABatchAndFreesStayOnTheList()
    {
        // Empty pcp list: rmqueue_bulk takes batch = 3 pages with __rmqueue: the claimed order-10 block at 4096
        // gives 4096, then 4097 (order-0 list), then 4098 (split of the order-1 block 4098, 4099 stays free).
        // They go to the list tail in that order; the allocation takes the head, 4096. NR_FREE_PAGES drops by 3.
        var m = new Machine(Spec());
        long free0 = m.Zones[1].NrFreePages;
        AllocResult a = m.Allocate(0, Gfp.Kernel);
        Assert.Equal(4096UL, a.Pfn);
        Assert.Equal(free0 - 3, m.Zones[1].NrFreePages);
        Assert.Equal(2, m.PcpCount(1, 0));
        Assert.Equal(4097UL, m.Allocate(0, Gfp.Kernel).Pfn);
        // a free goes to the list head (3 pages < high 238): no buddy merge, NR_FREE_PAGES unchanged
        m.Free(a.Pfn, 0);
        Assert.Equal(free0 - 3, m.Zones[1].NrFreePages);
        Assert.Equal(2, m.PcpCount(1, 0));
        Assert.Equal(4096UL, m.Allocate(0, Gfp.Kernel).Pfn);
        m.DrainAllPages();
        Assert.Equal(0, m.PcpCount(1, 0));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void ReachingHighFreesABatchOldestFirst()
    {
        // Free enough order-0 pages that the list reaches high (238): free_pcppages_bulk returns batch = 3 pages
        // (nr_pcp_free: batch << free_factor 0 = 3, clamped to [3, 235]) from the list tail.
        var m = new Machine(new MachineSpec(Spec()) { DebugChecks = false });
        var pages = new List<ulong>();
        for (int k = 0; k < 760; k++)
        {
            pages.Add(m.Allocate(0, Gfp.Kernel).Pfn);
        }

        int before = m.PcpCount(1, 0);
        int freed = 0;
        while (m.PcpCount(1, 0) < 237)
        {
            m.Free(pages[freed++], 0);
        }

        Assert.Equal(237, m.PcpCount(1, 0));
        m.Free(pages[freed++], 0); // count 238 >= high: drain 3 -> 235, free_factor becomes 1
        Assert.Equal(235, m.PcpCount(1, 0));
        Assert.True(before < 237);
        InvariantChecker.Check(m);
    }

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    public void RandomOperationsKeepInvariantsAndDrainRestoresBootBuddyinfo(KernelVersion v)
    {
        GfpFlags[] masks = [Gfp.Kernel, Gfp.HighUserMovable, Gfp.Kernel | GfpFlags.Reclaimable, Gfp.Atomic];
        Gen.Select(Gen.Int[0, 99], Gen.Int[0, 9], Gen.Int[0, masks.Length - 1]).Array[1, 400].Sample(ops =>
        {
            var m = new Machine(Spec(v));
            long[] boot = TestMachines.Buddyinfo(m);
            var live = new List<(ulong, int)>();
            foreach ((int kind, int o, int mask) in ops)
            {
                int order = o == 9 ? 9 : o % 4;
                GfpFlags gfp = masks[mask] == Gfp.Atomic && order > 0 ? Gfp.Kernel : masks[mask];
                if (kind < 60 || live.Count == 0)
                {
                    AllocResult r = m.Allocate(order, gfp);
                    if (r.Success)
                    {
                        live.Add((r.Pfn, order));
                    }
                }
                else
                {
                    int k = kind % live.Count;
                    m.Free(live[k].Item1, live[k].Item2);
                    live.RemoveAt(k);
                }
            }

            foreach ((ulong pfn, int order) in live)
            {
                m.Free(pfn, order);
            }

            m.DrainAllPages();
            Assert.Equal(boot, TestMachines.Buddyinfo(m));
        }, iter: 30, seed: "0N0XIzNsQ0O2");
    }
}
