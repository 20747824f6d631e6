using ZoneLab.Allocator;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// do_shrink_slab (6.1 mm/vmscan.c) as <see cref="Shrinker.DoShrinkSlab"/> runs it; every expectation is worked out
/// by hand from the function's arithmetic in the comments.
/// </summary>
public class ShrinkerTests
{
    // a shrinker with a fixed number of unused objects that frees whatever it is asked to scan
    private sealed class Pool(long objects, int seeks = Shrinker.DefaultSeeks, long batch = 0) : Shrinker(1, seeks, batch)
    {
        public long Objects { get; private set; } = objects;

        public List<long> Scans { get; } = [];

        public bool Stop { get; set; }

        public override long CountObjects(int node) => Objects;

        public override long ScanObjects(int node, long nrToScan)
        {
            if (Stop)
            {
                return ShrinkStop;
            }

            Scans.Add(nrToScan);
            long freed = Math.Min(nrToScan, Objects);
            Objects -= freed;
            return freed;
        }
    }

    [Fact]
    public void ReclaimPriorityLoopDefersWorkUntilPriorityOne()
    {
        // 199 objects (the movablecore-hugepages guests' deferred split queue), priorities 12 down to 1 as one
        // balance_pgdat run that reclaims nothing goes. delta = (199 >> p) * 4 / 2, total = (nr >> p) + delta:
        // p12..p8: 199 >> p = 0, delta 0, nothing deferred.
        // p7: delta (1)*2 = 2, total 2 (< 128, < 199): no scan, next nr = 0 + 2 - 0 = 2
        // p6: delta (3)*2 = 6, total 0 + 6, nr 8;  p5: (6)*2 = 12, total 0 + 12, nr 20
        // p4: (12)*2 = 24, total 1 + 24 = 25, nr 44;  p3: (24)*2 = 48, total 5 + 48 = 53, nr 92
        // p2: (49)*2 = 98, total 23 + 98 = 121 (< 128, < 199): no scan, nr 190
        // p1: (99)*2 = 198, total 95 + 198 = 293 (<= 2 * 199): batches of 128 while total >= 128: 128, 128 (37 left,
        // < 128 and < 199); scanned 256, next nr = 190 + 198 - 256 = 132
        long[] expectNr = [0, 0, 0, 0, 0, 2, 8, 20, 44, 92, 190];
        var counting = new FixedCount(199);
        for (int p = 12; p >= 2; p--)
        {
            counting.DoShrinkSlab(0, p, out long sc);
            Assert.Equal(0, sc);
            Assert.Equal(expectNr[12 - p], counting.NrDeferred(0));
        }

        long freed = counting.DoShrinkSlab(0, 1, out long scanned);
        Assert.Equal(256, scanned);
        Assert.Equal(256, freed);
        Assert.Equal([128L, 128L], counting.Scans);
        Assert.Equal(132, counting.NrDeferred(0));
    }

    // the count stays put whatever is freed (a queue refilled as fast as it drains), so the sequence above holds
    private sealed class FixedCount(long count) : Shrinker(1)
    {
        public List<long> Scans { get; } = [];

        public override long CountObjects(int node) => count;

        public override long ScanObjects(int node, long nrToScan)
        {
            Scans.Add(nrToScan);
            return nrToScan;
        }
    }

    [Fact]
    public void ASmallCacheIsScannedWholeOnceTotalReachesItsSize()
    {
        // 15 objects at priority 0: delta = 15 * 4 / 2 = 30, total = min(0 + 30, 2 * 15 = 30) = 30 >= 15, so one
        // call of min(128, 30) = 30 objects (more than the cache holds: slabs_scanned counts nr_to_scan, 30), then
        // total 0 < 15 ends it; next nr = 0 + 30 - 30 = 0
        var s = new Pool(15);
        long freed = s.DoShrinkSlab(0, 0, out long scanned);
        Assert.Equal(30, scanned);
        Assert.Equal(15, freed);
        Assert.Equal([30L], s.Scans);
        Assert.Equal(0, s.NrDeferred(0));

        // at DEF_PRIORITY a 15-object cache is not even counted into the deferred work: 15 >> 12 = 0
        var t = new Pool(15);
        t.DoShrinkSlab(0, 12, out long none);
        Assert.Equal(0, none);
        Assert.Equal(0, t.NrDeferred(0));
    }

    [Fact]
    public void SeeksZeroScansHalfAndTheDeferredWorkIsCappedAtTwiceFreeable()
    {
        // seeks 0: delta = freeable / 2 = 500 at any priority; batch 100: total 500 -> five scans of 100
        var s = new Pool(1000, seeks: 0, batch: 100);
        s.DoShrinkSlab(0, 12, out long scanned);
        Assert.Equal(500, scanned);
        Assert.Equal([100L, 100L, 100L, 100L, 100L], s.Scans);

        // SHRINK_STOP at once: nothing scanned; next nr = 0 + delta 250 (500 objects left / 2) - 0 = 250
        s.Stop = true;
        s.DoShrinkSlab(0, 12, out long stopped);
        Assert.Equal(0, stopped);
        Assert.Equal(250, s.NrDeferred(0));

        // the deferred work is capped at 2 * freeable: 500 objects refusing every scan at priority 0 leave
        // nr = min(0 + 500 * 4 / 2 - 0, 2 * 500) = 1000; then 40 objects at priority 12 (DEFAULT_SEEKS: delta 0):
        // total (1000 >> 12) + 0 = 0, no scan; next nr = min(1000 + 0 - 0, 2 * 40) = 80
        var u = new DeferredThenSmaller();
        u.DoShrinkSlab(0, 0, out _);
        Assert.Equal(1000, u.NrDeferred(0));
        u.Count = 40;
        u.DoShrinkSlab(0, 12, out long none);
        Assert.Equal(0, none);
        Assert.Equal(80, u.NrDeferred(0));
    }

    // objects that refuse every scan (SHRINK_STOP)
    private sealed class DeferredThenSmaller() : Shrinker(1)
    {
        public long Count { get; set; } = 500;

        public override long CountObjects(int node) => Count;

        public override long ScanObjects(int node, long nrToScan) => ShrinkStop;
    }

    [Fact]
    public void ShrinkSlabCountsTheShrinkersObjectsAsSlabsScanned()
    {
        // direct reclaim on a machine with nothing on the LRUs runs shrink_slab at every priority from 12 to 0
        // (do_try_to_free_pages reclaims nothing); a registered 199-object shrinker then scans, by the sequence of
        // ReclaimPriorityLoopDefersWorkUntilPriorityOne, 256 objects at priority 1, and at priority 0 (nr 132):
        // delta 398, total min(132 + 398, 2 * 199) = 398: 128, 128, 128 (14 left), 384 more: 640 objects, which
        // vmstat slabs_scanned counts (the page LRUs are empty: no page is scanned)
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones));
        var reclaim = new ReclaimModel(m);
        var s = new FixedCount(199);
        reclaim.Shrinkers.Add(s);
        reclaim.DirectReclaim(m, node: 0, order: 0, Gfp.Kernel, highestZoneIdx: 1);
        Assert.Equal(640, m.Event(VmEvent.SlabsScanned));
        Assert.Equal([128L, 128L, 128L, 128L, 128L], s.Scans);
    }
}
