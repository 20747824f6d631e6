using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Designs;

public class DesignBuildTests
{
    // arm64 QEMU virt 2 GiB, Debian config: the default 64 MiB CMA area ("reserved"), 16384 pages.
    private static BootLayout Arm64TwoGiB() => new LayoutBuilder().ForArm64(2UL << 30).Build();

    [Fact]
    public void MigrateCmaMakesTheAreaCmaPageblocksThatMovableRequestsMayUse()
    {
        BootLayout layout = Arm64TwoGiB();
        using DesignMachine dm = DesignFactory.For(DesignKind.MigrateCma).Build(layout, KernelVersion.V6_1);
        Assert.Equal(16384UL, dm.Area("reserved")!.Count);
        Zone z = dm.Machine.Zones.Single(z => z.PresentPages > 0);
        Assert.Equal(16384, z.NrFreeCmaPages);
        CmaAllocZero(dm);
    }

    [Fact]
    public void CarveoutTakesTheAreaOutOfManagedMemory()
    {
        BootLayout layout = Arm64TwoGiB();
        using DesignMachine cma = DesignFactory.For(DesignKind.MigrateCma).Build(layout, KernelVersion.V6_1);
        using DesignMachine carve = DesignFactory.For(DesignKind.Carveout).Build(layout, KernelVersion.V6_1);
        // The carve-out's 16384 pages are not managed and not free; no CMA pageblocks exist.
        Assert.Equal(cma.Machine.TotalFreePages() - 16384, carve.Machine.TotalFreePages());
        Assert.Equal(0, carve.Machine.Zones.Sum(z => z.NrFreeCmaPages));
        Assert.True(carve.Area("reserved")!.Allocate(16384).Success);
    }

    private static void CmaAllocZero(DesignMachine dm)
    {
        var r = dm.Area()!.Allocate(4096);
        Assert.True(r.Success);
        Assert.Equal(0, r.Work.Migrated);
    }
}
