using ZoneLab.Layout;

namespace ZoneLab.Tests.Layouts;

public class E820TableTests
{
    private static E820Table Qemu2G() => new(new E820Entry[]
    {
        new(0, 0x9fc00, E820Type.Ram),
        new(0x9fc00, 0xa0000, E820Type.Reserved),
        new(0xf0000, 0x100000, E820Type.Reserved),
        new(0x100000, 0x7ffe0000, E820Type.Ram),
        new(0x7ffe0000, 0x80000000, E820Type.Reserved),
    });

    [Fact]
    public void ReservedWinsWhereItOverlapsRam()
    {
        // memmap=256M$0x40000000: the reserved entry (type 2) beats RAM (type 1) in e820__update_table().
        E820Table t = Qemu2G();
        t.RangeAdd(0x40000000, 256UL << 20, E820Type.Reserved);
        t.UpdateTable();
        Assert.Equal(new[]
        {
            "[mem 0x0000000000000000-0x000000000009fbff] usable",
            "[mem 0x000000000009fc00-0x000000000009ffff] reserved",
            "[mem 0x00000000000f0000-0x00000000000fffff] reserved",
            "[mem 0x0000000000100000-0x000000003fffffff] usable",
            "[mem 0x0000000040000000-0x000000004fffffff] reserved",
            "[mem 0x0000000050000000-0x000000007ffdffff] usable",
            "[mem 0x000000007ffe0000-0x000000007fffffff] reserved",
        }, t.Entries.Select(e => e.ToString()));
    }

    [Fact]
    public void MemRemovesRamAboveTheLimitAndKeepsReservedEntries()
    {
        // mem=1G: e820__range_remove(1G, ULLONG_MAX - 1G, E820_TYPE_RAM, 1).
        E820Table t = Qemu2G();
        t.RangeRemove(1UL << 30, ulong.MaxValue - (1UL << 30), E820Type.Ram, true);
        Assert.Equal(0x40000UL, t.EndPfn(X86Boot.MaxArchPfn));
        Assert.Contains(t.Entries, e => e.Type == E820Type.Reserved && e.Start == 0x7ffe0000);
    }

    [Fact]
    public void TrimBiosRangeMakesTheFirstPageReservedAndRemoves640KTo1M()
    {
        var m = QemuX86Machine.Create(2UL << 30, QemuMachineType.Pc, null, string.Empty);
        BootLayout l = X86Boot.Compute(m, KernelCommandLine.Parse(string.Empty));
        // memblock: [0x1000, 0x9f000) and [0x100000, 0x7ffe0000) → pfns [1, 159) and [256, 524256)
        Assert.Equal(new[] { (1UL, 159UL), (256UL, 524256UL) }, l.Memblock.Select(r => (r.StartPfn, r.EndPfn)));
    }

    [Fact]
    public void EndPfnStopsAtTheLimit()
    {
        var t = new E820Table(new E820Entry[] { new(0x100000, 0x180000000, E820Type.Ram) });
        Assert.Equal(0x100000UL, t.EndPfn(0x100000)); // e820__end_of_low_ram_pfn()
        Assert.Equal(0x180000UL, t.EndPfn(X86Boot.MaxArchPfn));
    }
}
