using ZoneLab.Allocator;
using ZoneLab.Reclaim;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// A scan_objects call that takes time inside the background kswapd (6.1 mm/vmscan.c do_shrink_slab, mm/huge_memory.c
/// deferred_split_scan): kswapd can be preempted inside it, the call's nr_scanned reaches slabs_scanned only when it
/// returns, and the balance_pgdat round that called it goes on after that. Expectations worked out by hand.
/// </summary>
public class ShrinkerInFlightTests
{
    // seeks 0 ("trim aggressively": delta = freeable / 2); in the background kswapd every call takes its objects at
    // once and frees them one by one at NsPerObject of kswapd's time, as deferred_split_scan splits its local list
    private sealed class SlowPool(long objects) : Shrinker(1, seeks: 0)
    {
        public const double NsPerObject = 1_000;

        // the calls kswapd is inside, oldest first: objects still to free, and the call's nr_to_scan
        private readonly List<(long Left, long NrToScan)> _inFlight = [];
        private long _taken;

        public long Objects { get; private set; } = objects;

        public List<long> Calls { get; } = [];

        public override long CountObjects(int node) => Objects - _taken;

        public override long ScanObjects(int node, long nrToScan)
        {
            Calls.Add(nrToScan);
            long n = Math.Min(nrToScan, Objects - _taken);
            if (!InBackgroundKswapd)
            {
                Objects -= n;
                return n;
            }

            _taken += n;
            _inFlight.Add((n, nrToScan));
            return n;
        }

        public override long ScanInFlight(int node)
        {
            long n = 0;
            foreach ((long _, long nrToScan) in _inFlight)
            {
                n += nrToScan;
            }

            return n;
        }

        public override double RunInFlight(int node, double budgetNs, out long scannedDone)
        {
            scannedDone = 0;
            double spent = 0;
            while (_inFlight.Count > 0 && spent < budgetNs)
            {
                (long left, long nrToScan) = _inFlight[0];
                for (; left > 0 && spent < budgetNs; left--)
                {
                    _taken--;
                    Objects--;
                    spent += NsPerObject;
                }

                _inFlight[0] = (left, nrToScan);
                if (left == 0)
                {
                    _inFlight.RemoveAt(0);
                    scannedDone += nrToScan;
                }
            }

            return spent;
        }
    }

    [Fact]
    public void SlabsScannedCountsACallWhenItReturnsAndKswapdStaysInsideItUntilThen()
    {
        var m = new Machine(new MachineSpec(TestMachines.Small().Zones));
        var r = new ReclaimModel(m) { SynchronousKswapd = false };
        var pool = new SlowPool(300);
        r.Shrinkers.Add(pool);
        while (!r.KswapdRunning(0))
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, use: PageUse.File).Success);
        }

        // The wake is DMA's boosted one (BackgroundKswapdTests.FillUntilKswapdWakes: DMA block 0's UNMOVABLE pages
        // taken by a movable fallback), so the run reclaims for ZONE_DMA: reclaim_idx DMA, one round at priority 12
        // in the published model. The file LRU first: isolate_lru_folios skips the 12050 older DMA32 pages (ScanNs =
        // 100 ns each, 1.205 ms), then takes 32 clean DMA pages (nr_to_scan's SWAP_CLUSTER_MAX floor) at ScanNs +
        // DropCleanNs = 1100 ns each, 35.2 µs; then shrink_slab: do_shrink_slab with seeks 0 has delta = 300 / 2 =
        // 150, total_scan = min(0 + 150, 600) = 150, so one call of SHRINK_BATCH (128); the remaining 22 are below
        // the batch and below freeable, so the loop ends there. The slice has 50 µs left for the call: 50 objects
        // freed, the call has not returned, slabs_scanned has not counted it, kswapd is still in its run.
        const double skipDma32 = 12_050 * 100;
        r.RunKswapd(skipDma32 + 35_200 + 50_000);
        Assert.Equal([128], pool.Calls);
        Assert.Equal(250, pool.Objects);
        Assert.Equal(0, m.Event(VmEvent.SlabsScanned));
        Assert.Equal(32, m.Event(VmEvent.PgstealKswapd));
        Assert.True(r.KswapdRunning(0));
        Assert.Equal(skipDma32 + 85_200, r.KswapdNs);

        // The next slice starts inside the same call: 77 more objects leave one; the call still has not returned.
        r.RunKswapd(77_000);
        Assert.Equal(173, pool.Objects);
        Assert.Equal(0, m.Event(VmEvent.SlabsScanned));
        Assert.Equal([128], pool.Calls);

        // 1 µs more: the last object, the call returns, do_shrink_slab counts its 128 (count_vm_events(SLABS_SCANNED,
        // shrinkctl->nr_scanned) after scan_objects); no new round starts: the boosted run ends with its round,
        // takes DMA's boost off and, DMA balanced (510 + 32 free, high 93), kswapd sleeps.
        r.RunKswapd(1_000);
        Assert.Equal(172, pool.Objects);
        Assert.Equal(128, m.Event(VmEvent.SlabsScanned));
        Assert.Equal([128], pool.Calls);
        Assert.Equal(skipDma32 + 163_200, r.KswapdNs);
        Assert.False(r.KswapdRunning(0));
        InvariantChecker.Check(m);
    }
}
