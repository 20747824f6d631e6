using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Designs;

/// <summary>
/// Zone spans and presence under the designs, worked out by hand on arm64 QEMU virt 4 GiB (RAM pfns
/// [0x40000, 0x140000); ZONE_DMA [0x40000, 0x100000) = 786,432 pages, ZONE_NORMAL [0x100000, 0x140000) = 262,144).
/// </summary>
public class DesignZoneSpanTests
{
    private static BootLayout Layout(string cmdline, bool dmb = false)
    {
        var b = new LayoutBuilder().ForArm64(4UL << 30).WithCommandLine(cmdline);
        if (dmb)
        {
            b.WithFeatures(new KernelFeatures { DesignatedMovableBlocks = true });
        }

        return b.Build();
    }

    // ZONE_CMA v7 3/7: span = [min base, max end) of the node's areas. Two areas, [0x80000, 0x84000) in DMA and
    // [0x120000, 0x124000) in Normal: span [0x80000, 0x124000) = 0xa4000 = 671,744 pages, present 2 × 16,384 = 32,768;
    // the span overlaps DMA and Normal, whose spans stay and whose present counts lose 16,384 each.
    [Fact]
    public void ZoneCmaSpanOverlapsAndSpannedExceedsPresent()
    {
        BootLayout l = Layout("cma=0");
        PfnRange[] areas = [new(0x80000, 0x84000), new(0x120000, 0x124000)];
        List<ZoneSpec> zones = DesignZones.Relink(l, areas, ZoneType.Cma);
        ZoneSpec cma = zones.Single(z => z.Type == ZoneType.Cma);
        Assert.Equal(0x80000UL, cma.StartPfn);
        Assert.Equal(671744UL, cma.SpannedPages);
        Assert.Equal(32768UL, cma.PresentPages);
        Assert.True(cma.SpannedPages > cma.PresentPages);
        ZoneSpec dma = zones.Single(z => z.Type == ZoneType.Dma), normal = zones.Single(z => z.Type == ZoneType.Normal);
        Assert.Equal((0x40000UL, 786432UL, 770048UL), (dma.StartPfn, dma.SpannedPages, dma.PresentPages));
        Assert.Equal((0x100000UL, 262144UL, 245760UL), (normal.StartPfn, normal.SpannedPages, normal.PresentPages));
        Assert.Equal(l.Nodes[0].Zone(ZoneType.Dma)!.Managed - 16384, dma.ManagedPages);

        using var m = new Machine(new MachineSpec(zones) { MaxNrZones = ZoneTypes.Count, MovableHighmemZone = ZoneType.Cma, DebugChecks = false });
        m.MaterializeAll();
        Zone zc = m.Zones.Single(z => z.Type == ZoneType.Cma);
        Assert.Equal(32768UL, zc.PresentPages);
        // a pfn inside ZONE_CMA's span but not CMA keeps its original zone (page_zone() is the link, not the span)
        Assert.Equal(ZoneType.Dma, m.Zones[m.ZoneAt(m.IndexOfPfn(0x90000))].Type);
        Assert.Equal(ZoneType.Cma, m.Zones[m.ZoneAt(m.IndexOfPfn(0x80000))].Type);
        Assert.Equal(ZoneType.Normal, m.Zones[m.ZoneAt(m.IndexOfPfn(0x110000))].Type);
        Assert.Equal(ZoneType.Cma, m.Zones[m.ZoneAt(m.IndexOfPfn(0x123fff))].Type);
        InvariantChecker.Check(m);
        InvariantChecker.CheckDesign(m, areas, []);
    }

    // A single area gives ZONE_CMA = exactly the area; the CMA design's zoneinfo names the zone "CMA".
    [Fact]
    public void ZoneCmaZoneinfoShowsACmaZone()
    {
        using DesignMachine dm = DesignFactory.For(DesignKind.ZoneCma).Build(Layout("cma=64M@0x80000000"), KernelVersion.V6_1);
        string zi = ZoneLab.Procfs.ZoneinfoWriter.Write(dm.Machine);
        Assert.Contains("Node 0, zone      CMA", zi);
        ZoneLayout z = dm.Layout.Nodes[0].Zone(ZoneType.Cma)!;
        Assert.Equal((0x80000UL, 16384UL, 16384UL), (z.StartPfn, z.Spanned, z.Present));
        Assert.Equal(770048UL, dm.Layout.Nodes[0].Zone(ZoneType.Dma)!.Present);
    }

    // DMB v4 with movablecore=64M@0x80000000 and no CMA area: the DMB [0x80000, 0x84000) is absent from DMA (which keeps
    // its span) and is ZONE_MOVABLE's only memory: span [0x80000, 0x84000), present 16,384; the DMB is the pool "dmb0".
    [Fact]
    public void DmbIsMovableAndAbsentFromDma()
    {
        BootLayout l = Layout("cma=0 movablecore=64M@0x80000000", dmb: true);
        using DesignMachine dm = DesignFactory.For(DesignKind.Dmb).Build(l, KernelVersion.V6_1);
        Assert.Equal([new PfnRange(0x80000, 0x84000)], dm.Dmbs);
        ZoneLayout mov = dm.Layout.Nodes[0].Zone(ZoneType.Movable)!;
        Assert.Equal((0x80000UL, 16384UL, 16384UL), (mov.StartPfn, mov.Spanned, mov.Present));
        ZoneLayout dma = dm.Layout.Nodes[0].Zone(ZoneType.Dma)!;
        Assert.Equal((0x40000UL, 786432UL, 770048UL), (dma.StartPfn, dma.Spanned, dma.Present));
        Assert.Equal("dmb0", dm.Area()!.Name);
        dm.Machine.MaterializeAll();
        Assert.Equal(ZoneType.Movable, dm.Machine.Zones[dm.Machine.ZoneAt(dm.Machine.IndexOfPfn(0x80000))].Type);
        dm.CheckInvariants();
        Assert.True(dm.Area()!.Allocate(16384).Success);
    }

    // The DMB design on a mainline layout turns the CMA area into a DMB: the same zones as above.
    [Fact]
    public void DmbDesignMakesTheCmaAreaADmb()
    {
        using DesignMachine dm = DesignFactory.For(DesignKind.Dmb).Build(Layout("cma=64M@0x80000000"), KernelVersion.V6_1);
        ZoneLayout mov = dm.Layout.Nodes[0].Zone(ZoneType.Movable)!;
        Assert.Equal((0x80000UL, 16384UL, 16384UL), (mov.StartPfn, mov.Spanned, mov.Present));
        Assert.Equal("reserved", dm.Area()!.Name);
    }

    // 4.17-rc1: ZONE_MOVABLE spans the area and its pageblocks stay MIGRATE_CMA (the layout's cma count moves there).
    [Fact]
    public void CmaInMovableKeepsCmaPageblocks()
    {
        using DesignMachine dm = DesignFactory.For(DesignKind.CmaInMovable).Build(Layout("cma=64M@0x80000000"), KernelVersion.V6_1);
        ZoneLayout mov = dm.Layout.Nodes[0].Zone(ZoneType.Movable)!;
        Assert.Equal((0x80000UL, 16384UL, 16384UL, 16384UL), (mov.StartPfn, mov.Spanned, mov.Present, mov.CmaPages));
        Assert.Equal(MigrateType.Cma, dm.Machine.PageblockType(0x80000));
    }
}
