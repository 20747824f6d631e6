using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Contiguous;

/// <summary>
/// alloc_contig_range() whose migration target allocation enters direct reclaim, and the reclaim frees the very page
/// being migrated. In the kernel that cannot happen (isolate_migratepages_range takes the source off its LRU list
/// before migrate_pages allocates the target); the engine keeps the source on its list, and freeing it a second time
/// after the copy threw "pfn N is not an allocated block of order 0" (a crash of `run --from` on a real arm64 snapshot).
/// </summary>
public class ReclaimDuringMigrationTests
{
    private const ulong CmaBase = 8192, CmaPages = 4096;

    [Fact]
    public void ASourceTheTargetAllocationsReclaimFreedIsNotFreedAgain()
    {
        MachineSpec simple = MachineSpec.Simple(64);
        var m = new Machine(new MachineSpec(simple.Zones) { Cma = new[] { new PfnRange(CmaBase, CmaBase + CmaPages) } });
        var cma = new CmaAllocator("reserved", CmaBase, CmaPages, 0, new ContigRangeAllocator(m));
        // fill with anonymous pages until the min watermark stops the fill: movable requests fall back to CMA once
        // MOVABLE is empty, so the window's first page is allocated, and no free page outside is left for a target
        (List<ulong> area, List<ulong> outside) = ReclaimOfTheSource.FillWithAnon(m, CmaBase, CmaBase + CmaPages);
        bool windowStartAllocated = area.Count > 0 && area[0] == CmaBase;
        int inWindow = area.Count(p => p < CmaBase + 16);
        Assert.True(windowStartAllocated, "the fill did not reach the CMA area's first page");
        // direct reclaim frees the window's first page (the first page alloc_contig_range migrates) and 256 pages outside
        // it: the target allocation then succeeds from outside while its source is already free
        var reclaim = new ReclaimOfTheSource(_ => CmaBase, outside, 256);
        m.Pressure = reclaim;
        m.DebugChecks = true;
        long free = m.TotalFreePages();

        CmaAllocResult a = cma.Allocate(16);

        Assert.Equal(1, reclaim.Calls);
        Assert.True(a.Success, a.ToString());
        // the window's other allocated pages moved out; its first was reclaimed, so it neither moved nor was freed
        // again, and its target went back: free = before + 257 reclaimed - the 16 pages cma_alloc now holds
        Assert.Equal((long)(inWindow - 1), a.Work.Migrated);
        Assert.Equal(free + reclaim.Freed - 16, m.TotalFreePages());
    }
}
