using ZoneLab.Metrics;
using ZoneLab.Workloads;

namespace ZoneLab.Tests.Metrics;

/// <summary>
/// The bandwidth model (docs/bandwidth.md) on hand-computed cases: two controllers, c0 = [0, 1 MiB) = pfns 0..255 and
/// c1 = [1 MiB, 2 MiB) = pfns 256..511, 2 GB/s each unless stated.
/// </summary>
public class BandwidthModelTests
{
    private static readonly MemoryController[] s_two =
    [
        new("c0", [new PhysicalRange(0, 1 << 20)], 2e9),
        new("c1", [new PhysicalRange(1 << 20, 1 << 20)], 2e9),
    ];

    private static AnonActor Anon(double access) => new() { Name = "a", Rate = ScenarioDistribution.Constant(1, QuantityUnit.BytesPerSecond), AccessBytesPerSecond = access };

    [Theory]
    // all 12 GB/s on one 8 GB/s controller: 8/12 of the demand
    [InlineData(0, 12, 2, 0, 8.0 / 12)]
    // 6 + 2 on c0 = 8 (just fits), 6 on c1: nothing lost
    [InlineData(6, 6, 2, 0, 1.0)]
    // 7 + 2 = 9 on c0: 8/9
    [InlineData(7, 5, 2, 0, 8.0 / 9)]
    // c0 overloaded by the device alone does not slow a workload that only uses c1
    [InlineData(0, 4, 10, 0, 1.0)]
    public void AchievedFractionIsTheSlowestWorkloadController(double w0, double w1, double d0, double d1, double expected)
    {
        MemoryController[] eight = [s_two[0] with { BandwidthBytesPerSecond = 8 }, s_two[1] with { BandwidthBytesPerSecond = 8 }];
        Assert.Equal(expected, BandwidthModel.AchievedFraction(eight, [w0, w1], [d0, d1]), 12);
    }

    [Theory]
    [InlineData(2, 12, 2.0 / 12)]
    [InlineData(5, 5, 1.0)]
    [InlineData(0, 3, 0.0)]
    [InlineData(0, 0, 0.0)]
    public void BalanceIsMinOverMax(double a, double b, double expected) => Assert.Equal(expected, BandwidthModel.Balance([a, b]), 12);

    [Fact]
    public void SamplerSpreadsAccessByPagesAndWeightsByTime()
    {
        var s = new BandwidthSampler(s_two);
        AnonActor a = Anon(4e9);
        var dev = new CmaActor { Name = "vdec", Device = "vdec", SizeBytes = 1 << 14, AccessBytesPerSecond = 2e9 };
        // sample 1 (1 s): a has 3 pages on c0 and 1 on c1 -> 3 and 1 GB/s; the device's 4 pages on c0 -> 2 GB/s there.
        // c0 carries 5 GB/s of 2: the workload runs at 2/5 -> 1.6 GB/s.
        s.AddPages(a, 0, 3);
        s.AddPages(a, 256, 1);
        s.AddPages(dev, 10, 4);
        s.EndSample(1);
        // sample 2 (3 s): a has 4 pages on c1 -> 4 GB/s there, at 2/4 -> 2 GB/s; the device holds nothing.
        s.AddPages(a, 300, 4);
        s.EndSample(3);
        BandwidthReport r = s.Report();
        // time averages over 4 s: c0 workload (3*1 + 0*3)/4 = 0.75, c1 (1*1 + 4*3)/4 = 3.25, c0 device 2*1/4 = 0.5 GB/s
        Assert.Equal(0.75e9, r.Controllers[0].WorkloadBytesPerSecond, 1);
        Assert.Equal(3.25e9, r.Controllers[1].WorkloadBytesPerSecond, 1);
        Assert.Equal(0.5e9, r.Controllers[0].DeviceBytesPerSecond, 1);
        Assert.Equal(0.0, r.Controllers[1].DeviceBytesPerSecond);
        Assert.Equal(4e9, r.DemandBytesPerSecond, 1);
        Assert.Equal(((1.6e9 * 1) + (2e9 * 3)) / 4, r.AchievableBytesPerSecond, 1);
        // loads 1.25 and 3.25 of 4.5 GB/s
        Assert.Equal(1.25 / 4.5, r.Controllers[0].Share, 12);
        Assert.Equal(3.25 / 4.5, r.Controllers[1].Share, 12);
        Assert.Equal(0.75 / 4.0, r.Controllers[0].WorkloadShare, 12);
        Assert.Equal(1.25 / 3.25, r.Balance, 12);
    }

    [Fact]
    public void PagesOutsideEveryControllerTakeTheirPartOfTheAccessButLoadNothing()
    {
        var s = new BandwidthSampler(s_two);
        AnonActor a = Anon(4e9);
        // 2 pages on c0, 2 at pfn 600.. (beyond c1's end at 512): half of the 4 GB/s goes to c0
        s.AddPages(a, 254, 4); // 254, 255 on c0; 256, 257 on c1
        s.AddPages(a, 600, 2);
        s.EndSample(1);
        BandwidthReport r = s.Report();
        Assert.Equal(4e9 * 2 / 6, r.Controllers[0].WorkloadBytesPerSecond, 1);
        Assert.Equal(4e9 * 2 / 6, r.Controllers[1].WorkloadBytesPerSecond, 1);
        Assert.Equal(4e9, r.AchievableBytesPerSecond, 1);
    }
}
