using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Designs;

/// <summary>
/// Hand-derived behaviour of every design on one arm64 QEMU virt machine with 4 GiB and <c>cma=64M@0x80000000</c>:
/// RAM [0x40000, 0x140000) pfns; ZONE_DMA [0x40000, 0x100000) (786,432 pages, below 4 GiB), ZONE_NORMAL
/// [0x100000, 0x140000) (262,144 pages), no DMA32 pages, no ZONE_MOVABLE; the CMA area "reserved" is pfns
/// [0x80000, 0x84000) = 16,384 pages inside ZONE_DMA. arm64 Debian: MAX_NR_ZONES = 4 (DMA, DMA32, Normal, Movable).
/// </summary>
public class DesignSemanticsTests
{
    private const ulong AreaStart = 0x80000, AreaEnd = 0x84000, AreaPages = 16384;

    private static BootLayout Layout() => new LayoutBuilder().ForArm64(4UL << 30).WithCommandLine("cma=64M@0x80000000").Build();

    private static DesignMachine Build(DesignKind d) => DesignFactory.For(d).Build(Layout(), KernelVersion.V6_1);

    private static string[] ZoneOrder(DesignMachine dm)
        => dm.Machine.Zonelist(0).Select(z => ZoneTypes.Name(dm.Machine.Zones[z].Type)).ToArray();

    private static string LandsIn(DesignMachine dm, GfpFlags gfp)
    {
        AllocResult r = dm.Machine.Allocate(0, gfp);
        Assert.True(r.Success);
        return ZoneTypes.Name(dm.Machine.Zones[r.ZoneIndex].Type) + (r.Pfn >= AreaStart && r.Pfn < AreaEnd ? "+area" : string.Empty);
    }

    [Fact]
    public void LayoutHasTheAreaInZoneDma()
    {
        BootLayout l = Layout();
        Assert.Equal(AreaStart, l.CmaAreas.Single().BasePfn);
        Assert.Equal(AreaPages, l.CmaAreas.Single().Count);
        Assert.Equal(786432UL, l.Nodes[0].Zone(ZoneType.Dma)!.Present);
    }

    // build_zonelists: the node's populated zones from the highest index down. migrate-cma, carve-out and GCMA keep
    // the mainline zones (Normal, DMA); ZONE_CMA v7 adds CMA on top; cma-in-movable and DMB populate ZONE_MOVABLE.
    [Theory]
    [InlineData(DesignKind.MigrateCma, "Normal,DMA")]
    [InlineData(DesignKind.Carveout, "Normal,DMA")]
    [InlineData(DesignKind.Gcma, "Normal,DMA")]
    [InlineData(DesignKind.ZoneCma, "CMA,Normal,DMA")]
    [InlineData(DesignKind.CmaInMovable, "Movable,Normal,DMA")]
    [InlineData(DesignKind.Dmb, "Movable,Normal,DMA")]
    public void ZonelistOrder(DesignKind d, string order)
    {
        using DesignMachine dm = Build(d);
        Assert.Equal(order, string.Join(",", ZoneOrder(dm)));
    }

    // gfp_zone: GFP_KERNEL (0) and GFP_ATOMIC → ZONE_NORMAL; __GFP_MOVABLE alone (0x8) → ZONE_NORMAL (a migratetype hint
    // only); GFP_HIGHUSER_MOVABLE (0xa) → ZONE_MOVABLE, or ZONE_CMA under v7 (OPT_ZONE_CMA). The first zone of the
    // zonelist at or below that index with free pages above its low watermark serves the request.
    // migrate-cma 6.1: the movable request starts at Normal; CMA pageblocks (in DMA) are used only by fallback, or
    // first when they hold more than half of the zone's free pages (16867664936e, v5.7) — here 16,384 of ~763,000: no.
    [Theory]
    [InlineData(DesignKind.MigrateCma, "Normal", "Normal", "Normal", "Normal")]
    [InlineData(DesignKind.Carveout, "Normal", "Normal", "Normal", "Normal")]
    [InlineData(DesignKind.Gcma, "Normal", "Normal", "Normal", "Normal")]
    [InlineData(DesignKind.ZoneCma, "Normal", "Normal", "CMA+area", "Normal")]
    [InlineData(DesignKind.CmaInMovable, "Normal", "Normal", "Movable+area", "Normal")]
    [InlineData(DesignKind.Dmb, "Normal", "Normal", "Movable+area", "Normal")]
    public void WhereRequestsLand(DesignKind d, string kernel, string atomic, string highuserMovable, string movableOnly)
    {
        using DesignMachine dm = Build(d);
        Assert.Equal(kernel, LandsIn(dm, Gfp.Kernel));
        Assert.Equal(atomic, LandsIn(dm, Gfp.Atomic));
        Assert.Equal(highuserMovable, LandsIn(dm, Gfp.HighUserMovable));
        Assert.Equal(movableOnly, LandsIn(dm, Gfp.Kernel | GfpFlags.Movable));
        dm.CheckInvariants();
    }

    // Once the movable-only zone is exhausted (below its min watermark), GFP_HIGHUSER_MOVABLE falls back to Normal
    // while GFP_KERNEL never reaches the area in any design.
    [Theory]
    [InlineData(DesignKind.ZoneCma)]
    [InlineData(DesignKind.CmaInMovable)]
    [InlineData(DesignKind.Dmb)]
    public void MovableOnlyZoneFillsFirstThenNormal(DesignKind d)
    {
        using DesignMachine dm = Build(d);
        int inArea = 0;
        for (int k = 0; k < (int)AreaPages; k++)
        {
            AllocResult r = dm.Machine.Allocate(0, Gfp.HighUserMovable);
            Assert.True(r.Success);
            if (r.Pfn >= AreaStart && r.Pfn < AreaEnd)
            {
                inArea++;
            }
        }

        // all but the zone's reserve (watermark) went to the area; the rest to Normal
        Assert.True(inArea > (int)AreaPages * 9 / 10, $"{inArea}");
        Assert.True(inArea < (int)AreaPages);
        for (int k = 0; k < 1000; k++)
        {
            AllocResult r = dm.Machine.Allocate(0, Gfp.Kernel);
            Assert.False(r.Pfn >= AreaStart && r.Pfn < AreaEnd);
        }

        dm.CheckInvariants();
    }

    // What cma_alloc of the whole area must migrate after 1000 anonymous (GFP_HIGHUSER_MOVABLE) pages:
    // migrate-cma 6.1: none are in the area (Normal serves them) → 0; ZONE_CMA, cma-in-movable, DMB: all 1000 are in
    // the area (the movable-only zone is first in their zonelist) → 1000; carve-out and GCMA: the area holds no
    // buddy pages → 0 (GCMA discards its clean cache instead).
    [Theory]
    [InlineData(DesignKind.MigrateCma, 0)]
    [InlineData(DesignKind.ZoneCma, 1000)]
    [InlineData(DesignKind.CmaInMovable, 1000)]
    [InlineData(DesignKind.Dmb, 1000)]
    [InlineData(DesignKind.Carveout, 0)]
    [InlineData(DesignKind.Gcma, 0)]
    public void CmaAllocMigrates(DesignKind d, long migrated)
    {
        using DesignMachine dm = Build(d);
        for (int k = 0; k < 1000; k++)
        {
            Assert.True(dm.Machine.Allocate(0, Gfp.HighUserMovable).Success);
        }

        var r = dm.Area("reserved")!.Allocate(AreaPages);
        Assert.True(r.Success, r.ToString());
        Assert.Equal(migrated, r.Work.Migrated);
        dm.CheckInvariants();
        Assert.True(dm.Area("reserved")!.Release(r.Pfn, AreaPages));
        dm.CheckInvariants();
    }

    [Fact]
    public void GcmaDiscardsCleanPagesAndNeverMigrates()
    {
        using DesignMachine dm = Build(DesignKind.Gcma);
        GcmaCleanCache cache = dm.CleanCache!;
        for (int k = 0; k < 100; k++)
        {
            Assert.NotNull(cache.StoreCleanPage());
        }

        // the first 100 slots from the area's base; a 64-page cma_alloc at the base drops 64 of them
        var r = dm.Area()!.Allocate(64);
        Assert.True(r.Success);
        Assert.Equal(0, r.Work.Migrated);
        Assert.Equal(64, r.Work.Discarded);
        Assert.Equal(36, cache.Stored);
        // the area is not managed: the buddy allocator never hands out its pages
        Assert.Equal(0, dm.Machine.Zones.Sum(z => z.NrFreeCmaPages));
    }

    [Fact]
    public void DeviceAllocationIsCountedAsMovableIsolationOnMovableOnlyDesigns()
    {
        // ZONE_CMA and DMB pools are MIGRATE_MOVABLE pageblocks: there are no free CMA pages anywhere
        using DesignMachine zc = Build(DesignKind.ZoneCma);
        using DesignMachine dmb = Build(DesignKind.Dmb);
        using DesignMachine cim = Build(DesignKind.CmaInMovable);
        Assert.Equal(0, zc.Machine.Zones.Sum(z => z.NrFreeCmaPages));
        Assert.Equal(0, dmb.Machine.Zones.Sum(z => z.NrFreeCmaPages));
        Assert.Equal((long)AreaPages, cim.Machine.Zones.Single(z => z.Type == ZoneType.Movable).NrFreeCmaPages);
    }
}

/// <summary>Carve-out and GCMA areas are never handed to the buddy allocator: every area pfn stays reserved.</summary>
public class UnmanagedAreaTests
{
    [Theory]
    [InlineData(DesignKind.Carveout)]
    [InlineData(DesignKind.Gcma)]
    public void AreaPfnsAreReserved(DesignKind d)
    {
        BootLayout l = new LayoutBuilder().ForArm64(4UL << 30).WithCommandLine("cma=64M@0x80000000").Build();
        using DesignMachine dm = DesignFactory.For(d).Build(l, KernelVersion.V6_1);
        dm.Machine.MaterializeAll();
        ReadOnlySpan<byte> flags = dm.Machine.FlagsArray;
        for (ulong pfn = 0x80000; pfn < 0x84000; pfn++)
        {
            Assert.Equal(Machine.KindReserved, flags[dm.Machine.IndexOfPfn(pfn)] >> 4);
        }

        dm.CheckInvariants();
    }
}
