using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// The boot residue's reclaimable slab under kswapd (<see cref="ReclaimModel.ShrinkSlabPages"/>) and 6.1's
/// balance_pgdat loop down to priority 1 (<see cref="ReclaimModel.EndOnNoProgress"/> off; 6.1 mm/vmscan.c
/// balance_pgdat, do_shrink_slab). Expectations worked out by hand from the kernel source and the model's rules.
/// </summary>
public class PinnedResidueSlabTests
{
    // one zone, DMA32 [4096, 4096 + 1048576): 4 GiB of kernel pages and `slab` reclaimable slab pages, with free
    // pages 600 + `slab` below the high watermark before the slab pages were taken, so freeing all of them leaves the
    // node unbalanced and nothing else is reclaimable (no LRU page)
    private static (Machine M, Zone Z) Unbalanced(int slab)
    {
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 4096 + 1048576)]) { DebugChecks = false });
        Zone z = m.Zones[(int)ZoneType.Dma32];
        long target = (long)z.Watermarks.High - 600;
        Assert.True(target - slab > (long)z.Watermarks.Min); // the allocations below stay above the min watermark
        while (z.NrFreePages - 512 >= target + 2048)
        {
            Assert.True(m.Allocate(9, Gfp.Kernel, 0, PageUse.Kernel).Success);
        }

        while (z.NrFreePages > target)
        {
            Assert.True(m.Allocate(0, Gfp.Kernel, 0, PageUse.Kernel).Success);
        }

        for (int k = 0; k < slab; k++)
        {
            Assert.True(m.Allocate(0, Gfp.Kernel | GfpFlags.Reclaimable, 0, PageUse.SlabReclaimable).Success);
        }

        return (m, z);
    }

    // do_shrink_slab's bookkeeping seen from outside: a queue of 199 objects (the deferred split queue of
    // movablecore-hugepages), DEFAULT_SEEKS, SHRINK_BATCH; scan_objects frees what it is asked for
    private sealed class Queue199() : Shrinker(1)
    {
        public long Objects { get; private set; } = 199;

        public List<long> Calls { get; } = [];

        public override long CountObjects(int node) => Objects;

        public override long ScanObjects(int node, long nrToScan)
        {
            Calls.Add(nrToScan);
            long n = Math.Min(nrToScan, Objects);
            Objects -= n;
            return n;
        }
    }

    [Fact]
    public void ThePageShrinkerFreesTheWholeResidueByPriorityOne()
    {
        // The published model: ShrinkSlabPageLru frees min(F, 2 * (F >> priority)) of the F slab pages left, and those
        // count as reclaimed (reclaim_state->reclaimed_slab), so only the rounds at priorities 12 and 11 reclaim
        // nothing, and the no-progress end (below DEF_PRIORITY - 2 only) never fires. With F = 1024:
        //   12: 1024 >> 12 = 0 → 0     11: 0 → 0                  10: 1024 >> 10 = 1 → 2     9: 1022 >> 9 = 1 → 2
        //    8: 1020 >> 8 = 3 → 6       7: 1014 >> 7 = 7 → 14       6: 1000 >> 6 = 15 → 30    5: 970 >> 5 = 30 → 60
        //    4: 910 >> 4 = 56 → 112     3: 798 >> 3 = 99 → 198      2: 600 >> 2 = 150 → 300   1: 300 >> 1 = 150 → 300
        // 2 + 2 + 6 + 14 + 30 + 60 + 112 + 198 + 300 + 300 = 1024: every residue page, still 600 below high.
        (Machine m, Zone z) = Unbalanced(1024);
        var r = new ReclaimModel(m);
        Assert.Equal(1024, r.BalancePgdat(0, 0, (int)ZoneType.Dma32));
        Assert.Equal(0, m.UsePages(0, PageUse.SlabReclaimable));
        Assert.Equal((long)z.Watermarks.High - 600, z.NrFreePages);
    }

    [Fact]
    public void PinnedResidueSlabStaysAllocated()
    {
        // ShrinkSlabPages off: no shrinker counts the residue's pinned dentries and inodes (super_cache_count counts
        // only the s_dentry_lru and s_inode_lru objects), so no round frees any of its pages, at any priority.
        (Machine m, Zone z) = Unbalanced(1024);
        var r = new ReclaimModel(m) { ShrinkSlabPages = false, EndOnNoProgress = false };
        long free = z.NrFreePages;
        Assert.Equal(0, r.BalancePgdat(0, 0, (int)ZoneType.Dma32));
        Assert.Equal(1024, m.UsePages(0, PageUse.SlabReclaimable));
        Assert.Equal(free, z.NrFreePages);
    }

    [Fact]
    public void SixOneSLoopReachesTheQueueAtPriorityOne()
    {
        // A run that reclaims nothing. 6.1's balance_pgdat lowers the priority after every such round ("if
        // (raise_priority || !nr_reclaimed) sc.priority--") down to 1, and shrink_slab runs the shrinker once a round.
        // do_shrink_slab with freeable 199 and DEFAULT_SEEKS: delta = (199 >> priority) * 4 / 2 is 0 at priorities
        // 12-8, then 2, 6, 12, 24, 48, 98, 198 at 7-1; total_scan = (nr_deferred >> priority) + delta stays below
        // SHRINK_BATCH and freeable, so it is deferred: nr_deferred 2, 8, 20, 44, 92, 190 after priorities 7-2
        // (priority 2: 23 + 98 = 121 < 128). Priority 1: 95 + 198 = 293, so scan_objects(128) twice; the 37 left are
        // below the batch and below freeable.
        (Machine m, Zone _) = Unbalanced(0);
        var r = new ReclaimModel(m) { ShrinkSlabPages = false, EndOnNoProgress = false };
        var q = new Queue199();
        r.Shrinkers.Add(q);
        Assert.Equal(0, r.BalancePgdat(0, 0, (int)ZoneType.Dma32));
        Assert.Equal([128, 128], q.Calls);
        Assert.Equal(256, m.Event(VmEvent.SlabsScanned));
    }

    [Fact]
    public void TheModelsNoProgressEndStopsTheRunAtPriorityNine()
    {
        // The published model ends the run after the round at priority 9 (a round that reclaimed nothing below
        // DEF_PRIORITY - 2), where delta is still 0: the queue is never scanned.
        (Machine m, Zone _) = Unbalanced(0);
        var r = new ReclaimModel(m) { ShrinkSlabPages = false };
        var q = new Queue199();
        r.Shrinkers.Add(q);
        Assert.Equal(0, r.BalancePgdat(0, 0, (int)ZoneType.Dma32));
        Assert.Empty(q.Calls);
        Assert.Equal(0, m.Event(VmEvent.SlabsScanned));
    }
}
