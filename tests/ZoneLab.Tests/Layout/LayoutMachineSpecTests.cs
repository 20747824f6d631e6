using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Layouts;

public class LayoutMachineSpecTests
{
    [Fact]
    public void A2GiBGuestBootsWithItsManagedPagesFree()
    {
        // 2 GiB pc guest: DMA present 3998, managed estimate 3840 (everything below 1 MiB reserved).
        BootLayout layout = new LayoutBuilder().FromQemu(2UL << 30).Build();
        var machine = new Machine(LayoutMachineSpec.Create(layout));
        ulong managed = layout.AllZones.Aggregate(0UL, (a, z) => a + z.Managed);
        Assert.Equal((long)managed, machine.TotalFreePages());
        Assert.Equal(5, machine.MaxNrZones);
    }
}
