using ZoneLab.Allocator;
using ZoneLab.Hotplug;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Hotplug;

/// <summary>
/// Seed questions D4/D16 ("embraced overlapped zones for memory hotplug", "Yes, after boot."): zone spans overlap
/// after boot when a block is onlined to ZONE_MOVABLE inside ZONE_NORMAL's span, or a kernel block is onlined above
/// a ZONE_MOVABLE block. The spans are those move_pfn_range_to_zone/resize_zone_range and remove_pfn_range_from_zone
/// (which only shrinks a span at its ends) give; the same steps as `zonelab hotplug --mem 6G ...` in the doc.
/// </summary>
public class HotplugOverlapSpanTests
{
    // 128 MiB memory blocks of 4 KiB pages
    private const ulong BlockPages = 32768;

    private static MemoryHotplug Pc6G(IReadOnlyList<Dimm> dimms) =>
        HotplugMachine.Create(new LayoutBuilder().FromQemu(6UL << 30).Build(), new HotplugOptions { Dimms = dimms, DebugChecks = true });

    private static Zone Z(MemoryHotplug hp, ZoneType t) => hp.Machine.Zones[(int)t];

    [Fact]
    public void Online_movable_inside_normal_leaves_movable_inside_normals_span()
    {
        // QEMU pc, 6 GiB: 3 GiB below 4 GiB, 3 GiB at [4 GiB, 7 GiB) → ZONE_NORMAL pfn [1048576, 1835008), 786432 pages
        using MemoryHotplug hp = Pc6G([]);
        Assert.Equal(1048576UL, Z(hp, ZoneType.Normal).StartPfn);
        Assert.Equal(786432UL, Z(hp, ZoneType.Normal).SpannedPages);
        // block 40 = [5 GiB, 5 GiB + 128 MiB) = pfn [1310720, 1343488), in the middle of Normal
        Assert.True(hp.Offline(40).Success);
        // remove_pfn_range_from_zone → shrink_zone_span: not at either end, so the span stays; present −32768
        Assert.Equal(1048576UL, Z(hp, ZoneType.Normal).StartPfn);
        Assert.Equal(786432UL, Z(hp, ZoneType.Normal).SpannedPages);
        Assert.Equal(786432UL - BlockPages, Z(hp, ZoneType.Normal).PresentPages);
        Assert.Equal(ZoneType.Movable, hp.Online(40, OnlineType.OnlineMovable).Zone!.Type);
        // resize_zone_range on the empty ZONE_MOVABLE: start = 5 GiB >> 12, spanned = one block
        Assert.Equal(1310720UL, Z(hp, ZoneType.Movable).StartPfn);
        Assert.Equal(BlockPages, Z(hp, ZoneType.Movable).SpannedPages);
        Assert.Equal(BlockPages, Z(hp, ZoneType.Movable).PresentPages);
        // Normal unchanged: Movable's whole span lies inside Normal's [1048576, 1835008)
        Assert.Equal(786432UL, Z(hp, ZoneType.Normal).SpannedPages);
        Assert.Equal(753664UL, Z(hp, ZoneType.Normal).PresentPages);
    }

    [Fact]
    public void Online_kernel_above_movable_stretches_normal_over_movable()
    {
        // a 1 GiB DIMM at 7 GiB (the end of RAM above 4 GiB): blocks 56..63, pfn [1835008, 2097152)
        using MemoryHotplug hp = Pc6G([new Dimm(7UL << 30, 1UL << 30)]);
        Assert.Equal(ZoneType.Movable, hp.Online(56, OnlineType.OnlineMovable).Zone!.Type);
        Assert.Equal(1835008UL, Z(hp, ZoneType.Movable).StartPfn);
        Assert.Equal(BlockPages, Z(hp, ZoneType.Movable).SpannedPages);
        // block 58 = pfn [1900544, 1933312): resize_zone_range grows Normal's end to 1933312, so
        // spanned = 1933312 − 1048576 = 884736, covering Movable's [1835008, 1867776) and the offline block 57
        Assert.Equal(ZoneType.Normal, hp.Online(58, OnlineType.OnlineKernel).Zone!.Type);
        Assert.Equal(1048576UL, Z(hp, ZoneType.Normal).StartPfn);
        Assert.Equal(884736UL, Z(hp, ZoneType.Normal).SpannedPages);
        Assert.Equal(786432UL + BlockPages, Z(hp, ZoneType.Normal).PresentPages);
        Assert.Equal(1835008UL, Z(hp, ZoneType.Movable).StartPfn);
        Assert.Equal(BlockPages, Z(hp, ZoneType.Movable).SpannedPages);
    }
}
