using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// One test per invariant of <see cref="InvariantChecker"/>: a machine that passes the checker is corrupted in exactly
/// the way the invariant forbids, and the checker must name that invariant (and no earlier one). The machines:
/// Tiny = DMA32 [4096, 8192), four free order-10 blocks at pfns 4096, 5120, 6144, 7168 (map base 4096, index = pfn -
/// 4096); Small = DMA [1, 4096) + DMA32 [4096, 16384), pfn 0 a hole (map base 0).
/// </summary>
public class InvariantCheckerTests
{
    private static readonly byte s_movableInfo = (byte)MigrateType.Movable;

    // The per-pfn arrays are the machine's own unmanaged memory: a test writes through the read-only view.
    private static ref T At<T>(ReadOnlySpan<T> span, int i) => ref Unsafe.Add(ref MemoryMarshal.GetReference(span), i);

    private static Machine Tiny(KernelVersion v = KernelVersion.V6_1)
    {
        var m = new Machine(TestMachines.Tiny(v));
        m.DebugChecks = false; // the corruption is checked once, by the test
        InvariantChecker.Check(m); // the machine is sound before the test breaks it
        return m;
    }

    private static Machine Small(PfnRange? cma = null)
    {
        var m = new Machine(TestMachines.Small(cma: cma));
        m.DebugChecks = false;
        InvariantChecker.Check(m);
        return m;
    }

    private static Zone Dma32(Machine m) => m.Zones[m.ZoneIndexOf(4096)];

    private static void Fires(string invariant, Machine m, string? messagePart = null)
    {
        var e = Assert.Throws<InvariantViolationException>(() => InvariantChecker.Check(m));
        Assert.Equal(invariant, e.Invariant);
        if (messagePart != null)
        {
            Assert.Contains(messagePart, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void HoleHasNoZone()
    {
        Machine m = Small();
        At(m.ZoneOfArray, 0) = (byte)m.ZoneIndexOf(1); // pfn 0 is a hole below DMA
        Fires(nameof(HoleHasNoZone), m, "at pfn 0: hole with a zone");
    }

    [Fact]
    public void ReservedPageHasAZone()
    {
        Machine m = Small();
        At(m.FlagsArray, 0) = PageState.Flags(Machine.KindReserved, 0); // the hole at pfn 0 marked reserved, no zone
        Fires(nameof(ReservedPageHasAZone), m, "at pfn 0:");
    }

    [Fact]
    public void EveryPageIsInABlock()
    {
        Machine m = Tiny();
        At(m.FlagsArray, 0) = Machine.KindTail; // the head of the first order-10 block lost
        Fires(nameof(EveryPageIsInABlock), m, "at pfn 4096:");
    }

    [Fact]
    public void OrderIsInRange()
    {
        Machine m = Tiny();
        At(m.FlagsArray, 0) = PageState.Flags(Machine.KindFree, 11); // MAX_ORDER is 10
        Fires(nameof(OrderIsInRange), m, "order 11");
    }

    [Fact]
    public void BlockIsAligned()
    {
        // pfn 4096 becomes an order-0 free page, pfn 4097 an order-1 block: 4097 is odd, so not 2^1 aligned
        Machine m = Tiny();
        At(m.FlagsArray, 0) = PageState.Flags(Machine.KindFree, 0);
        At(m.FlagsArray, 1) = PageState.Flags(Machine.KindFree, 1);
        Fires(nameof(BlockIsAligned), m, "at pfn 4097: block of order 1 not aligned");
    }

    [Fact]
    public void BlockHeadHasAZone()
    {
        Machine m = Tiny();
        At(m.ZoneOfArray, 0) = Machine.NoZone;
        Fires(nameof(BlockHeadHasAZone), m, "at pfn 4096:");
    }

    [Fact]
    public void BlockPagesAreTails()
    {
        Machine m = Tiny();
        At(m.FlagsArray, 5) = PageState.Flags(Machine.KindAlloc, 0); // inside the free block at 4096
        Fires(nameof(BlockPagesAreTails), m, "at pfn 4101:");
    }

    [Fact]
    public void BlockIsInOneZone()
    {
        Machine m = Tiny();
        At(m.ZoneOfArray, 5) = (byte)(Dma32(m).Index - 1); // a tail of the block at 4096 linked to ZONE_DMA
        Fires(nameof(BlockIsInOneZone), m, "at pfn 4101:");
    }

    [Fact]
    public void BlockIsInsideItsZone()
    {
        Machine m = Tiny();
        Dma32(m).StartPfn = 5120; // the block at 4096 is now below its zone's span (bad_range)
        Fires(nameof(BlockIsInsideItsZone), m, "at pfn 4096:");
    }

    [Fact]
    public void FreeCmaPagesAreOnCmaListsOutsideCma()
    {
        Machine m = Tiny();
        At(m.InfoArray, 0) = (byte)MigrateType.Cma; // a MOVABLE pageblock's free block recorded as on a CMA list
        Fires("FreeCmaPagesAreOnCmaLists", m, "free page on a CMA list outside a CMA pageblock");
    }

    [Fact]
    public void FreeCmaPagesAreOnCmaListsInsideCma()
    {
        Machine m = Small(new PfnRange(8192, 12288)); // 16 MiB of CMA pageblocks
        Assert.True(m.IsFreeHead(8192, out _));
        At(m.InfoArray, 8192) = s_movableInfo; // a CMA pageblock's free block recorded as on the MOVABLE list
        Fires("FreeCmaPagesAreOnCmaLists", m, "at pfn 8192: free page of a CMA pageblock on the Movable list");
    }

    [Fact]
    public void FreeListTypeMatchesPageblock()
    {
        // 6.12: allocating one page splits the first order-10 block; the order-0 buddy left free sits on the MOVABLE
        // list of a MOVABLE pageblock. Recorded as UNMOVABLE it breaks __add_to_free_list's rule.
        Machine m = Tiny(KernelVersion.V6_12);
        AllocResult r = m.Allocate(0, Gfp.HighUserMovable);
        ulong buddy = r.Pfn ^ 1;
        Assert.True(m.IsFreeHead(buddy, out int order) && order == 0);
        At(m.InfoArray, (int)(buddy - m.BasePfn)) = (byte)MigrateType.Unmovable;
        Fires(nameof(FreeListTypeMatchesPageblock), m, "6.10+ freelist hygiene");
    }

    [Fact]
    public void PcpPagesNeedPcpLists()
    {
        Machine m = Tiny(); // no per-cpu lists
        At(m.FlagsArray, 0) = PageState.Flags(Machine.KindPcp, 10);
        Fires(nameof(PcpPagesNeedPcpLists), m, "at pfn 4096:");
    }

    [Fact]
    public void NoUnmovableInMovableOnlyMemory()
    {
        Machine m = Small(new PfnRange(8192, 12288));
        At(m.FlagsArray, 8192) = PageState.Flags(Machine.KindAlloc, 10); // a CMA block turned into an UNMOVABLE allocation
        At(m.InfoArray, 8192) = (byte)MigrateType.Unmovable;
        Fires(nameof(NoUnmovableInMovableOnlyMemory), m, "Unmovable allocation in a CMA pageblock");
    }

    [Fact]
    public void StickyPageblocksStayMovable()
    {
        var spec = new MachineSpec(TestMachines.Tiny()) { StickyMovable = [new PfnRange(4096, 4608)] };
        var m = new Machine(spec) { DebugChecks = false };
        InvariantChecker.Check(m);
        m.SeedSetPageblock(0, MigrateType.Unmovable); // the sticky pageblock at 4096 stolen for unmovable
        Fires(nameof(StickyPageblocksStayMovable), m, "sticky pageblock at pfn 0x1000 became Unmovable");
    }

    [Fact]
    public void FreeListsAreConsistent()
    {
        Machine m = Tiny();
        int z = Dma32(m).Index;
        int first = m.ListHeadIndex(z, 10, MigrateType.Movable);
        int second = m.NextArray[first];
        Assert.NotEqual(Machine.Nil, second);
        m.PrevArray[second] = Machine.Nil; // the second entry no longer points back at the first
        Fires(nameof(FreeListsAreConsistent), m, "broken prev link");
    }

    [Fact]
    public void FreeHeadsAreOnLists()
    {
        Machine m = Tiny();
        AllocResult r = m.Allocate(0, Gfp.Kernel); // not on an LRU list
        int i = (int)(r.Pfn - m.BasePfn);
        At(m.FlagsArray, i) = PageState.Flags(Machine.KindFree, 0); // a PageBuddy page on no free list
        At(m.InfoArray, i) = s_movableInfo;
        Fires(nameof(FreeHeadsAreOnLists), m);
    }

    [Fact]
    public void NrFreePagesMatchesLists()
    {
        Machine m = Tiny();
        Dma32(m).NrFreePages++;
        Fires(nameof(NrFreePagesMatchesLists), m, "NR_FREE_PAGES 4097, lists 4096");
    }

    [Fact]
    public void NrFreeCmaPagesMatchesLists()
    {
        Machine m = Tiny();
        Dma32(m).NrFreeCmaPages++;
        Fires(nameof(NrFreeCmaPagesMatchesLists), m, "NR_FREE_CMA_PAGES 1, lists 0");
    }

    [Fact]
    public void ManagedPagesAddUp()
    {
        Machine m = Tiny();
        Dma32(m).Watermarks.ManagedPages++;
        Fires(nameof(ManagedPagesAddUp), m, "free 4096 + isolated 0 + allocated 0 + pcp 0 != managed 4097");
    }

    [Fact]
    public void PcpListsMatchCounts()
    {
        var m = new Machine(new MachineSpec(TestMachines.Tiny()) { PerCpuLists = true }) { DebugChecks = false };
        InvariantChecker.Check(m);
        var counts = (int[])typeof(Machine).GetField("_pcpCount", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(m)!;
        counts[0]++; // one cpu's pcp->count says a page more than its lists hold
        Fires(nameof(PcpListsMatchCounts), m, "pcp count 1 but 0 pages listed");
    }

    [Fact]
    public void PresentIsReservedPlusManaged()
    {
        Machine m = Tiny();
        Dma32(m).PresentPages++;
        Fires(nameof(PresentIsReservedPlusManaged), m, "reserved 0 + managed 4096 != present 4097");
    }

    [Fact]
    public void WatermarksAreOrdered()
    {
        Machine m = Tiny();
        ZoneWatermarks w = Dma32(m).Watermarks;
        w.SetRawMark(WatermarkIndex.Min, w.RawMark(WatermarkIndex.High) + 1);
        Fires(nameof(WatermarksAreOrdered), m, "watermarks out of order");
    }

    [Fact]
    public void LruListsAreConsistent()
    {
        Machine m = Tiny();
        AllocResult r = m.Allocate(0, Gfp.HighUserMovable, use: PageUse.Anon); // on the inactive anon list
        Assert.Equal(1, m.LruPages(0, LruList.InactiveAnon));
        var counts = (long[])typeof(Machine).GetField("_lruCount", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(m)!;
        counts[(int)LruList.InactiveAnon]++;
        Fires(nameof(LruListsAreConsistent), m, "InactiveAnon: counter 2 but 1 pages");
    }

    [Fact]
    public void DesignMovableOnlyMemoryHoldsNoUnmovable()
    {
        Machine m = Tiny();
        AllocResult r = m.Allocate(0, Gfp.Kernel);
        var e = Assert.Throws<InvariantViolationException>(() => InvariantChecker.CheckDesign(m, [new PfnRange(r.Pfn, r.Pfn + 1)], []));
        Assert.Equal("MovableOnlyMemoryHoldsNoUnmovable", e.Invariant);
    }

    [Fact]
    public void DesignDmbPfnsAreInZoneMovable()
    {
        Machine m = Tiny(); // DMA32 only: a DMB there is linked to the wrong zone
        var e = Assert.Throws<InvariantViolationException>(() => InvariantChecker.CheckDesign(m, [], [new PfnRange(4096, 4608)]));
        Assert.Equal("DmbPfnsAreInZoneMovable", e.Invariant);
        Assert.Contains("DMB pfn in ZONE_Dma32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DesignNoBlockCrossesAZoneLink()
    {
        Machine m = Tiny();
        At(m.ZoneOfArray, 5) = (byte)(Dma32(m).Index - 1);
        var e = Assert.Throws<InvariantViolationException>(() => InvariantChecker.CheckDesign(m, [], []));
        Assert.Equal("NoBlockCrossesAZoneLink", e.Invariant);
    }

    [Fact]
    public void EveryInvariantHasATest()
    {
        // each private check method of the checker is named by a test of this class (Design* for CheckDesign's)
        string[] checks = typeof(InvariantChecker).GetMethods(BindingFlags.NonPublic | BindingFlags.Static)
            .Where(mi => mi.ReturnType == typeof(void) && mi.Name is not ("WalkBlocks" or "Fail") && !mi.Name.Contains('<', StringComparison.Ordinal))
            .Select(mi => mi.Name).ToArray();
        string[] tests = typeof(InvariantCheckerTests).GetMethods().Select(mi => mi.Name).ToArray();
        Assert.NotEmpty(checks);
        Assert.All(checks, c => Assert.Contains(tests, t => t.StartsWith(c, StringComparison.Ordinal) || t == "Design" + c));
    }
}
