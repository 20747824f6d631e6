using ZoneLab.Layout;

namespace ZoneLab.Tests.Layouts;

/// <summary>
/// Boot layout with Designated Movable Blocks (Doug Berger's series, v3 on 6.1-rc1 = v4 code): the BCM7278 example
/// of the cover letter, worked out by hand from the patches (7/9 zone sizing, 3/9 empty zones, 9/9 movablecore=size@base).
/// </summary>
public class DesignatedMovableBlocksTests
{
    private static readonly ZoneType[] s_arm64Zones = { ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal, ZoneType.Movable };

    // BCM7278: 1 GiB on each of two memory controllers.
    //   pfn 0x40000        0x60000   0x72C00   0x80000          0x300000      0x320000  0x332C00  0x340000
    //       |----- DMA -----|== DMB ==|---------|                 |--- Normal ---|== DMB ==|--------|
    // arm64 zone_sizes_init(): max_zone_phys(32) = 4 GiB for DRAM starting at 1 GiB → ZONE_DMA [0x40000, 0x100000),
    // ZONE_DMA32 empty, ZONE_NORMAL [0x100000, 0x340000).
    private static BootLayout Bcm7278(string cmdline)
    {
        var cl = KernelCommandLine.Parse(cmdline, new KernelFeatures { DesignatedMovableBlocks = true });
        var memblock = new List<MemblockRegion> { new(0x40000, 0x80000, 0), new(0x300000, 0x340000, 0) };
        var messages = new List<string>();
        memblock = DesignatedMovableBlocks.Apply(memblock, cl, memblockPopulatedAtEarlyParams: true, dmbCount: 19, messages);
        var max = new ulong[ZoneTypes.Count];
        max[(int)ZoneType.Dma] = 0x100000;
        max[(int)ZoneType.Dma32] = 0x100000;
        max[(int)ZoneType.Normal] = 0x340000;
        return FreeAreaInit.Compute(new FreeAreaInit.Input("arm64", memblock, s_arm64Zones, max, cl, 27, 128UL << 20, null, new List<string>(), DmbPatches: true));
    }

    [Fact]
    public void DmbPfnsAreAbsentFromTheZonesTheyOverlapAndPresentInMovable()
    {
        BootLayout l = Bcm7278("movablecore=300M@0x60000000,300M@0x320000000");
        NodeLayout n = l.Node(0)!;
        // 300 MiB = 76800 pages; each controller keeps 1 GiB - 300 MiB = 185344 pages in its own zone.
        Assert.Equal((0x40000UL, 0xC0000UL, 185344UL), (n.Zone(ZoneType.Dma)!.StartPfn, n.Zone(ZoneType.Dma)!.Spanned, n.Zone(ZoneType.Dma)!.Present));
        Assert.Equal((0UL, 0UL, 0UL), (n.Zone(ZoneType.Dma32)!.StartPfn, n.Zone(ZoneType.Dma32)!.Spanned, n.Zone(ZoneType.Dma32)!.Present));
        Assert.Equal((0x100000UL, 0x240000UL, 185344UL), (n.Zone(ZoneType.Normal)!.StartPfn, n.Zone(ZoneType.Normal)!.Spanned, n.Zone(ZoneType.Normal)!.Present));
        // No classic ZONE_MOVABLE: zone_movable_pfn = node end, span = [min_dmb_pfn, max_dmb_pfn) = [0x60000, 0x332C00).
        ZoneLayout movable = n.Zone(ZoneType.Movable)!;
        Assert.Equal((0x60000UL, 0x2D2C00UL, 153600UL), (movable.StartPfn, movable.Spanned, movable.Present));
        Assert.Equal(new[] { new PfnRange(0x60000, 0x72C00), new PfnRange(0x320000, 0x332C00) }, movable.PresentRanges);
        Assert.Equal(0UL, l.ZoneMovablePfn[0]); // nothing printed in "Movable zone start for each node"
        Assert.Equal(0x340000UL, l.ZoneMovablePfnFinal[0]);
    }

    [Fact]
    public void MemoryBlocksSpanningTwoZonesShowNone()
    {
        // Blocks of 128 MiB: 8-11 DMA only, 12-15 overlap the Movable span, 96-102 Normal+Movable, 103 Normal only.
        BootLayout l = Bcm7278("movablecore=300M@0x60000000,300M@0x320000000");
        var vz = l.MemoryBlocks.ToDictionary(b => b.Index, b => b.ValidZones);
        Assert.Equal(new ulong[] { 8, 9, 10, 11, 12, 13, 14, 15, 96, 97, 98, 99, 100, 101, 102, 103 }, vz.Keys.OrderBy(k => k));
        Assert.All(new ulong[] { 8, 9, 10, 11 }, b => Assert.Equal("DMA", vz[b]));
        Assert.All(new ulong[] { 12, 13, 14, 15, 96, 97, 98, 99, 100, 101, 102 }, b => Assert.Equal("none", vz[b]));
        Assert.Equal("Normal", vz[103]);
    }

    [Fact]
    public void EarlyMemoryNodeRangesListTheSplitRegions()
    {
        BootLayout l = Bcm7278("movablecore=300M@0x60000000,300M@0x320000000");
        Assert.Equal(
            new[] { (0x40000UL, 0x60000UL), (0x60000UL, 0x72C00UL), (0x72C00UL, 0x80000UL), (0x300000UL, 0x320000UL), (0x320000UL, 0x332C00UL), (0x332C00UL, 0x340000UL) },
            l.Memblock.Select(r => (r.StartPfn, r.EndPfn)));
    }

    [Fact]
    public void PlainMovablecoreWithDmbsCountsTheDmbsAsPartOfIt()
    {
        // movablecore=600M plus one 300 MiB DMB at 0x60000000: total 524288 pages, required_movablecore 153600
        // → kernelcore 370688, taken from non-DMB memory only: [0x40000, 0x60000) 131072 and [0x72C00, 0x80000) 54272
        // (below usable_startpfn 0x100000), the DMB is skipped, then [0x300000, 0x340000) gives the remaining 185344
        // → zone_movable_pfn = 0x300000 + 185344 = 0x32D400 (1024-aligned). ZONE_MOVABLE = DMB 76800 + classic
        // [0x32D400, 0x340000) 76800 = 153600 pages = 600 MiB: the DMB counts toward movablecore.
        BootLayout l = Bcm7278("movablecore=600M,300M@0x60000000");
        ZoneLayout movable = l.Node(0)!.Zone(ZoneType.Movable)!;
        Assert.Equal((0x60000UL, 0x2E0000UL, 153600UL), (movable.StartPfn, movable.Spanned, movable.Present));
        Assert.Equal(0x32D400UL, l.ZoneMovablePfn[0]);
        Assert.Equal(262144UL - 76800UL, l.Node(0)!.Zone(ZoneType.Normal)!.Present);
    }

    [Fact]
    public void MisalignedOrOutsideMemoryEntriesAreRejectedAndStopTheList()
    {
        BootLayout l = Bcm7278("movablecore=300M@0x60100000,300M@0x320000000");
        Assert.DoesNotContain(l.Memblock, r => r.Movable); // the first entry fails alignment; the list stops there
        Assert.Contains(l.CommandLine.Warnings, w => w.Contains("aligned to 2 MiB", StringComparison.Ordinal));
        Assert.Equal(0UL, l.Node(0)!.Zone(ZoneType.Movable)!.Present);

        BootLayout outside = Bcm7278("movablecore=300M@0x7f000000");
        Assert.Contains(outside.CommandLine.Warnings, w => w.Contains("not inside one memory region", StringComparison.Ordinal));
    }

    [Fact]
    public void MainlineReadsSizeAtBaseAsAPlainSize()
    {
        // 6.1's cmdline_parse_core() memparse()s "300M@0x60000000" to 300 MiB and ignores the rest.
        var cl = KernelCommandLine.Parse("movablecore=300M@0x60000000,300M@0x320000000");
        Assert.Equal(76800UL, cl.RequiredMovablecorePages);
        Assert.Empty(cl.DmbRequests);
    }

    [Fact]
    public void OnX86TheDmbCommandLineIsRejectedBecauseMemblockIsStillEmpty()
    {
        var cl = KernelCommandLine.Parse("movablecore=256M@0x40000000", new KernelFeatures { DesignatedMovableBlocks = true });
        var messages = new List<string>();
        var memblock = new List<MemblockRegion> { new(1, 159, 0), new(256, 0x7ffe0, 0) };
        var result = DesignatedMovableBlocks.Apply(memblock, cl, memblockPopulatedAtEarlyParams: false, dmbCount: 19, messages);
        Assert.DoesNotContain(result, r => r.Movable);
        Assert.Contains("Malformed early option 'movablecore'", messages);
    }
}
