using ZoneLab.Contiguous;

namespace ZoneLab.Tests.Contiguous;

/// <summary>cma_alloc()'s bitmap walk (mm/cma.c, 6.1) against a scripted alloc_contig_range().</summary>
public class CmaAllocatorTests
{
    // Records the ranges tried; ranges starting in Busy fail with -EBUSY, others succeed.
    private sealed class ScriptedPages : IContigRangeAllocator
    {
        public HashSet<ulong> Busy { get; } = new();

        public List<(ulong Start, ulong End)> Tried { get; } = new();

        public List<(ulong Pfn, ulong Count)> Freed { get; } = new();

        public ContigResult AllocContigRange(ulong startPfn, ulong endPfn, bool cmaMode)
        {
            Tried.Add((startPfn, endPfn));
            var w = new ContigWork { Attempts = 1 };
            return Busy.Contains(startPfn) ? new ContigResult(ContigResult.EBusy, ContigFailure.MigrationPinned, w) : ContigResult.Ok(w);
        }

        public void FreeContigRange(ulong pfn, ulong count) => Freed.Add((pfn, count));
    }

    [Fact]
    public void BusyWindowsSlideByTheAlignmentStepLikeTheVc4Trace()
    {
        // anholt/linux#76 (4.10): a 266-page (0x10a) request with align 8 (1 MiB) logged busy windows
        // [2ef00,2f00a), [2f000,2f10a), [2f100,2f20a): each retry starts at bitmap_no + mask + 1 and is re-aligned.
        var pages = new ScriptedPages();
        pages.Busy.UnionWith(new ulong[] { 0x2ef00, 0x2f000, 0x2f100 });
        var cma = new CmaAllocator("reserved", 0x2ef00, 0x4000, 0, pages);
        CmaAllocResult r = cma.Allocate(0x10a, align: 8);
        Assert.True(r.Success);
        Assert.Equal(0x2f200UL, r.Pfn);
        Assert.Equal(new[] { (0x2ef00UL, 0x2f00aUL), (0x2f000UL, 0x2f10aUL), (0x2f100UL, 0x2f20aUL), (0x2f200UL, 0x2f30aUL) }, pages.Tried);
        Assert.Equal(4, r.Work.Attempts);
        Assert.Equal(0x10aUL, cma.Used);
    }

    [Fact]
    public void UnalignedBaseIsCorrectedByTheOffset()
    {
        // base 0x1080, align 8 (256 pages): first aligned pfn is 0x1100 = bit 0x80.
        var pages = new ScriptedPages();
        var cma = new CmaAllocator("reserved", 0x1080, 0x1000, 0, pages);
        Assert.Equal(0x1100UL, cma.Allocate(16, align: 8).Pfn);
    }

    [Fact]
    public void WhenEveryWindowIsBusyTheErrorIsEbusyAndTheAreasAreShown()
    {
        // 8 pages of 1-bit granularity, 4-page requests without alignment: windows 0..4 tried one after another
        // (start = bitmap_no + 0 + 1), all busy → -16, and the debug line shows the whole area free.
        var pages = new ScriptedPages();
        pages.Busy.UnionWith(new ulong[] { 100, 101, 102, 103, 104 });
        var cma = new CmaAllocator("camera", 100, 8, 0, pages);
        CmaAllocResult r = cma.Allocate(4);
        Assert.False(r.Success);
        Assert.Equal(ContigResult.EBusy, r.Errno);
        Assert.Equal(5, pages.Tried.Count);
        Assert.Equal(new[] { "cma_alloc: camera: alloc failed, req-size: 4 pages, ret: -16", "number of available pages: 8@0=> 8 free of 8 total pages" }, cma.Log);
        Assert.Equal(0UL, cma.Used);
    }

    [Fact]
    public void NoWindowGivesEnomemAndOrderPerBitRoundsUp()
    {
        // order_per_bit 1: a 3-page request takes 2 bits (4 pages); the 8-page area fits two, the third has no window.
        var pages = new ScriptedPages();
        var cma = new CmaAllocator("hugetlb", 0, 8, 1, pages);
        Assert.True(cma.Allocate(3).Success);
        Assert.True(cma.Allocate(3).Success);
        CmaAllocResult r = cma.Allocate(3);
        Assert.Equal(ContigResult.ENoMem, r.Errno);
        Assert.Equal(ContigFailure.NoWindow, r.Failure);
        Assert.Equal(8UL, cma.Used);
        Assert.True(cma.Release(0, 3));
        Assert.Equal(4UL, cma.MaxChunk);
        Assert.Equal(new[] { (0UL, 3UL) }, pages.Freed);
        Assert.False(cma.Release(100, 1));
    }

    [Fact]
    public void CostModelUsesThe2012Measurement()
    {
        // 10 MB = 2560 pages: 146 ms migrated, 7 ms discarded (commit 02c6de8d757c).
        var cost = new ContigCostModel();
        Assert.Equal(146_000, cost.Microseconds(new ContigWork { Migrated = 2560 }), 6);
        Assert.Equal(7_000, cost.Microseconds(new ContigWork { Discarded = 2560 }), 6);
    }

    [Fact]
    public void CostModelReproducesThe2019SocCmaAllocTimes()
    {
        // linux-mm, "mm/cma.c: High latency for cma allocation" (March 2019, 4.14 Android ARM SoC, 2 GiB, 1 GiB CMA):
        // 4, 16 and 256 KiB cma_alloc() calls took 311, 560 and 280 µs; one attempt that isolates one pageblock is
        // 311 + 133 = 444 µs, inside that range. 390100 KiB = 97525 pages = 190.5 pageblocks took 12736-29997 µs
        // over seven calls, median 25735: one attempt + 190.5 pageblocks.
        var cost = new ContigCostModel();
        double small = cost.Microseconds(new ContigWork { Attempts = 1, PageblocksIsolated = 1 });
        Assert.InRange(small, 280, 560);
        double large = cost.Microseconds(new ContigWork { Attempts = 1, PageblocksIsolated = 190 });
        Assert.InRange(large, 12_736, 29_997);
        Assert.Equal(25_735, large + (0.5 * cost.IsolateUsPerPageblock), 0);
    }
}
