using ZoneLab.Layout;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// kernelcore=mirror with mirrored ranges from <c>--mirror</c> or from EFI memory map lines. Expected zones derived by
/// hand from 6.1 mm/page_alloc.c: find_zone_movable_pfns_for_nodes (mirrored_kernelcore: ZONE_MOVABLE starts at the
/// first non-mirrored memblock region at or above 4 GiB), adjust_zone_range_for_zone_movable (with
/// mirrored_kernelcore ZONE_NORMAL keeps its whole span) and zone_absent_pages_in_node (non-mirrored pages above
/// zone_movable_pfn are absent from ZONE_NORMAL, mirrored ones absent from ZONE_MOVABLE).
/// </summary>
public class MirrorTests
{
    private const ulong G = 1UL << 30;

    // QEMU pc, 8 GiB: RAM [0, 3 GiB) minus the BIOS holes and [4 GiB, 9 GiB) = pfns [0x100000, 0x240000)
    private static BootLayout Pc8G(string mirror) =>
        new LayoutBuilder().FromQemu(8 * G).WithMirror(MirrorRanges.Parse(mirror)).WithCommandLine("kernelcore=mirror").Build();

    [Fact]
    public void OneMirroredRangeMakesNormalAndMovableOverlap()
    {
        // mirrored [4G, 6G): ZONE_MOVABLE from 6G = pfn 0x180000 to the node end 0x240000 (3 GiB, all present);
        // ZONE_NORMAL spans [0x100000, 0x240000) = 1,310,720 pages but only the 2 GiB mirrored are present
        NodeLayout n = Assert.Single(Pc8G("2G@0x100000000").Nodes);
        ZoneLayout normal = n.Zone(ZoneType.Normal)!, movable = n.Zone(ZoneType.Movable)!;
        Assert.Equal((0x100000UL, 0x240000UL, 1_310_720UL, 524_288UL), (normal.StartPfn, normal.EndPfn, normal.Spanned, normal.Present));
        Assert.Equal((0x180000UL, 0x240000UL, 786_432UL), (movable.StartPfn, movable.EndPfn, movable.Present));
    }

    [Fact]
    public void TwoMirroredRangesInterleaveWithZoneMovable()
    {
        // mirrored [4G, 5G) and [7G, 8G): the first non-mirrored region >= 4G starts at 5G (pfn 0x140000);
        // Normal present = 1 + 1 GiB mirrored; Movable [5G, 9G) present = [5G, 7G) + [8G, 9G) = 3 GiB
        NodeLayout n = Assert.Single(Pc8G("1G@0x100000000,1G@0x1c0000000").Nodes);
        ZoneLayout normal = n.Zone(ZoneType.Normal)!, movable = n.Zone(ZoneType.Movable)!;
        Assert.Equal((0x100000UL, 0x240000UL, 524_288UL), (normal.StartPfn, normal.EndPfn, normal.Present));
        Assert.Equal((0x140000UL, 0x240000UL, 786_432UL), (movable.StartPfn, movable.EndPfn, movable.Present));
        Assert.Equal([new PfnRange(0x100000, 0x140000), new PfnRange(0x1c0000, 0x200000)], normal.PresentRanges);
        // memory blocks of 128 MiB from 4G on intersect both zone spans: early_node_zone_for_memory_block gives none
        Assert.All(Pc8G("1G@0x100000000,1G@0x1c0000000").MemoryBlocks.Where(b => b.Index >= 40), b => Assert.Equal("none", b.ValidZones));
    }

    [Fact]
    public void RealEfiMapLinesGiveTheMirroredRanges()
    {
        string[] lines = File.ReadAllLines(FixturePath.Get("efi", "efi-fake-mem-mirror.txt"));
        List<(ulong Start, ulong End)> r = MirrorRanges.FromEfiMemmap(lines, "efi-fake-mem-mirror.txt");
        // mem02, mem29, mem30 (Loader Data: efi_find_mirror marks any type) and mem31 carry MR; mem03 does not
        Assert.Equal([(0x40000000UL, 0x140000000UL), (0x1c0000000UL, 0x284400000UL), (0x284400000UL, 0x285f19000UL), (0x285f19000UL, 0x2c0000000UL)], r);
        // the kernel's own summary of the same boot: "efi: Memory: 8192M/12352M mirrored memory"
        Assert.Equal(8192L, r.Sum(x => (long)(x.End - x.Start)) >> 20);
    }

    [Fact]
    public void EveryTruncatedEfiLineFailsCleanlyOrIsSkipped()
    {
        string[] lines = File.ReadAllLines(FixturePath.Get("efi", "efi-fake-mem-mirror.txt"));
        foreach (string line in lines)
        {
            for (int len = 0; len <= line.Length; len++)
            {
                try
                {
                    MirrorRanges.FromEfiMemmap([line[..len]], "x");
                }
                catch (ZoneLabInputException e)
                {
                    Assert.StartsWith("x:1:", e.Message);
                }
            }
        }
    }

    [Theory]
    [InlineData("2G", "'2G' is not SIZE@BASE")]
    [InlineData("@0x100000000", "is not SIZE@BASE")]
    [InlineData("2X@0x100000000", "'2X' is not a size")]
    [InlineData("0@0x100000000", "the size must be non-zero")]
    public void BadMirrorOptionsAreOneLineErrors(string spec, string message)
    {
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => MirrorRanges.Parse(spec));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("--mirror", e.Message);
    }
}
