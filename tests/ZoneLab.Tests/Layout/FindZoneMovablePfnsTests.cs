using ZoneLab.Layout;

namespace ZoneLab.Tests.Layouts;

/// <summary>
/// One case per geometric situation of find_zone_movable_pfns_for_nodes() (mm/page_alloc.c, 6.1), in the
/// style of tools/testing/memblock: each test draws its pfn ranges and derives the expected values by hand
/// from the kernel's algorithm (the arithmetic is in the comments).
/// </summary>
public class FindZoneMovablePfnsTests
{
    private const ulong G4 = 0x100000; // pfn of 4 GiB

    private static BootLayout Boot(string cmdline, params MemblockRegion[] regions)
    {
        ulong maxPfn = regions.Max(r => r.EndPfn);
        var max = new ulong[ZoneTypes.Count];
        max[(int)ZoneType.Dma] = Math.Min(X86Boot.MaxDmaPfn, maxPfn);
        max[(int)ZoneType.Dma32] = Math.Min(X86Boot.MaxDma32Pfn, maxPfn);
        max[(int)ZoneType.Normal] = maxPfn;
        return FreeAreaInit.Compute(new FreeAreaInit.Input(
            "x86_64", regions, X86Boot.Zones, max, KernelCommandLine.Parse(cmdline), X86Boot.SectionSizeBits, 128UL << 20, null, new List<string>()));
    }

    // The 8 GiB single-node map of docs/kernel-facts.md §1.3:
    //   pfn 1      160   256                 786432      1048576                2359296
    //       |-----|      |--------------------|             |----------------------|
    //        159 pages        786176 pages     PCI hole          1310720 pages
    //   DMA [1,4096) DMA32 [4096,0x100000) Normal [0x100000,0x240000); totalpages = 2097055
    private static readonly MemblockRegion[] s_eightGiB =
    {
        new(1, 160, 0), new(256, 786432, 0), new(G4, 0x240000, 0),
    };

    [Fact]
    public void NoOptionsMeansNoZoneMovable()
    {
        BootLayout l = Boot(string.Empty, s_eightGiB);
        Assert.Equal(0UL, l.ZoneMovablePfn[0]);
        Assert.Equal(0UL, l.Node(0)!.Zone(ZoneType.Movable)!.Spanned);
        Assert.Equal(1310720UL, l.Node(0)!.Zone(ZoneType.Normal)!.Present);
    }

    [Fact]
    public void MovablecoreIsConvertedToKernelcore()
    {
        // movablecore=2G = 524288 pages (1024-aligned); kernelcore = 2097055 - 524288 = 1572767.
        // ranges 1-2 are below usable_startpfn 0x100000: 159 + 786176 = 786335 consumed;
        // range 3: size = min(1310720, 1572767 - 786335 = 786432) → zone_movable_pfn = 0x100000 + 786432 = 0x1C0000.
        BootLayout l = Boot("movablecore=2G", s_eightGiB);
        Assert.Equal(0x1C0000UL, l.ZoneMovablePfn[0]);
        ZoneLayout normal = l.Node(0)!.Zone(ZoneType.Normal)!;
        ZoneLayout movable = l.Node(0)!.Zone(ZoneType.Movable)!;
        Assert.Equal((G4, 786432UL), (normal.StartPfn, normal.Spanned));
        Assert.Equal((0x1C0000UL, 524288UL, 524288UL), (movable.StartPfn, movable.Spanned, movable.Present));
    }

    [Fact]
    public void KernelcorePercentSatisfiedByLowerZonesMakesAllOfNormalMovable()
    {
        // kernelcore=25%: 2097055 * 100 * 25 / 10000 = 524263 pages, all met by DMA/DMA32 memory (786335 pages):
        // range 3 gets size min(1310720, 0) = 0, so zone_movable_pfn = 0x100000 and Normal is empty.
        BootLayout l = Boot("kernelcore=25%", s_eightGiB);
        Assert.Equal(G4, l.ZoneMovablePfn[0]);
        Assert.Equal(0UL, l.Node(0)!.Zone(ZoneType.Normal)!.Spanned);
        Assert.Equal(1310720UL, l.Node(0)!.Zone(ZoneType.Movable)!.Present);
    }

    [Fact]
    public void LargerKernelcoreWinsOverMovablecoreAndIsRoundedUp()
    {
        // movablecore=2G gives corepages 1572767 < kernelcore=7G 1835008, so 1835008 is used.
        // range 3: size = 1835008 - 786335 = 1048673 → pfn 1048576 + 1048673 = 2097249 → roundup 1024 = 2098176.
        BootLayout l = Boot("movablecore=2G kernelcore=7G", s_eightGiB);
        Assert.Equal(2098176UL, l.ZoneMovablePfn[0]);
        Assert.Equal(0x240000UL - 2098176UL, l.Node(0)!.Zone(ZoneType.Movable)!.Spanned);
    }

    [Fact]
    public void MovablecoreAtLeastTotalGivesNoZoneMovable()
    {
        // required_movablecore = min(totalpages, 4194304) = totalpages → corepages = 0 → required_kernelcore = 0 → out.
        Assert.Equal(0UL, Boot("movablecore=16G", s_eightGiB).ZoneMovablePfn[0]);
    }

    [Fact]
    public void KernelcoreAtLeastTotalGivesNoZoneMovable()
    {
        Assert.Equal(0UL, Boot("kernelcore=8G", s_eightGiB).ZoneMovablePfn[0]);
    }

    [Fact]
    public void TinyKernelcoreIsRoundedUpToMaxOrderNrPages()
    {
        // One node entirely above 4 GiB:  [0x100000 ........................ 0x200000)
        // kernelcore=1000K = 250 pages → zone_movable_pfn = 0x100000 + 250 → roundup 1024 = 0x100400.
        BootLayout l = Boot("kernelcore=1000K", new MemblockRegion(G4, 0x200000, 0));
        Assert.Equal(0x100400UL, l.ZoneMovablePfn[0]);
        Assert.Equal(0x200000UL - 0x100400UL, l.Node(0)!.Zone(ZoneType.Movable)!.Present);
        Assert.Equal(1024UL, l.Node(0)!.Zone(ZoneType.Normal)!.Spanned);
    }

    [Fact]
    public void RestartLoopPushesKernelcoreOntoTheBiggerNode()
    {
        // node 0: [0x100000, 0x110000)  65536 pages      node 1: [0x110000, 0x200000)  983040 pages
        // kernelcore=2G = 524288, 2 nodes → kernelcore_node 262144.
        // pass 1: node 0 takes all 65536 (zmp0 = 0x110000, required 458752); node 1 takes 262144
        //         (zmp1 = 0x150000, required 196608). usable_nodes = 1, 196608 > 1 → restart.
        // pass 2: kernelcore_node = 196608; node 0 has nothing left; node 1 takes 196608 → zmp1 = 0x180000.
        // out2: zmp0 0x110000 >= node 0 end → 0 (no ZONE_MOVABLE on node 0); zmp1 = 0x180000.
        BootLayout l = Boot("kernelcore=2G", new MemblockRegion(G4, 0x110000, 0), new MemblockRegion(0x110000, 0x200000, 1));
        Assert.Equal(0UL, l.ZoneMovablePfn[0]);
        Assert.Equal(0x180000UL, l.ZoneMovablePfn[1]);
        Assert.Equal(65536UL, l.Node(0)!.Zone(ZoneType.Normal)!.Present);
        Assert.Equal(0x180000UL - 0x110000UL, l.Node(1)!.Zone(ZoneType.Normal)!.Present);
        Assert.Equal(524288UL, l.Node(1)!.Zone(ZoneType.Movable)!.Present);
    }

    [Fact]
    public void MovableNodeUsesHotpluggableRegionsOnlyAndIgnoresKernelcore()
    {
        // node 0: [0x100000, 0x180000) not hotpluggable   node 1: [0x180000, 0x180100) + [0x180100, 0x200000) hotplug
        // movable_node: zmp1 = min base of node 1's hotpluggable regions = 0x180100 → roundup 1024 = 0x180400.
        BootLayout l = Boot("movable_node kernelcore=1G",
            new MemblockRegion(G4, 0x180000, 0), new MemblockRegion(0x180000, 0x180100, 1), new MemblockRegion(0x180100, 0x200000, 1, Hotplug: true));
        Assert.Equal(0UL, l.ZoneMovablePfn[0]);
        Assert.Equal(0x180400UL, l.ZoneMovablePfn[1]);
    }

    [Fact]
    public void MovableNodeWithoutHotpluggableMemoryHasNoZoneMovable()
    {
        // QEMU's SRAT marks boot memory enabled, not hot-pluggable: movable_node changes nothing (real boot x25).
        BootLayout l = Boot("movable_node", new MemblockRegion(G4, 0x180000, 0), new MemblockRegion(0x180000, 0x200000, 1));
        Assert.All(l.ZoneMovablePfn.Values, v => Assert.Equal(0UL, v));
    }

    [Fact]
    public void KernelcoreMirrorWithoutMirroredMemoryMovesAllMemoryAbove4GiB()
    {
        // 6.1 has no memblock_has_mirror() check: non-mirrored regions below 4 GiB are kernel memory (with the
        // warning), the one at 0x100000 starts ZONE_MOVABLE. NORMAL starts at zone_movable_pfn, so the third branch
        // of adjust_zone_range_for_zone_movable() (start >= zone_movable_pfn → start = end) empties it even in mirror mode.
        BootLayout l = Boot("kernelcore=mirror movablecore=1G", s_eightGiB);
        Assert.Equal(G4, l.ZoneMovablePfn[0]);
        Assert.Contains("This configuration results in unmirrored kernel memory.", l.KernelMessages);
        ZoneLayout normal = l.Node(0)!.Zone(ZoneType.Normal)!;
        Assert.Equal((0UL, 0UL), (normal.Spanned, normal.Present));
        Assert.Equal(1310720UL, l.Node(0)!.Zone(ZoneType.Movable)!.Present);
    }

    [Fact]
    public void KernelcoreMirrorOverlapsNormalAndMovable()
    {
        // mirrored: [0x100000, 0x140000)   non-mirrored: [0x140000, 0x240000) and everything below 4 GiB.
        // zmp = 0x140000. Normal spans [0x100000, 0x240000) = 1310720 with the non-mirrored 1048576 absent → 262144.
        // Movable spans [0x140000, 0x240000) = 1048576, none of it mirrored → present 1048576.
        BootLayout l = Boot("kernelcore=mirror",
            new MemblockRegion(1, 160, 0), new MemblockRegion(256, 786432, 0),
            new MemblockRegion(G4, 0x140000, 0, Mirror: true), new MemblockRegion(0x140000, 0x240000, 0));
        ZoneLayout normal = l.Node(0)!.Zone(ZoneType.Normal)!;
        ZoneLayout movable = l.Node(0)!.Zone(ZoneType.Movable)!;
        Assert.Equal((G4, 1310720UL, 262144UL), (normal.StartPfn, normal.Spanned, normal.Present));
        Assert.Equal((0x140000UL, 1048576UL, 1048576UL), (movable.StartPfn, movable.Spanned, movable.Present));
    }

    [Fact]
    public void BelowFourGiBMachineCarvesMovableFromDma32()
    {
        // 2 GiB pc guest: [1,159) [256, 0x7ffe0); movable_zone = DMA32, usable_startpfn = 4096 (DMA32 start).
        // total = 158 + 523744 = 523902; movablecore=512M → kernelcore 392830: DMA part 158 + (4096-256) = 3998,
        // DMA32 part 392830 - 3998 = 388832 → 4096 + 388832 = 392928 → roundup 1024 = 393216 (0x60000), as real boot x02.
        BootLayout l = Boot("movablecore=512M", new MemblockRegion(1, 159, 0), new MemblockRegion(256, 0x7ffe0, 0));
        Assert.Equal(ZoneType.Dma32, l.MovableZone);
        Assert.Equal(0x60000UL, l.ZoneMovablePfn[0]);
        Assert.Equal(0x7ffe0UL - 0x60000UL, l.Node(0)!.Zone(ZoneType.Movable)!.Present);
    }

    [Fact]
    public void PercentAbove100IsUsedAsTheKernelDoes()
    {
        // movablecore=150%: required = total * 1.5 → min(total, ...) = total → corepages 0 → no ZONE_MOVABLE, plus a warning.
        BootLayout l = Boot("movablecore=150%", s_eightGiB);
        Assert.Equal(0UL, l.ZoneMovablePfn[0]);
        Assert.Contains(l.CommandLine.Warnings, w => w.Contains("above 100", StringComparison.Ordinal));
    }
}
