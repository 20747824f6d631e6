using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Designs;

/// <summary>
/// The dmb design on the BCM7278 example of the DMB series (v4 cover letter): arm64, 1 GiB at 0x40000000 and 1 GiB at
/// 0x300000000, <c>movablecore=300M@0x60000000,300M@0x320000000</c>. The layout (tests/…/DesignatedMovableBlocksTests)
/// gives ZONE_DMA [0x40000, 0x100000) present 185,344, ZONE_NORMAL [0x100000, 0x340000) present 185,344, ZONE_MOVABLE
/// span [0x60000, 0x332C00) present 153,600 = the two DMBs [0x60000, 0x72C00) and [0x320000, 0x332C00) of 76,800 pages.
/// </summary>
public class DmbBcm7278DesignTests
{
    private static BootLayout Bcm7278() => Bcm7278Layout.Build();

    [Fact]
    public void TheTwoDmbsArePoolsInZoneMovable()
    {
        using DesignMachine dm = DesignFactory.For(DesignKind.Dmb).Build(Bcm7278(), KernelVersion.V6_1);
        Assert.Equal([new PfnRange(0x60000, 0x72C00), new PfnRange(0x320000, 0x332C00)], dm.Dmbs);
        Assert.Equal(["dmb0", "dmb1"], dm.Areas.Select(a => a.Name));
        Assert.Equal([76800UL, 76800UL], dm.Areas.Select(a => a.Count));
        ZoneLayout mov = dm.Layout.Nodes[0].Zone(ZoneType.Movable)!;
        Assert.Equal((0x60000UL, 0x2D2C00UL, 153600UL), (mov.StartPfn, mov.Spanned, mov.Present));
        Assert.Equal(185344UL, dm.Layout.Nodes[0].Zone(ZoneType.Dma)!.Present);
        Assert.Equal(185344UL, dm.Layout.Nodes[0].Zone(ZoneType.Normal)!.Present);
        Assert.Equal("Movable,Normal,DMA", string.Join(",", dm.Machine.Zonelist(0).Select(z => ZoneTypes.Name(dm.Machine.Zones[z].Type))));
        dm.CheckInvariants();
    }

    // GFP_HIGHUSER_MOVABLE lands in the DMBs (ZONE_MOVABLE first); GFP_KERNEL never does. cma_alloc of dmb0 must
    // migrate exactly the movable pages that landed in dmb0 (MIGRATE_MOVABLE isolation: free + LRU pages pass).
    [Fact]
    public void CmaAllocOverADmbMigratesWhatLandedThere()
    {
        using DesignMachine dm = DesignFactory.For(DesignKind.Dmb).Build(Bcm7278(), KernelVersion.V6_1);
        var dmb0 = new PfnRange(0x60000, 0x72C00);
        int inDmb0 = 0;
        for (int k = 0; k < 2000; k++)
        {
            AllocResult r = dm.Machine.Allocate(0, Gfp.HighUserMovable);
            Assert.Equal(ZoneType.Movable, dm.Machine.Zones[r.ZoneIndex].Type);
            inDmb0 += dmb0.Contains(r.Pfn) ? 1 : 0;
            AllocResult k2 = dm.Machine.Allocate(0, Gfp.Kernel);
            Assert.Equal(ZoneType.Normal, dm.Machine.Zones[k2.ZoneIndex].Type);
        }

        var c = dm.Area("dmb0")!.Allocate(76800);
        Assert.True(c.Success, c.ToString());
        Assert.Equal(inDmb0, c.Work.Migrated);
        dm.CheckInvariants();
    }
}
