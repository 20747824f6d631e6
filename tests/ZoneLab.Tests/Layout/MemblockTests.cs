using ZoneLab.Layout;
using ZoneLab.Layout.Memblock;
using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Tests.Layout;

/// <summary>The memblock model against hand-derived cases from mm/memblock.c's rules.</summary>
public class MemblockTests
{
    private const ulong M = 1UL << 20;

    private static MemblockAllocator TwoGiB()
    {
        var mb = new MemblockAllocator(16);
        mb.Add(0x40000000, 2048 * M);
        return mb;
    }

    [Fact]
    public void AdjacentReservationsMergeAndOverlapsAreNotDoubled()
    {
        MemblockAllocator mb = TwoGiB();
        mb.Reserve(0x50000000, 16 * M);
        mb.Reserve(0x51000000, 16 * M);       // adjacent: merged
        mb.Reserve(0x50800000, 16 * M);       // overlapping: only the new tail is added, then merged
        Assert.Equal(new[] { new MemblockRange(0x50000000, 32 * M, MemblockFlags.None, 16) }, mb.Reserved.Regions);
    }

    [Fact]
    public void TopDownTakesTheHighestFreeRangeAndRoundsDown()
    {
        MemblockAllocator mb = TwoGiB();
        mb.Reserve(0xbff00000, 1 * M); // the top MiB
        // round_down(0xbff00000 - 0x3000, 0x2000) = 0xbfefc000
        Assert.Equal(0xbfefc000UL, mb.PhysAllocRange(0x3000, 0x2000, 0, MemblockAllocator.AllocAnywhere));
        // a 2 MiB-aligned 64 MiB block below it: round_down(0xbfefc000 - 64 MiB, 2 MiB) = 0xbbe00000
        Assert.Equal(0xbbe00000UL, mb.PhysAllocRange(64 * M, 2 * M, 0, MemblockAllocator.AllocAnywhere));
    }

    [Fact]
    public void BottomUpTakesTheLowestFreeRangeAndRoundsUp()
    {
        MemblockAllocator mb = TwoGiB();
        mb.BottomUp = true;
        mb.Reserve(0x40000000, 0x100000 + 0x1234);
        Assert.Equal(0x40200000UL, mb.PhysAllocRange(4 * M, 2 * M, 0, MemblockAllocator.AllocAnywhere));
    }

    [Fact]
    public void NomapMemoryIsSkippedButStaysInMemory()
    {
        MemblockAllocator mb = TwoGiB();
        mb.MarkNomap(0xb0000000, 256 * M); // the top 256 MiB: the region is split in two
        Assert.Equal(2, mb.Memory.Regions.Count);
        Assert.True(mb.Memory.Regions[1].IsNoMap);
        Assert.Equal(2048 * M, mb.PhysMemSize);
        // [0xb0000000, 0xc0000000) is nomap: the top 256 MiB cannot be used, so a 512 MiB block lands below it
        Assert.Equal(0x90000000UL, mb.PhysAllocRange(512 * M, 2 * M, 0, MemblockAllocator.AllocAnywhere));
        mb.ClearNomap(0xb0000000, 256 * M);
        Assert.Single(mb.Memory.Regions); // merged back
    }

    [Fact]
    public void NodeSpecificAllocationFallsBackUnlessExact()
    {
        var mb = new MemblockAllocator(16);
        mb.AddNode(0x40000000, 1024 * M, 0);
        mb.AddNode(0x80000000, 64 * M, 1);
        mb.Reserve(0x80000000, 64 * M);      // node 1 full
        Assert.Equal(0UL, mb.AllocRangeNid(4 * M, 4 * M, 0, MemblockAllocator.AllocAnywhere, 1, true));
        Assert.Equal(0x7fc00000UL, mb.AllocRangeNid(4 * M, 4 * M, 0, MemblockAllocator.AllocAnywhere, 1, false));
    }

    [Fact]
    public void MemLimitKeepsTheFirstBytesOfMemory()
    {
        var mb = new MemblockAllocator(16);
        mb.Add(0x40000000, 512 * M);
        mb.Add(0x80000000, 1024 * M);
        mb.MemLimitRemoveMap(768 * M); // 512 MiB of the first range, 256 MiB of the second
        Assert.Equal(new[] { (0x40000000UL, 512 * M), (0x80000000UL, 256 * M) }, mb.Memory.Regions.Select(r => (r.Base, r.Size)));
    }

    [Fact]
    public void TheFirstPageIsNeverAllocated()
    {
        var mb = new MemblockAllocator(16);
        mb.Add(0, 8 * M);
        mb.BottomUp = true;
        Assert.Equal(Page.Size, mb.PhysAllocRange(Page.Size, Page.Size, 0, MemblockAllocator.AllocAnywhere));
    }

    [Fact]
    public void KernelHeapsortIsNotStableAndMatchesLibSort()
    {
        // lib/sort.c on five equal keys tagged by position: the bottom-up heapsort permutes them.
        // Three equal keys a, b, c by hand: heapify changes nothing; extracting swaps 0↔2 → c b a, then 0↔1 → b c a.
        var three = new List<(int Key, char Tag)> { (0, 'a'), (0, 'b'), (0, 'c') };
        KernelSort.Sort(three, (x, y) => x.Key.CompareTo(y.Key));
        Assert.Equal("bca", new string(three.Select(i => i.Tag).ToArray()));
        var items = new List<(int Key, char Tag)> { (0, 'a'), (0, 'b'), (0, 'c'), (0, 'd'), (5, 'e') };
        KernelSort.Sort(items, (x, y) => x.Key.CompareTo(y.Key));
        Assert.Equal(new[] { 0, 0, 0, 0, 5 }, items.Select(i => i.Key));
        var sorted = Enumerable.Range(0, 100).Select(i => (i * 37) % 101).ToList();
        KernelSort.Sort(sorted, (x, y) => x.CompareTo(y));
        Assert.Equal(sorted.OrderBy(x => x), sorted);
    }
}
