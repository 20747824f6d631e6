using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// Reclaim per zone and LRU order on a hand-built node: DMA32 [4096, 8192) and ZONE_MOVABLE [8192, 12288).
/// Zone indices: node 0 × MAX_NR_ZONES 5, so DMA32 = 1, Movable = 3.
/// </summary>
public class ReclaimZoneStatsTests
{
    private const int Dma32 = 1;
    private const int MovableZone = 3;

    private static Machine TwoZones() => new(new MachineSpec(
    [
        MachineSpec.Zone(0, ZoneType.Dma32, 4096, 8192),
        MachineSpec.Zone(0, ZoneType.Movable, 8192, 12288),
    ])
    { DebugChecks = true });

    // 40 clean page-cache pages in ZONE_MOVABLE at tick 1 (GFP_HIGHUSER_MOVABLE reaches ZONE_MOVABLE first), then 40
    // in DMA32 at tick 2 (GFP_USER: gfp_zone NORMAL, no Normal zone, so DMA32); clock at tick 10
    private static (Machine M, ReclaimModel R, List<ulong> Movable, List<ulong> Low) Setup()
    {
        Machine m = TwoZones();
        var r = new ReclaimModel(m);
        LruAgeTracker ages = m.TrackLruAges();
        ages.Advance(1);
        var movable = Enumerable.Range(0, 40).Select(_ => m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.File).Pfn).ToList();
        ages.Advance(2);
        var low = Enumerable.Range(0, 40).Select(_ => m.Allocate(0, Gfp.User, 0, PageUse.File).Pfn).ToList();
        ages.Advance(10);
        return (m, r, movable, low);
    }

    [Fact]
    public void SkippedFoliosAreNotCountedInScanAndGoBackToTheListHead()
    {
        (Machine m, ReclaimModel r, List<ulong> movable, List<ulong> low) = Setup();
        Assert.All(movable, p => Assert.Equal(MovableZone, m.ZoneIndexOf(p)));
        Assert.All(low, p => Assert.Equal(Dma32, m.ZoneIndexOf(p)));

        // A GFP_KERNEL direct reclaim (reclaim_idx = ZONE_NORMAL): priority 12 scans max(80 >> 12, 32) = 32 pages.
        // isolate_lru_folios walks from the tail: the 40 ZONE_MOVABLE folios are skipped (pgskip_movable += 40, not
        // counted in scan), then the 32 oldest DMA32 folios are isolated and reclaimed; total_scan = 72.
        long got = r.DirectReclaim(m, 0, 0, Gfp.Kernel, (int)ZoneType.Normal);
        Assert.Equal(32, got);
        Assert.Equal(40, r.ZoneStats.Skipped[MovableZone]);
        Assert.Equal(40, r.ZoneStats.ScanDirect[MovableZone]);
        Assert.Equal(32, r.ZoneStats.ScanDirect[Dma32]);
        Assert.Equal(32, r.ZoneStats.StealDirect[Dma32]);
        Assert.Equal(0, r.ZoneStats.StealDirect[MovableZone]);
        Assert.Equal(72, m.Event(VmEvent.PgscanDirect));
        Assert.Equal(32, m.Event(VmEvent.PgstealDirect));

        // The skipped folios were spliced to the head in their order: from the tail the list is now the 8 DMA32
        // pages left (low[32] oldest), then movable[0] .. movable[39] (movable[39] at the head).
        Assert.Equal(low[32], m.PfnAt(m.LruTailIndex(0, LruList.InactiveFile)));
        var fromTail = new List<ulong>();
        for (int i = m.LruTailIndex(0, LruList.InactiveFile); i != Machine.Nil; i = m.LruPrevIndex(i))
        {
            fromTail.Add(m.PfnAt(i));
        }

        Assert.Equal(low.Skip(32).Concat(movable), fromTail);
    }

    [Fact]
    public void EveryReclaimedPageLeftTheOlderSkippedPagesResident()
    {
        (Machine m, ReclaimModel r, _, _) = Setup();
        r.DirectReclaim(m, 0, 0, Gfp.Kernel, (int)ZoneType.Normal);
        // the 32 reclaimed DMA32 pages were stamped at tick 2; the 40 ZONE_MOVABLE pages of tick 1 stay resident on the
        // same inactive file list: 32 inverted pages, 32 × 40 = 1280 pairs; age (10 - 2) × 1 s = 8 s, bucket 1 + log2(8) = 4
        Assert.Equal(32, r.ZoneStats.AgedPages);
        Assert.Equal(32, r.ZoneStats.InvertedPages);
        Assert.Equal(1280, r.ZoneStats.InversionPairs);
        Assert.Equal(32, r.ZoneStats.AgeHistogram[4]);
        Assert.Equal(32, r.ZoneStats.AgeHistogram.Sum());
    }

    [Fact]
    public void AMovableRequestReclaimsInLruOrderWithoutInversions()
    {
        (Machine m, ReclaimModel r, List<ulong> movable, _) = Setup();
        // GFP_HIGHUSER_MOVABLE: reclaim_idx = ZONE_MOVABLE, nothing is skipped; the 32 oldest (ZONE_MOVABLE, tick 1)
        // pages go first and no older page stays behind
        r.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Movable);
        Assert.Equal(0, r.ZoneStats.Skipped.Sum());
        Assert.Equal(32, r.ZoneStats.StealDirect[MovableZone]);
        Assert.Equal(0, r.ZoneStats.InvertedPages);
        // age 10 - 1 = 9 s: bucket 1 + floor(log2 9) = 4
        Assert.Equal(32, r.ZoneStats.AgeHistogram[4]);
        Assert.Equal(movable[32], m.PfnAt(m.LruTailIndex(0, LruList.InactiveFile)));
    }

    [Fact]
    public void PgdatBalancedIsDecidedBottomUp()
    {
        // a freshly booted node is above every high watermark: balance_pgdat's first pgdat_balanced check (zones 0 to
        // highest_zoneidx) ends at the lowest populated zone, DMA32; the run's classzone is ZONE_MOVABLE
        using Machine m = TwoZones();
        var r = new ReclaimModel(m);
        Assert.Equal(0, r.BalancePgdat(0, 0, (int)ZoneType.Movable));
        Assert.Equal(1, r.ZoneStats.BalanceClasszone[MovableZone]);
        Assert.Equal(1, r.ZoneStats.BalancedBy[Dma32]);
        Assert.Equal(0, r.ZoneStats.BalancedBy[MovableZone]);
        Assert.Equal(0, r.ZoneStats.Unbalanced.Sum());
    }

    [Fact]
    public void AgesSurviveTheTrackerGrowingPastItsFirstCapacity()
    {
        // the Fenwick tree starts with 1024 ticks and doubles: pages stamped at ticks 1500 and 3000 and 5000
        using Machine m = TwoZones();
        LruAgeTracker ages = m.TrackLruAges();
        ages.Advance(1500);
        m.Allocate(0, Gfp.User, 0, PageUse.File);
        ages.Advance(3000);
        m.Allocate(0, Gfp.User, 0, PageUse.File);
        m.Allocate(0, Gfp.User, 0, PageUse.File);
        ages.Advance(5000);
        m.Allocate(0, Gfp.User, 0, PageUse.File);
        Assert.Equal(1, ages.OlderThan(0, LruList.InactiveFile, 3000));
        Assert.Equal(3, ages.OlderThan(0, LruList.InactiveFile, 5000));
        Assert.Equal(4, ages.OlderThan(0, LruList.InactiveFile, 5001));
        Assert.Equal(0, ages.OlderThan(0, LruList.InactiveFile, 1500));
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.99, 0)]
    [InlineData(1.0, 1)]
    [InlineData(1.99, 1)]
    [InlineData(2.0, 2)]
    [InlineData(1023.0, 10)]
    [InlineData(1e9, ReclaimZoneStats.AgeBuckets - 1)]
    public void AgeBucketsDoubleFromOneSecond(double seconds, int bucket) => Assert.Equal(bucket, ReclaimZoneStats.Bucket(seconds));

    [Fact]
    public void AgeBucketEdgesAreExact()
    {
        // k for [2^(k-1), 2^k): the largest double below 8 is in [4, 8), bucket 3; 8 itself opens bucket 4
        Assert.Equal(3, ReclaimZoneStats.Bucket(Math.BitDecrement(8.0)));
        Assert.Equal(4, ReclaimZoneStats.Bucket(8.0));
        Assert.Equal(1, ReclaimZoneStats.Bucket(Math.BitDecrement(2.0)));
        Assert.Equal(ReclaimZoneStats.AgeBuckets - 1, ReclaimZoneStats.Bucket(double.PositiveInfinity));
        // every power of two and its neighbours, by the definition
        for (int e = 0; e < 40; e++)
        {
            double p = Math.ScaleB(1.0, e);
            Assert.Equal(Math.Min(e + 1, ReclaimZoneStats.AgeBuckets - 1), ReclaimZoneStats.Bucket(p));
            Assert.Equal(Math.Min(e + 1, ReclaimZoneStats.AgeBuckets - 1), ReclaimZoneStats.Bucket(Math.BitIncrement(p)));
            if (e > 0)
            {
                Assert.Equal(Math.Min(e, ReclaimZoneStats.AgeBuckets - 1), ReclaimZoneStats.Bucket(Math.BitDecrement(p)));
            }
        }
    }
}
