using ZoneLab.Allocator;
using ZoneLab.Reclaim;

namespace ZoneLab.Oracle;

// THP deferred split (6.1 mm/huge_memory.c): a THP that MADV_DONTNEED unmaps in part is not split at once.
// zap_pmd_range -> __split_huge_pmd only splits the PMD mapping; page_remove_rmap -> deferred_split_huge_page puts
// the folio on a deferred split queue (thp_deferred_split_page) and its memory stays allocated. The
// deferred_split_shrinker (DEFAULT_SEEKS, SHRINKER_NUMA_AWARE | SHRINKER_MEMCG_AWARE) splits queued folios when
// shrink_slab runs it under reclaim, or when drop_caches runs drop_slab; split_huge_page then frees the unmapped
// subpages (thp_split_page).
//
// The queue is the root memcg's, one for every node. Debian's 6.1 kernels have the memory controller on, and the
// guest's tasks sit in the root cgroup: do_huge_pmd_anonymous_page charges the THP there (mem_cgroup_charge ->
// charge_memcg -> commit_charge sets folio->memcg_data even though try_charge does nothing for the root), so
// get_deferred_split_queue gives &root_mem_cgroup->deferred_split_queue, not the node's. Global reclaim for node N
// (shrink_node_memcgs from the root; shrink_slab walks shrinker_list with sc.nid = N, sc.memcg = root) reads and
// scans that queue in deferred_split_count and deferred_split_scan ("if (sc->memcg) ds_queue =
// &sc->memcg->deferred_split_queue"), whatever node its folios are on. Only nr_deferred stays per node (the root
// memcg's shrinker_info of node N: xchg_nr_deferred_memcg).
public sealed partial class OracleEngineRunner
{
    private sealed class QueuedThp(Holding h, ulong pfn, int keep)
    {
        public Holding H { get; } = h;

        public ulong Pfn { get; set; } = pfn;

        public int Keep { get; } = keep;
    }

    private List<QueuedThp>? _splitQueue;   // the root memcg's queue, oldest first (list_add_tail, scanned from the head)
    private readonly Dictionary<ulong, QueuedThp> _queuedAt = [];

    /// <summary>Folios split by the shrinker (vmstat thp_split_page), for the tests.</summary>
    internal long ThpSplitPages { get; private set; }

    /// <summary>Folios queued by a partial unmap (vmstat thp_deferred_split_page).</summary>
    internal long ThpDeferredSplitPages { get; private set; }

    /// <summary>The deferred split shrinker, once a THP was queued (tests drive it).</summary>
    internal Shrinker? SplitShrinker { get; private set; }

    // mirrors deferred_split_huge_page: the folio joins the tail of its memcg's queue (get_deferred_split_queue:
    // the root memcg's, for a folio of any node)
    private void DeferSplit(Holding h, ulong pfn, int keep)
    {
        if (_splitQueue == null)
        {
            _splitQueue = [];
            SplitShrinker = new DeferredSplitShrinker(this);
            _reclaim.Shrinkers.Add(SplitShrinker);
        }
        var q = new QueuedThp(h, pfn, keep);
        _splitQueue.Add(q);
        _queuedAt[pfn] = q;
        ThpDeferredSplitPages++;
    }

    // the queued folio still exists (not freed by munmap, which takes it off the queue: free_transhuge_page)
    private bool StillQueued(QueuedThp q) =>
        _queuedAt.TryGetValue(q.Pfn, out QueuedThp? at) && at == q && _tag[Ix(q.Pfn)] == q.H.Id && _m.IsAllocatedHead(q.Pfn, out int o) && o == Pageblock.Order;

    // a queued THP that compaction or alloc_contig_range moved whole keeps its place in the queue
    private void OnQueuedThpMigrated(ulong from, ulong to)
    {
        if (_queuedAt.Remove(from, out QueuedThp? q))
        {
            q.Pfn = to;
            _queuedAt[to] = q;
        }
    }

    // deferred_split_shrinker (6.1 mm/huge_memory.c): DEFAULT_SEEKS, batch 0, SHRINKER_NUMA_AWARE |
    // SHRINKER_MEMCG_AWARE; shrink_slab runs it through do_shrink_slab (Shrinker.DoShrinkSlab) with the node's own
    // nr_deferred, on the root memcg's queue
    private sealed class DeferredSplitShrinker(OracleEngineRunner r) : Shrinker(r._m.NodeCount)
    {
        // mirrors deferred_split_count: sc->memcg's queue length (split_queue_len; freed folios left it in
        // free_transhuge_page), the same for every sc->nid
        public override long CountObjects(int node)
        {
            List<QueuedThp> queue = r._splitQueue!;
            queue.RemoveAll(q => !r.StillQueued(q));
            return queue.Count;
        }

        // deferred_split_scan's calls that the background kswapd is inside, oldest first: the folios each took off
        // the queue (its local list) and its nr_to_scan
        private readonly List<(List<QueuedThp> Folios, long NrToScan)>[] _inFlight = NewInFlight(r._m.NodeCount);

        // SHRINK_STOP when nothing was split and the queue is empty
        public override long ScanObjects(int node, long nrToScan)
        {
            if (InBackgroundKswapd && r._reclaim.CostModel.ThpSplitPerPageNs > 0)
            {
                // the call takes its folios off the queue at once ("Take pin on all head pages"), then splits them one
                // by one, each split_huge_page taking time: kswapd (a nice-0 thread on the guest's one CPU) can be
                // preempted between them and the workload's task runs on. do_shrink_slab's loop waits for the call;
                // a call that takes no folio returns at once
                List<QueuedThp> taken = r.TakeFromSplitQueue(nrToScan);
                if (taken.Count == 0)
                {
                    return r._splitQueue!.Count == 0 ? ShrinkStop : 0;
                }

                _inFlight[node].Add((taken, nrToScan));
                return taken.Count;
            }

            long split = r.DeferredSplitScan(nrToScan);
            return split == 0 && r._splitQueue!.Count == 0 ? ShrinkStop : split;
        }

        public override long ScanInFlight(int node)
        {
            long n = 0;
            foreach ((List<QueuedThp> _, long nrToScan) in _inFlight[node])
            {
                n += nrToScan;
            }

            return n;
        }

        // mirrors deferred_split_scan's second loop: split_huge_page on each folio of the local list, from its head
        // (the last folio taken off the queue first); the call returns (and do_shrink_slab counts its nr_to_scan in
        // slabs_scanned) after its last folio
        public override double RunInFlight(int node, double budgetNs, out long scannedDone)
        {
            scannedDone = 0;
            double spent = 0;
            List<(List<QueuedThp> Folios, long NrToScan)> calls = _inFlight[node];
            while (calls.Count > 0 && spent < budgetNs)
            {
                (List<QueuedThp> folios, long nrToScan) = calls[0];
                while (folios.Count > 0 && spent < budgetNs)
                {
                    QueuedThp q = folios[0];
                    folios.RemoveAt(0);
                    if (r.StillQueued(q))
                    {
                        r.SplitThinnedThp(q.H, q.Pfn, q.Keep);
                        r.ThpSplitPages++;
                        spent += Pageblock.NrPages * r._reclaim.CostModel.ThpSplitPerPageNs;
                    }

                    r._queuedAt.Remove(q.Pfn);
                }

                if (folios.Count == 0)
                {
                    calls.RemoveAt(0);
                    scannedDone += nrToScan;
                }
            }

            return spent;
        }

        private static List<(List<QueuedThp>, long)>[] NewInFlight(int nodes)
        {
            var a = new List<(List<QueuedThp>, long)>[nodes];
            for (int n = 0; n < nodes; n++)
            {
                a[n] = [];
            }

            return a;
        }
    }

    // deferred_split_scan's first loop: up to nr_to_scan folios leave the queue's head for the call's own list
    // (folios already freed leave the queue without being taken: free_transhuge_page). list_move puts each one at
    // the HEAD of the local list, and the second loop walks that list from its head, so a call splits its folios in
    // the reverse of their queue order: the last one taken first
    private List<QueuedThp> TakeFromSplitQueue(long nrToScan)
    {
        List<QueuedThp> queue = _splitQueue!;
        int n = (int)Math.Min(nrToScan, queue.Count);
        var taken = new List<QueuedThp>(n);
        for (int k = n - 1; k >= 0; k--)
        {
            if (StillQueued(queue[k]))
            {
                taken.Add(queue[k]);
            }
            else
            {
                _queuedAt.Remove(queue[k].Pfn);
            }
        }

        queue.RemoveRange(0, n);
        return taken;
    }

    // mirrors deferred_split_scan when its splits take no time (the published table: ThpSplitPerPageNs 0): up to
    // nr_to_scan folios from the queue's head are split, and split_huge_page frees the unmapped subpages and leaves
    // the mapped ones in place. The kernel splits them last-taken first (TakeFromSplitQueue); here they are freed in
    // queue order, as before: with all of them split at once only the order of the frees on the free lists differs,
    // and the kernel's order moved two rows out of the target (docs/fidelity.md, "Round 12")
    private long DeferredSplitScan(long nrToScan)
    {
        List<QueuedThp> queue = _splitQueue!;
        long split = 0;
        int n = (int)Math.Min(nrToScan, queue.Count);
        for (int k = 0; k < n; k++)
        {
            QueuedThp q = queue[k];
            if (StillQueued(q))
            {
                SplitThinnedThp(q.H, q.Pfn, q.Keep);
                split++;
            }
            _queuedAt.Remove(q.Pfn);
        }
        queue.RemoveRange(0, n);
        ThpSplitPages += split;
        return split;
    }

    // drop_caches 2/3 -> drop_slab -> drop_slab_node(0) -> shrink_slab(priority 0) for the root memcg: do_shrink_slab's
    // total_scan is 2 * freeable, so the whole queue goes in calls of SHRINK_BATCH from its head, each split in
    // reverse; the other nodes then find it empty
    private void DropSlabDeferredSplit()
    {
        if (_splitQueue == null)
        {
            return;
        }
        _splitQueue.RemoveAll(q => !StillQueued(q));
        while (_splitQueue.Count > 0)
        {
            DeferredSplitScan(Shrinker.ShrinkBatch);
        }
    }

    private long SplitThinnedThp(Holding h, ulong pfn, int keep)
    {
        h.Blocks.Remove((pfn, Pageblock.Order, PageUse.Anon));
        _m.SplitAllocated(pfn, Pageblock.Order);
        long freed = 0;
        for (ulong j = 0; j < Pageblock.NrPages; j++)
        {
            if ((long)j % keep == 0)
            {
                TagPage(h, pfn + j);
            }
            else
            {
                _m.Free(pfn + j, 0);
                freed++;
            }
        }
        return freed;
    }
}
