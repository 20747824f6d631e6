using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Designs;

/// <summary>
/// The sticky-movable design: designated pageblocks stay MIGRATE_MOVABLE where the kernel's fallback would claim
/// them. The zone is TestMachines.Tiny, DMA32 [4096, 8192): four free order-10 blocks 4096, 5120, 6144, 7168 on the
/// MIGRATE_MOVABLE list in that order (memblock_free_all frees in address order with FPI_TO_TAIL), no unmovable list.
/// </summary>
public class StickyMovableTests
{
    private static Machine Tiny(KernelVersion v, bool sticky) => new(new MachineSpec(TestMachines.Tiny(v))
    {
        StickyMovable = sticky ? [new PfnRange(4096, 5120)] : [],
    });

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    [InlineData(KernelVersion.V4_10)]
    public void MainlineClaimsTheWholeOrder10BlockForTheFirstKernelPage(KernelVersion v)
    {
        // __rmqueue_fallback: the largest fallback is the order-10 block 4096; order >= pageblock_order, so
        // steal_suitable_fallback / __rmqueue_fallback (4.10) change_pageblock_range()s both pageblocks to UNMOVABLE
        using Machine m = Tiny(v, sticky: false);
        Assert.Equal(4096UL, m.Allocate(0, Gfp.Kernel).Pfn);
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(4096));
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(4608));
    }

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    [InlineData(KernelVersion.V4_10)]
    public void AStickyBlockGivesThePageButKeepsItsTypeAndFreeLists(KernelVersion v)
    {
        using Machine m = Tiny(v, sticky: true);
        // same page as mainline: the fallback search still picks the largest block, 4096 (order 10)
        Assert.Equal(4096UL, m.Allocate(0, Gfp.Kernel).Pfn);
        Assert.Equal(MigrateType.Movable, m.PageblockType(4096));
        Assert.Equal(MigrateType.Movable, m.PageblockType(4608));
        Assert.Equal(1, m.StickyFallbackSteals);
        Assert.Equal(1, m.ExtfragEvents(MigrateType.Unmovable, MigrateType.Movable, claimed: false));
        Assert.Equal(0, m.ExtfragEvents(MigrateType.Unmovable, MigrateType.Movable, claimed: true));
        // expand() of [4096, 5120) down to order 0: halves 4608 (o9), 4352 (o8), ..., 4097 (o0), all on MOVABLE lists
        const int dma32 = 1;
        for (int o = 0; o <= 9; o++)
        {
            Assert.Equal([4096UL + (1UL << o)], m.FreeListPfns(dma32, o, MigrateType.Movable).Where(p => p < 5120));
            Assert.Empty(m.FreeListPfns(dma32, o, MigrateType.Unmovable));
        }
    }

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    public void TheNextKernelPageStillFallsBackAndClaimsAnOrdinaryBlock(KernelVersion v)
    {
        // the unmovable lists are still empty, so the second GFP_KERNEL page falls back again: the largest MOVABLE
        // block is now the order-10 block 5120 (not sticky), which is claimed as in mainline
        using Machine m = Tiny(v, sticky: true);
        m.Allocate(0, Gfp.Kernel);
        Assert.Equal(5120UL, m.Allocate(0, Gfp.Kernel).Pfn);
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(5120));
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(5632));
        Assert.Equal(MigrateType.Movable, m.PageblockType(4096));
        Assert.Equal(1, m.StickyFallbackSteals);
    }

    [Fact]
    public void StickyBlocksSurviveUnmovableChurnWithDebugChecks()
    {
        // Tiny has DebugChecks on: the invariant checker (CheckStickyBlocks) runs after every operation and throws
        // if a sticky pageblock ever becomes anything but MOVABLE/ISOLATE; frees merge back without retyping it
        using Machine m = Tiny(KernelVersion.V6_12, sticky: true);
        var held = new List<(ulong Pfn, int Order)>();
        var rng = new Random(7);
        for (int k = 0; k < 3000; k++)
        {
            if (held.Count > 0 && rng.Next(3) == 0)
            {
                int j = rng.Next(held.Count);
                m.Free(held[j].Pfn, held[j].Order);
                held.RemoveAt(j);
                continue;
            }

            int order = rng.Next(4);
            GfpFlags gfp = rng.Next(2) == 0 ? Gfp.Kernel : Gfp.HighUserMovable;
            AllocResult r = m.Allocate(order, gfp | GfpFlags.NoWarn);
            if (r.Success)
            {
                held.Add((r.Pfn, order));
            }
        }

        Assert.Equal(MigrateType.Movable, m.PageblockType(4096));
        Assert.Equal(MigrateType.Movable, m.PageblockType(4608));
    }

    [Fact]
    public void TheDesignKeepsMainlineZonesAndMakesTheCmaAreaStickyMovable()
    {
        // arm64 QEMU virt 2 GiB, Debian config: the default 64 MiB CMA area ("reserved", 16384 pages)
        BootLayout layout = new LayoutBuilder().ForArm64(2UL << 30).Build();
        using DesignMachine dm = DesignFactory.For(DesignKind.StickyMovable).Build(layout, KernelVersion.V6_1);
        CmaArea area = layout.CmaAreas.Single(a => a.Name == "reserved");
        Assert.Equal([new PfnRange(area.BasePfn, area.BasePfn + area.Count)], dm.Sticky);
        // no MIGRATE_CMA and no ZONE_MOVABLE: the 16384 pages are ordinary managed memory of their zone
        Assert.Equal(0, dm.Machine.Zones.Sum(z => z.NrFreeCmaPages));
        Assert.DoesNotContain(dm.Machine.Zones, z => z.Type == ZoneType.Movable && z.PresentPages > 0);
        Assert.True(dm.Machine.IsStickyPfn(area.BasePfn));
        Assert.False(dm.Machine.IsStickyPfn(area.BasePfn + area.Count));
        Assert.Equal(MigrateType.Movable, dm.Machine.PageblockType(area.BasePfn));
        // the managed total equals mainline's: the area is managed in both
        using DesignMachine cma = DesignFactory.For(DesignKind.MigrateCma).Build(layout, KernelVersion.V6_1);
        Assert.Equal(cma.Machine.TotalFreePages(), dm.Machine.TotalFreePages());
        // an idle area is handed over without migrating anything
        Assert.True(dm.Area("reserved")!.Allocate(4096).Success);
    }
}
