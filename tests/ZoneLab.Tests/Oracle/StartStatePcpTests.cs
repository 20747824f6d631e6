using ZoneLab.Allocator;
using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The guest's per-cpu list pages at step 0 when the engine starts from the guest's page state
/// (OracleEngineRunner.StartState.cs, ReleaseStartPcpPages): free memory to an engine without per-cpu lists, given to
/// the buddy allocator after the step-0 snapshot.
/// </summary>
public class StartStatePcpTests
{
    // Expected values derived from the recordings' files, not from the engine: in
    // oracle/page-state/compaction-on-demand/x86_64/run1, step0.kpageflags.txt has 3534 pfns with no flag in
    // UNMOVABLE pageblocks, 359 in MOVABLE ones and 20 in RECLAIMABLE ones (pageblock types from step0.pageblocks.txt,
    // bits 0-2), all 359 above pfn 0x1000 (ZONE_DMA32); step0.zoneinfo.txt's DMA32 pageset has count 490 (DMA: 0), so
    // all 359 are taken. arm64/run1: 615 in MOVABLE pageblocks of ZONE_DMA against a pageset count of 738, and 96 with
    // no flag in the CMA pageblocks: the three 128 KiB DMA atomic pools cma_alloc took (3 x 32 pages, "DMA:
    // preallocated 128 KiB ... pool for atomic allocations" in dmesg.txt), which are not per-cpu pages.
    [Theory]
    [InlineData("x86_64", 359L)]
    [InlineData("arm64", 615L)]
    public void TheGuestsPerCpuPagesAreFreeAfterTheFirstSnapshot(string arch, long pcpPages)
    {
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state", "compaction-on-demand", arch, "run1");
        OracleRecording rec = OracleRecording.Read(dir);
        OracleWorkload w = OracleWorkloadLoader.Load(File.ReadAllText(Path.Combine(dir, "workload.yaml")), Path.Combine(dir, "workload.yaml"), "w");
        using OracleEngineRunner e = OracleEngineRunner.Run(w with { Steps = [] }, rec, start: GuestStartState.Read(rec));
        long guestFree = 0;
        foreach (long[] orders in rec.Snapshots[0].Buddy.Values)
        {
            for (int o = 0; o < orders.Length; o++)
            {
                guestFree += orders[o] << o;
            }
        }

        long engineFree = 0;
        foreach (Zone z in e.Machine.Zones)
        {
            engineFree += z.NrFreePages;
        }

        Assert.Equal(pcpPages, e.StartState!.PcpPages);

        // the step-0 snapshot is still the guest's buddyinfo; the pages are free from then on
        Assert.Equal(guestFree, e.Snapshots[0].Buddy.Values.Sum(orders => orders.Select((n, o) => n << o).Sum()));
        Assert.Equal(guestFree + pcpPages, engineFree);
    }
}
