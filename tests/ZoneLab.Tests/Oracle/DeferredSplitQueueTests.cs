using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Oracle;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The deferred split queue as 6.1 keeps it under Debian's memory controller (mm/huge_memory.c
/// get_deferred_split_queue, deferred_split_count, deferred_split_scan): one queue, the root memcg's, for the THPs of
/// every node, read whatever node reclaim runs for; and a deferred_split_scan call splits the folios it took in the
/// reverse of their queue order. Expected values worked out by hand from do_shrink_slab (mm/vmscan.c).
/// </summary>
public class DeferredSplitQueueTests
{
    private static (OracleEngineRunner Runner, Shrinker Split) AnonThenThin(string workload, string arch, string anon, int keep, ReclaimCostModel? costs = null)
    {
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", workload, arch);
        OracleRecording rec = OracleRecording.Read(OracleCompare.Runs(dir)[0]);
        OracleWorkload full = OracleWorkloadLoader.LoadFile(Path.Combine(OracleWorkloadTests.Root, "oracle", "workloads", workload + ".yaml"));
        string machine = workload == "numa-two-nodes" ? "{mem: 768M, numa: [384M, 384M]}" : "{mem: 768M, cmdline: movablecore=256M}";
        OracleWorkload w = OracleWorkloadLoader.Load(
            $"description: anon then thin\nmachine: {machine}\nsteps:\n  - anon: {{name: a, size: {anon}}}\n  - thin: {{name: a, keep: {keep}}}\n",
            "test.yaml",
            full.Name);
        OracleEngineRunner r = costs == null ? OracleEngineRunner.Run(w, rec) : OracleEngineRunner.Run(w, rec, costs);
        Assert.NotNull(r.SplitShrinker);
        return (r, r.SplitShrinker!);
    }

    private static long NodeFree(Machine m, int node)
    {
        long free = 0;
        foreach (Zone z in m.Zones)
        {
            if (z.Node == node)
            {
                free += z.NrFreePages;
            }
        }

        return free;
    }

    private static long ZoneFree(Machine m, ZoneType type)
    {
        foreach (Zone z in m.Zones)
        {
            if (z.Type == type)
            {
                return z.NrFreePages;
            }
        }

        throw new InvalidOperationException(type.ToString());
    }

    [Theory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    public void ReclaimForTheOtherNodeSplitsTheRootMemcgsQueue(string arch)
    {
        // numa-two-nodes: 450M of anonymous memory from a task on node 0. vma_alloc_folio tries a THP on the local node
        // only (__GFP_THISNODE | __GFP_NORETRY; GFP_TRANSHUGE_LIGHT has no __GFP_DIRECT_RECLAIM for the remote retry),
        // so every THP is on node 0 and node 1 gets small pages (thp_deferred_split_page of run1: 151 on arm64, 137 on
        // x86_64). thin keep 4 queues each THP on the root memcg's queue.
        (OracleEngineRunner r, Shrinker split) = AnonThenThin("numa-two-nodes", arch, "450M", 4);
        using (r)
        {
            long n = r.Snapshots[2].Vmstat["thp_deferred_split_page"];
            Assert.InRange(n, 128, 255);

            // deferred_split_count reads sc->memcg's queue for any sc->nid: node 1 sees node 0's folios
            Assert.Equal(n, split.CountObjects(0));
            Assert.Equal(n, split.CountObjects(1));

            // shrink_slab for node 1 at priority 1: freeable n, delta = (n >> 1) * 4 / DEFAULT_SEEKS = 2 * (n >> 1),
            // between 128 and 254, so one call of SHRINK_BATCH 128 (what is left is under 128 and under freeable),
            // and nr_deferred[1] keeps delta - 128. The call takes the queue's first 128 folios, all on node 0, and
            // each split frees 384 of its 512 pages (keep 4) to node 0.
            long free0 = NodeFree(r.Machine, 0), free1 = NodeFree(r.Machine, 1);
            long freed = split.DoShrinkSlab(1, 1, out long scanned);
            Assert.Equal(128, scanned);
            Assert.Equal(128, freed);
            Assert.Equal(128 * 384, NodeFree(r.Machine, 0) - free0);
            Assert.Equal(0, NodeFree(r.Machine, 1) - free1);
            Assert.Equal((2 * (n >> 1)) - 128, split.NrDeferred(1));
            Assert.Equal(0, split.NrDeferred(0));
            Assert.Equal(n - 128, split.CountObjects(0));
        }
    }

    [Fact]
    public void ACallSplitsTheFoliosItTookLastFirst()
    {
        // movablecore-hugepages arm64: ZONE_MOVABLE (movablecore=256M) comes first in GFP_HIGHUSER_MOVABLE's zonelist,
        // so the 400M mapping's first THPs fill it and the rest go to DMA. The guest's Movable has 60797 free pages at
        // step 0 (run1's buddyinfo), under 119 pageblocks, so at most 118 of the 199 queued THPs are Movable's: queue
        // places 124-128 are DMA's, places 1-5 Movable's.
        var costs = new ReclaimCostModel { ThpSplitPerPageNs = 1_000 };
        (OracleEngineRunner r, Shrinker split) = AnonThenThin("movablecore-hugepages", "arm64", "400M", 8, costs);
        using (r)
        {
            Assert.Equal(199, split.CountObjects(0));
            long dma = ZoneFree(r.Machine, ZoneType.Dma), movable = ZoneFree(r.Machine, ZoneType.Movable);

            // kswapd's shrink_slab at priority 1: delta = (199 >> 1) * 4 / 2 = 198, one call of 128 (70 left, under 128
            // and under 199). deferred_split_scan list_moves the first 128 folios to the head of its local list one by
            // one and splits from that head: queue place 128 first, then 127, ... Each split is 512 * 1 µs of
            // kswapd's time; after 5 of them the call is still open with 123 folios to go.
            split.InBackgroundKswapd = true;
            split.DoShrinkSlab(0, 1, out long _);
            split.InBackgroundKswapd = false;
            Assert.Equal(128, split.ScanInFlight(0));
            split.RunInFlight(0, 5 * 512 * 1_000.0, out long done);
            Assert.Equal(0, done);
            Assert.Equal(128, split.ScanInFlight(0));

            // places 128..124 are DMA's: 5 splits of 448 freed pages (keep 8) there, none in Movable
            Assert.Equal(5 * 448, ZoneFree(r.Machine, ZoneType.Dma) - dma);
            Assert.Equal(0, ZoneFree(r.Machine, ZoneType.Movable) - movable);
        }
    }
}
