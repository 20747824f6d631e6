using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Layout;

namespace ZoneLab.Reclaim;

/// <summary>
/// Page reclaim at model level (mm/vmscan.c): kswapd's <c>balance_pgdat</c> until <c>pgdat_balanced</c>, direct
/// reclaim of <c>SWAP_CLUSTER_MAX</c> pages, LRU aging, clean vs dirty page cache vs anonymous memory (swap on/off),
/// and the OOM killer. Reclaim is node based: the node's LRU lists are scanned from the tail, skipping blocks in
/// zones above the request's highest zone. Work is charged to <see cref="Costs"/> (simulated time).
/// </summary>
public sealed class ReclaimModel : IMemoryPressureHandler
{
    /// <summary><c>SWAP_CLUSTER_MAX</c>.</summary>
    public const int SwapClusterMax = 32;

    /// <summary><c>DEF_PRIORITY</c>.</summary>
    public const int DefPriority = 12;

    private readonly Machine _m;

    /// <summary>Attaches reclaim (and compaction) to a machine as its pressure handler.</summary>
    public ReclaimModel(Machine machine, ReclaimCostModel? costs = null)
    {
        _m = machine;
        CostModel = costs ?? new ReclaimCostModel();
        Compactor = new Compactor(machine, CostModel);
        machine.Pressure = this;
    }

    /// <summary>Cost parameters.</summary>
    public ReclaimCostModel CostModel { get; }

    /// <summary>The compaction model used by direct compaction and kcompactd.</summary>
    public Compactor Compactor { get; }

    /// <summary>Run kswapd's balance_pgdat immediately when woken (default), instead of waiting for <see cref="RunKswapd"/>.</summary>
    public bool SynchronousKswapd { get; set; } = true;

    /// <summary>Simulated nanoseconds spent: kswapd, direct reclaim, compaction (direct and kcompactd).</summary>
    public double KswapdNs { get; private set; }

    /// <summary>Simulated nanoseconds spent by allocating tasks in direct reclaim.</summary>
    public double DirectReclaimNs { get; private set; }

    /// <summary>Total simulated reclaim time.</summary>
    public double Costs => KswapdNs + DirectReclaimNs;

    /// <summary>Simulated nanoseconds spent by allocating tasks in direct compaction (kcompactd excluded).</summary>
    public double DirectCompactNs { get; private set; }

    /// <summary>
    /// Called with the pfn and size in pages of every anonymous block just before reclaim swaps it out and frees it, so a workload model
    /// can remember that its page now lives in a swap slot (the kernel's page table entry becomes a swap entry,
    /// <c>try_to_unmap_one</c>). The slot stays used until the owner frees it (<see cref="Machine.SwapUsedPages"/>).
    /// </summary>
    public Action<ulong, long>? SwappedOut { get; set; }

    private readonly Dictionary<int, (int Order, int High)> _pendingKswapd = [];

    /// <inheritdoc/>
    public void WakeKswapd(Machine machine, int node, int order, int highestZoneIdx)
    {
        // mirrors wakeup_kswapd: nothing to do if the node is balanced and no boost is pending
        bool boosted = machine.Zones.Any(z => z.Node == node && z.Watermarks.Boost != 0);
        if (machine.KswapdFailures(node) >= Machine.MaxReclaimRetries)
        {
            if (order > 0)
            {
                Compactor.Kcompactd(node, order, highestZoneIdx);
            }

            return;
        }

        if (!boosted && PgdatBalanced(node, order, highestZoneIdx))
        {
            return;
        }

        if (SynchronousKswapd)
        {
            BalancePgdat(node, order, highestZoneIdx);
        }
        else
        {
            _pendingKswapd[node] = (order, highestZoneIdx);
        }
    }

    /// <summary>Runs pending kswapd work (when <see cref="SynchronousKswapd"/> is off).</summary>
    public void RunKswapd()
    {
        foreach ((int node, (int order, int high)) in _pendingKswapd.OrderBy(p => p.Key).ToList())
        {
            BalancePgdat(node, order, high);
        }

        _pendingKswapd.Clear();
    }

    /// <summary>
    /// mirrors <c>pgdat_balanced</c>: any eligible zone with managed pages passes the high watermark (boost
    /// included) with alloc_flags 0 — so free CMA pages do not count, and highatomic reserves are subtracted.
    /// </summary>
    public bool PgdatBalanced(int node, int order, int highestZoneIdx)
    {
        bool any = false;
        foreach (Zone z in _m.Zones)
        {
            if (z.Node != node || (int)z.Type > highestZoneIdx || !z.IsPopulated)
            {
                continue;
            }

            any = true;
            if (_m.ZoneWatermarkOk(z, order, z.Watermarks.High, highestZoneIdx, 0))
            {
                return true;
            }
        }

        return !any;
    }

    /// <summary>
    /// mirrors <c>balance_pgdat</c>: priority from DEF_PRIORITY down; each round reclaims up to Σ max(high, 32) of the
    /// eligible zones; stops once balanced. A boosted run does not write back or swap first (may_writepage/may_swap
    /// off) and clears the boosts at the end, then wakes kcompactd. Returns pages reclaimed.
    /// </summary>
    public long BalancePgdat(int node, int order, int highestZoneIdx)
    {
        _m.Count(VmEvent.Pageoutrun);
        bool boosted = _m.Zones.Any(z => z.Node == node && z.Watermarks.Boost != 0);
        long total = 0;
        for (int priority = DefPriority; priority >= 1; priority--)
        {
            if (PgdatBalanced(node, order, highestZoneIdx) && !(boosted && priority == DefPriority))
            {
                break;
            }

            long goal = 0;
            foreach (Zone z in _m.Zones)
            {
                if (z.Node == node && (int)z.Type <= highestZoneIdx && z.IsPopulated)
                {
                    goal += Math.Max((long)z.Watermarks.High, SwapClusterMax);
                }
            }

            bool mayIo = !boosted || priority < DefPriority - 2;
            double ns = 0;
            long got = ShrinkNode(node, highestZoneIdx, priority, goal, mayIo, ref ns, kswapd: true);
            KswapdNs += ns;
            total += got;
            if (got == 0 && priority < DefPriority - 2 && !boosted)
            {
                break;
            }

            if (boosted)
            {
                break;
            }
        }

        if (boosted)
        {
            _m.ClearBoosts(node);
            Compactor.Kcompactd(node, Pageblock.Order, highestZoneIdx);
        }
        else if (order > 0)
        {
            Compactor.Kcompactd(node, order, highestZoneIdx);
        }

        _m.SetKswapdFailures(node, total == 0 ? _m.KswapdFailures(node) + 1 : 0);
        _m.DebugCheck();
        return total;
    }

    /// <inheritdoc/>
    public long DirectReclaim(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx)
    {
        // mirrors try_to_free_pages -> do_try_to_free_pages: SWAP_CLUSTER_MAX pages, priority 12 -> 0,
        // zonelist nodes in order (the local node first)
        long total = 0;
        bool mayIo = (gfp & GfpFlags.Io) != 0;
        for (int priority = DefPriority; priority >= 0 && total < SwapClusterMax; priority--)
        {
            foreach (int n in NodeOrder(node))
            {
                double ns = 0;
                total += ShrinkNode(n, highestZoneIdx, priority, SwapClusterMax - total, mayIo, ref ns, kswapd: false);
                DirectReclaimNs += ns;
                if (total >= SwapClusterMax)
                {
                    break;
                }
            }
        }

        if (total > 0)
        {
            for (int n = 0; n < machine.NodeCount; n++)
            {
                machine.SetKswapdFailures(n, 0);
            }
        }

        machine.DebugCheck();
        return total;
    }

    /// <inheritdoc/>
    public bool DirectCompact(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx, MigrateType mt)
    {
        // the allocating task waits for try_to_compact_pages (__alloc_pages_direct_compact): its share is a stall
        double before = Compactor.CompactNs;
        bool ok = Compactor.TryToCompactPages(node, order, gfp, highestZoneIdx, mt);
        DirectCompactNs += Compactor.CompactNs - before;
        return ok;
    }

    /// <summary>
    /// The OOM killer at model level: the victim is the node's anonymous memory (the "largest task"), all of it
    /// freed; without anonymous memory nothing can be killed. Returns true when pages were freed.
    /// </summary>
    public bool OutOfMemory(Machine machine, int node, int order, GfpFlags gfp)
    {
        long freed = 0;
        foreach (int n in NodeOrder(node))
        {
            foreach (LruList l in new[] { LruList.InactiveAnon, LruList.ActiveAnon })
            {
                for (int i = machine.LruTailIndex(n, l); i != Machine.Nil;)
                {
                    int prev = machine.LruPrevIndex(i);
                    freed += 1L << machine.OrderAt(i);
                    machine.ReclaimBlock(i);
                    i = prev;
                }
            }

            if (freed > 0)
            {
                break;
            }
        }

        machine.DebugCheck();
        return freed > 0;
    }

    private IEnumerable<int> NodeOrder(int node)
    {
        yield return node;
        for (int n = 0; n < _m.NodeCount; n++)
        {
            if (n != node)
            {
                yield return n;
            }
        }
    }

    // mirrors shrink_node -> shrink_lruvec at model level: age the active lists, then scan the inactive lists from
    // the tail, file before anon (anon only with swap), scanning lru_size >> priority (at least SWAP_CLUSTER_MAX)
    private long ShrinkNode(int node, int reclaimIdx, int priority, long goal, bool mayIo, ref double ns, bool kswapd)
    {
        long reclaimed = 0;
        // mirrors get_scan_count / can_reclaim_anon_pages: anon LRUs are scanned only while free swap space exists
        bool swap = _m.Spec.SwapPages > _m.SwapUsedPages;
        // mirrors get_scan_count's SCAN_FILE case (v4.10-v6.1): while the inactive file list is not low and has pages
        // to scan at this priority, "do not reclaim anything from the anonymous working set right now"
        long inactiveFile = _m.LruPages(node, LruList.InactiveFile);
        if (swap && (inactiveFile >> priority) > 0 && inactiveFile >= _m.LruPages(node, LruList.ActiveFile))
        {
            swap = false;
        }
        foreach ((LruList inactive, LruList active) in new[] { (LruList.InactiveFile, LruList.ActiveFile), (LruList.InactiveAnon, LruList.ActiveAnon) })
        {
            bool anon = inactive == LruList.InactiveAnon;
            if (anon && !swap)
            {
                continue;
            }

            long size = _m.LruPages(node, inactive) + _m.LruPages(node, active);
            long toScan = Math.Max(size >> priority, SwapClusterMax);
            Age(node, inactive, active, toScan, ref ns);
            long scanned = 0;
            int i = _m.LruTailIndex(node, inactive);
            while (i != Machine.Nil && scanned < toScan && reclaimed < goal)
            {
                int prev = _m.LruPrevIndex(i);
                long pages = 1L << _m.OrderAt(i);
                scanned += pages;
                ns += pages * CostModel.ScanNs;
                if ((int)_m.Zones[_m.ZoneAt(i)].Type > reclaimIdx)
                {
                    i = prev; // pgskip: the block is in a zone the request cannot use
                    continue;
                }

                var use = (PageUse)((_m.InfoAt(i) >> 3) & 0x7);
                if (use == PageUse.FileDirty)
                {
                    if (!mayIo)
                    {
                        i = prev;
                        continue;
                    }

                    // writeback, then the page is clean and reclaimable (the model does not wait for the I/O)
                    ns += pages * CostModel.WritebackNs;
                    _m.SetDirty(_m.PfnAt(i), false);
                }

                if (anon)
                {
                    if (!mayIo || _m.SwapUsedPages + pages > _m.Spec.SwapPages)
                    {
                        i = prev;
                        continue;
                    }

                    // mirrors shrink_folio_list: add_to_swap, try_to_unmap (the PTE becomes a swap entry), pageout
                    _m.SwapUsedPages += pages;
                    _m.Count(VmEvent.Pswpout, pages);
                    SwappedOut?.Invoke(_m.PfnAt(i), pages);
                    ns += pages * CostModel.SwapOutNs;
                }
                else
                {
                    ns += pages * CostModel.DropCleanNs;
                }

                if (_m.ReclaimForNonCmaRequest && IsMovableOnly(i))
                {
                    // shrink_node does not filter by migratetype (5da226dbfce3 "skip CMA pages" was reverted):
                    // these pages cannot serve the unmovable request that triggered reclaim
                    _m.Count(VmEvent.PgstealWastedModel, pages);
                }

                _m.ReclaimBlock(i);
                reclaimed += pages;
                _m.Count(anon ? VmEvent.PgstealAnon : VmEvent.PgstealFile, pages);
                i = prev;
            }

            _m.Count(kswapd ? VmEvent.PgscanKswapd : VmEvent.PgscanDirect, scanned);
            _m.Count(anon ? VmEvent.PgscanAnon : VmEvent.PgscanFile, scanned);
            if (reclaimed >= goal)
            {
                break;
            }
        }

        _m.Count(kswapd ? VmEvent.PgstealKswapd : VmEvent.PgstealDirect, reclaimed);
        reclaimed += ShrinkSlab(node, priority, ref ns);
        return reclaimed;
    }

    // movable-only memory: a MIGRATE_CMA pageblock or a zone only __GFP_MOVABLE|__GFP_HIGHMEM reaches
    private bool IsMovableOnly(int i)
        => _m.Zones[_m.ZoneAt(i)].Type is ZoneType.Movable or ZoneType.Cma || _m.PageblockType(_m.PfnAt(i)) == MigrateType.Cma;

    // mirrors shrink_slab -> do_shrink_slab with DEFAULT_SEEKS (2): scan 4 * (freeable >> priority) / 2 objects;
    // the model's objects are pages, freed oldest first. Slab is node-aware, not zone-aware (no pgskip), and freed
    // slab counts as reclaimed (reclaim_state->reclaimed_slab).
    private long ShrinkSlab(int node, int priority, ref double ns)
    {
        long freeable = _m.LruPages(node, LruList.SlabReclaimable);
        long toScan = Math.Min(freeable, 2 * (freeable >> priority));
        long freed = 0;
        int i = _m.LruTailIndex(node, LruList.SlabReclaimable);
        while (i != Machine.Nil && freed < toScan)
        {
            int prev = _m.LruPrevIndex(i);
            long pages = 1L << _m.OrderAt(i);
            ns += pages * (CostModel.ScanNs + CostModel.DropCleanNs);
            _m.ReclaimBlock(i);
            freed += pages;
            i = prev;
        }

        _m.Count(VmEvent.SlabsScanned, freed);
        return freed;
    }

    // mirrors shrink_active_list when inactive_is_low: deactivate from the active tail until inactive >= active
    private void Age(int node, LruList inactive, LruList active, long budget, ref double ns)
    {
        while (budget > 0 && _m.LruPages(node, inactive) < _m.LruPages(node, active))
        {
            int i = _m.LruTailIndex(node, active);
            if (i == Machine.Nil)
            {
                break;
            }

            long pages = 1L << _m.OrderAt(i);
            budget -= pages;
            ns += pages * CostModel.ScanNs;
            _m.LruMove(i, inactive);
        }
    }
}
