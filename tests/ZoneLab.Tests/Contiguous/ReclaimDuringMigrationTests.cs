using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Contiguous;

/// <summary>
/// alloc_contig_range() whose migration target allocation enters direct reclaim while the page being migrated is the
/// reclaim's candidate. The engine once kept the source on its LRU list meanwhile, the reclaim freed it, and freeing it
/// again after the copy threw "pfn N is not an allocated block of order 0" (a crash of `run --from` on a real arm64
/// snapshot). Now impossible by construction, as in 6.1: __alloc_contig_migrate_range() isolates the batch
/// (isolate_migratepages_range, up to COMPACT_CLUSTER_MAX = 32 pages, NR_ISOLATED_ANON counted) before migrate_pages()
/// allocates the first target, and reclaim only takes pages from the LRU lists.
/// </summary>
public class ReclaimDuringMigrationTests
{
    private const ulong CmaBase = 8192, CmaPages = 4096;

    [Fact]
    public void TheSourceIsIsolatedFromItsLruWhileItsTargetAllocationReclaims()
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
        // direct reclaim would free the window's first page (the first page alloc_contig_range migrates) if it were on its
        // LRU list, and frees 256 pages outside it: the target allocation then succeeds from outside
        var reclaim = new ReclaimOfTheSource(_ => CmaBase, outside, 256);
        m.Pressure = reclaim;
        m.DebugChecks = true;
        long free = m.TotalFreePages();

        CmaAllocResult a = cma.Allocate(16);

        Assert.Equal(1, reclaim.Calls);
        Assert.True(a.Success, a.ToString());
        // when the first target allocation reclaimed, the source was allocated and off its list, with the whole window
        // (fewer than 32 pages, one batch) counted in NR_ISOLATED_ANON; so reclaim freed only the 256 outside
        Assert.True(reclaim.SourceAllocated);
        Assert.False(reclaim.SourceOnLru);
        Assert.Equal((long)inWindow, reclaim.IsolatedAnon);
        Assert.Equal(256, reclaim.Freed);
        Assert.Equal(0, m.IsolatedPages(0, file: false));
        // every allocated page of the window moved out: free = before + 256 reclaimed - the moved pages' targets + their
        // old copies - the 16 pages cma_alloc now holds
        Assert.Equal((long)inWindow, a.Work.Migrated);
        Assert.Equal(free + 256 - 16, m.TotalFreePages());
    }
}
