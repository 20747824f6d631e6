using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Allocator;

public class WatermarkCalculatorTests
{
    private static List<ZoneWatermarks> Node0(params ulong[] managed)
    {
        var zones = new List<ZoneWatermarks>();
        for (int t = 0; t < managed.Length; t++)
        {
            zones.Add(new ZoneWatermarks(0, (ZoneType)t, managed[t], managed.Length));
        }

        return zones;
    }

    [Fact]
    public void TwoGigQemuGuestByHand()
    {
        // DMA 3840, DMA32 497505 managed at postcore (x86 2 GiB guest, before initrd/initmem are freed).
        // postcore: lowmem_kbytes = (3840 + 497505) * 4 = 2005380; int_sqrt(2005380 * 16) = 5664 KiB.
        // khugepaged: 2 populated zones <= NORMAL -> 512 * 2 * (2 + 9) = 11264 pages (< 5 % of ~480k) = 45056 KiB.
        // pages_min = 11264; DMA tmp = 11264 * 3840 / 501345 = 86; gap = max(86 >> 2, 3840 * 10 / 10000) = 21.
        // DMA32 tmp = 11264 * 497505 / 501345 = 11177; gap = max(2794, 497) = 2794 -> low 13971, high 16765.
        // DMA protection[j>=1] = 497505 / 256 = 1943.
        List<ZoneWatermarks> zones = Node0(3840, 497505, 0, 0, 0);
        var calc = new WatermarkCalculator(zones, 5, KernelVersion.V6_1, new VmSysctls());

        calc.InitPerZoneWmarkMin();
        Assert.Equal(5664, calc.MinFreeKbytes);
        calc.StartKhugepaged();

        Assert.Equal(45056, calc.MinFreeKbytes);
        Assert.Equal((86UL, 107UL, 128UL), (zones[0].Min, zones[0].Low, zones[0].High));
        Assert.Equal((11177UL, 13971UL, 16765UL), (zones[1].Min, zones[1].Low, zones[1].High));
        Assert.Equal(new ulong[] { 0, 1943, 1943, 1943, 1943 }, zones[0].LowmemReserve);
        Assert.Equal(new ulong[] { 0, 0, 0, 0, 0 }, zones[1].LowmemReserve);
    }

    [Fact]
    public void MovableZoneIsLowmemIn61ButCappedIn612()
    {
        // NORMAL 786432 + MOVABLE 524288, min_free_kbytes forced to 10032 (pages_min 2508).
        // 6.1: lowmem_pages includes MOVABLE = 1310720; NORMAL tmp = 2508*786432/1310720 = 1504 (1504.8),
        //      MOVABLE tmp = 2508*524288/1310720 = 1003 (1003.2); gaps max(376, 786)=786, max(250, 524)=524.
        // 6.12: lowmem_pages = 786432 -> NORMAL tmp 2508, gap max(627, 786) = 786; MOVABLE min = clamp(524288/1024, 32, 128) = 128,
        //      gap max(2508*524288/786432 >> 2 = 1672 >> 2 = 418, 524) = 524.
        var s61 = new VmSysctls { UserMinFreeKbytes = 10032, TransparentHugepages = false };
        List<ZoneWatermarks> z61 = Node0(0, 0, 786432, 524288, 0);
        new WatermarkCalculator(z61, 5, KernelVersion.V6_1, s61).WriteMinFreeKbytes(10032);
        Assert.Equal((1504UL, 2290UL, 3076UL), (z61[2].Min, z61[2].Low, z61[2].High));
        Assert.Equal((1003UL, 1527UL, 2051UL), (z61[3].Min, z61[3].Low, z61[3].High));

        List<ZoneWatermarks> z612 = Node0(0, 0, 786432, 524288, 0);
        new WatermarkCalculator(z612, 5, KernelVersion.V6_12, new VmSysctls()).WriteMinFreeKbytes(10032);
        Assert.Equal((2508UL, 3294UL, 4080UL), (z612[2].Min, z612[2].Low, z612[2].High));
        Assert.Equal((128UL, 652UL, 1176UL), (z612[3].Min, z612[3].Low, z612[3].High));
    }

    [Fact]
    public void LowmemReserveDefaultRatios()
    {
        // DMA 3840, DMA32 1000000, NORMAL 786432, MOVABLE 524288:
        // DMA:   [1]=1000000/256=3906, [2]=1786432/256=6978, [3]=2310720/256=9026, [4]=9026
        // DMA32: [2]=786432/256=3072, [3]=1310720/256=5120
        // NORMAL: [3]=524288/32=16384; MOVABLE ratio 0 -> zeros.
        List<ZoneWatermarks> zones = Node0(3840, 1000000, 786432, 524288, 0);
        new WatermarkCalculator(zones, 5, KernelVersion.V6_1, new VmSysctls()).SetupPerZoneLowmemReserve();
        Assert.Equal(new ulong[] { 0, 3906, 6978, 9026, 9026 }, zones[0].LowmemReserve);
        Assert.Equal(new ulong[] { 0, 0, 3072, 5120, 5120 }, zones[1].LowmemReserve);
        Assert.Equal(new ulong[] { 0, 0, 0, 16384, 16384 }, zones[2].LowmemReserve);
        Assert.Equal(new ulong[] { 0, 0, 0, 0, 0 }, zones[3].LowmemReserve);
    }

    [Fact]
    public void EmptyLowerZoneHasNoReserveSince6xButHadOneIn410()
    {
        // DMA32 empty, NORMAL 1000: v6.1 clears an empty zone's reserves; v4.10 computed
        // DMA32.lowmem_reserve[NORMAL] = 1000 / 256 = 3 all the same.
        List<ZoneWatermarks> z61 = Node0(100, 0, 1000, 0, 0);
        new WatermarkCalculator(z61, 5, KernelVersion.V6_1, new VmSysctls()).SetupPerZoneLowmemReserve();
        Assert.Equal(0UL, z61[1].LowmemReserve[2]);
        Assert.Equal(3UL, z61[0].LowmemReserve[2]);

        List<ZoneWatermarks> z410 = Node0(100, 0, 1000, 0, 0);
        new WatermarkCalculator(z410, 5, KernelVersion.V4_10, new VmSysctls()).SetupPerZoneLowmemReserve();
        Assert.Equal(3UL, z410[1].LowmemReserve[2]);
        Assert.Equal(3UL, z410[0].LowmemReserve[2]);
    }

    [Theory]
    [InlineData(16UL * 1024 * 1024 / 4, 16384)] // 16 GiB lowmem -> 16384 KiB (table in calculate_min_free_kbytes)
    [InlineData(1024UL * 1024 / 4, 4096)] // 1 GiB -> 4096 KiB
    [InlineData(4096UL, 512)] // 16 MiB -> int_sqrt(16384*16) = 512 KiB
    [InlineData(16UL, 128)] // 64 KiB -> int_sqrt(1024) = 32, clamped up to 128
    [InlineData(4UL * 1024 * 1024 * 1024 / 4, 262144)] // 4 TiB -> sqrt gives 262144 exactly, clamp upper
    public void MinFreeKbytesFollowsTheSqrtTable(ulong pages, int expected)
    {
        List<ZoneWatermarks> zones = Node0(0, 0, pages, 0, 0);
        var calc = new WatermarkCalculator(zones, 5, KernelVersion.V6_1, new VmSysctls());
        calc.CalculateMinFreeKbytes();
        Assert.Equal(expected, calc.MinFreeKbytes);
    }

    [Fact]
    public void UserMinFreeKbytesWinsWhenLarger()
    {
        List<ZoneWatermarks> zones = Node0(0, 0, 262144, 0, 0); // 1 GiB -> 4096 computed
        var sysctls = new VmSysctls { UserMinFreeKbytes = 100000 };
        var calc = new WatermarkCalculator(zones, 5, KernelVersion.V6_1, sysctls);
        calc.CalculateMinFreeKbytes();
        Assert.Equal(100000, calc.MinFreeKbytes);
    }
}

public class BootSysctlReplayTests
{
    [Fact]
    public void SysctlMinFreeKbytesOnTheCommandLineIsAppliedWithTheFinalManagedCounts()
    {
        // The 2 GiB Debian boot (DMA 3840, DMA32 499760 managed in the file) with sysctl.vm.min_free_kbytes=65536
        // added to its command line: do_sysctl_args runs after free_initmem, so the final managed counts apply.
        // pages_min 16384: DMA 16384*3840/503600 = 124, gap max(31, 3) -> 124/155/186;
        // DMA32 16384*499760/503600 = 16259, gap max(4064, 499) -> 16259/20323/24387.
        // lowmem_reserve is untouched: still the postcore value 497505/256 = 1943.
        string dir = FixturePath.Get("wmark", "x86_64-debian-6.1__v01-2g-default");
        var zones = ZoneLab.Procfs.ZoneinfoReader.Parse(File.ReadAllText(Path.Combine(dir, "zoneinfo.txt")));
        string dmesg = File.ReadAllText(Path.Combine(dir, "dmesg.txt"))
            .Replace("Kernel command line: console=ttyS0", "Kernel command line: sysctl.vm.min_free_kbytes=65536 console=ttyS0", StringComparison.Ordinal);
        WatermarkCalculator calc = new BootWatermarkReplay().Run(zones, ZoneLab.Procfs.DmesgLateFrees.Parse(dmesg));
        Assert.Equal(65536, calc.MinFreeKbytes);
        Assert.Equal((124UL, 155UL, 186UL), (calc.Zones[0].Min, calc.Zones[0].Low, calc.Zones[0].High));
        Assert.Equal((16259UL, 20323UL, 24387UL), (calc.Zones[1].Min, calc.Zones[1].Low, calc.Zones[1].High));
        Assert.Equal(1943UL, calc.Zones[0].LowmemReserve[1]);
    }

    [Fact]
    public void TransparentHugepageNeverKeepsTheSqrtMinimum()
    {
        // Without khugepaged, min_free_kbytes stays int_sqrt(lowmem_kbytes * 16) of postcore:
        // (3840 + 497505) * 4 = 2005380 KiB -> int_sqrt(32086080) = 5664.
        string dir = FixturePath.Get("wmark", "x86_64-debian-6.1__v01-2g-default");
        var zones = ZoneLab.Procfs.ZoneinfoReader.Parse(File.ReadAllText(Path.Combine(dir, "zoneinfo.txt")));
        string dmesg = File.ReadAllText(Path.Combine(dir, "dmesg.txt"))
            .Replace("Kernel command line: console=ttyS0", "Kernel command line: transparent_hugepage=never console=ttyS0", StringComparison.Ordinal);
        WatermarkCalculator calc = new BootWatermarkReplay().Run(zones, ZoneLab.Procfs.DmesgLateFrees.Parse(dmesg));
        Assert.Equal(5664, calc.MinFreeKbytes);
    }
}
