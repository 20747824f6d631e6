using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// Regression for the kvm-host-atomic OOM under 4.10 with MIGRATE_CMA: movable requests never OOM while CMA pages
/// are free; the OOM comes from an unmovable GFP_KERNEL request (pte_alloc_one) once movable memory has drained
/// the non-CMA pages, which the kernel does too.
/// </summary>
public class CmaOomTests
{
    // One zone DMA32 [4096, 12288): 8192 pages, the upper half [8192, 12288) a CMA area, no swap.
    // Hand-derived marks (4.10 and 6.1 alike): init_per_zone_wmark_min gives int_sqrt(8192 * 4 * 16) = 724 kB
    // -> min 181 pages, low = 181 + max(181 / 4, 8) = 226, high 271. 32 MiB is below hugepage_init's 512 MiB, so THP
    // is off and khugepaged's set_recommended_min_free_kbytes (which would give min 396) never runs.
    private static Machine Boot(KernelVersion v) => new(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 12288)])
    {
        Version = v,
        Cma = [new PfnRange(8192, 12288)],
    });

    [Fact]
    public void MovableRequestsUseCmaInsteadOfOomIn410()
    {
        // 4.10: __alloc_pages_nodemask sets ALLOC_CMA for MIGRATE_MOVABLE, so __zone_watermark_ok counts free CMA
        // pages (8192 free > low 226 throughout: no kswapd wakeup); __rmqueue takes the 4096 MOVABLE pages first,
        // then __rmqueue_cma_fallback serves the next 1000 from CMA: 3096 CMA pages stay free, no OOM.
        using Machine m = Boot(KernelVersion.V4_10);
        _ = new ReclaimModel(m);
        Zone z = m.Zones[(int)ZoneType.Dma32];
        Assert.Equal(181UL, z.Watermarks.Min);
        Assert.Equal(226UL, z.Watermarks.Low);
        for (int k = 0; k < 4096 + 1000; k++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, use: PageUse.Anon).Success);
        }

        Assert.Equal(3096, z.NrFreeCmaPages);
        Assert.Equal(3096, z.NrFreePages);
        Assert.Equal(0, m.Event(VmEvent.KswapdWakeups));
        Assert.Equal(0, m.Event(VmEvent.OomKill));

        // An unmovable GFP_KERNEL page (a page table) has no ALLOC_CMA: 3096 free - 3096 free CMA = 0 <= min 181;
        // kswapd and direct reclaim find nothing (anon only, no swap): should_reclaim_retry gives up and
        // __alloc_pages_may_oom kills while 3096 CMA pages are free. The kernel does the same.
        // should_reclaim_retry after the first round without progress: available = 0 reclaimable + 3096 free,
        // less 3096 free CMA = 0 <= min, so there is no second round: one allocstall (counted at the request's
        // highest zone index, ZONE_NORMAL), not MAX_RECLAIM_RETRIES of them.
        Assert.True(m.Allocate(0, Gfp.Kernel).Success);
        Assert.Equal(1, m.Event(VmEvent.OomKill));
        Assert.Equal(1, m.Event(VmEvent.AllocstallNormal));
        InvariantChecker.Check(m);
    }

    [Fact]
    public void CmaFirstIn61LeavesNonCmaMemoryForKernelRequests()
    {
        // 6.1 (16867664936e, v5.7): __rmqueue takes CMA first while NR_FREE_CMA_PAGES > NR_FREE_PAGES / 2.
        // Start 4096 > 8192 / 2 is false -> MOVABLE; then 4096 > 8191 / 2 -> CMA; 4095 > 8190 / 2 false -> MOVABLE:
        // the requests alternate, so 5096 of them take 2548 from each half and 1548 non-CMA pages stay free,
        // far above min 181: the GFP_KERNEL page needs no reclaim and nothing is killed.
        using Machine m = Boot(KernelVersion.V6_1);
        _ = new ReclaimModel(m);
        Zone z = m.Zones[(int)ZoneType.Dma32];
        for (int k = 0; k < 5096; k++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, use: PageUse.Anon).Success);
        }

        Assert.Equal(4096 - 2548, z.NrFreeCmaPages);
        Assert.Equal(8192 - 5096, z.NrFreePages);
        Assert.True(m.Allocate(0, Gfp.Kernel).Success);
        Assert.Equal(0, m.Event(VmEvent.OomKill));
        Assert.Equal(0, m.Event(VmEvent.AllocstallDma32));
        InvariantChecker.Check(m);
    }
}
