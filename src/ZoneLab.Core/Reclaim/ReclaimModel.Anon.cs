using ZoneLab.Allocator;

namespace ZoneLab.Reclaim;

// The inactive anonymous list's scan, batch by batch as 6.1 mm/vmscan.c shrink_lruvec → shrink_inactive_list runs it:
// isolate_lru_folios takes up to SWAP_CLUSTER_MAX folios from the tail, shrink_folio_list decides each one with
// folio_check_references, move_folios_to_lru puts the kept ones back at the head, and the swap write's completion
// (end_swap_bio_write → folio_end_writeback → folio_rotate_reclaimable) moves a written folio to the tail, where the
// next batch frees it. So an anonymous page that was touched once is scanned three times before it is freed: the
// young PTE of its fault makes the first scan keep it (PG_referenced set, FOLIOREF_KEEP), the second writes it to
// swap, the third frees it; the recordings' anon-swap runs show pgscan_anon ≈ the inactive list + 2 × pgsteal_anon,
// pgrotated ≈ pgsteal_anon and no pgactivate.
public sealed partial class ReclaimModel
{
    // the folios of one isolate_lru_folios batch (at most SWAP_CLUSTER_MAX)
    private readonly int[] _batch = new int[SwapClusterMax];

    // the folios of the batch pageout() wrote, rotated to the tail once the batch is back on the list
    private readonly int[] _written = new int[SwapClusterMax];

    /// <summary>
    /// Scans the node's inactive anonymous list from the tail in batches: <paramref name="toScan"/> eligible pages at
    /// most, stopping between batches once <paramref name="goal"/> pages were reclaimed unless
    /// <paramref name="noStop"/> (a direct reclaimer's batches at DEF_PRIORITY, proportional_reclaim). Returns the
    /// pages freed; <paramref name="scanned"/> gets the eligible pages scanned (sc->nr_scanned) and
    /// <paramref name="total"/> those and the skipped ones (what pgscan counts).
    /// </summary>
    private long ShrinkInactiveAnon(int node, int reclaimIdx, long toScan, long goal, bool noStop, bool mayIo, ref double ns, bool kswapd, double budgetNs, out long scanned, out long total)
    {
        long reclaimed = 0;
        scanned = 0;
        total = 0;
        while (scanned < toScan && (reclaimed < goal || noStop))
        {
            if (ns >= budgetNs)
            {
                _budgetExhausted = true;
                break;
            }

            int want = (int)Math.Min(SwapClusterMax, toScan - scanned);
            int taken = IsolateAnon(node, reclaimIdx, want, kswapd, ref ns, ref total);
            if (taken == 0)
            {
                break;
            }

            scanned += taken;
            int written = 0;
            for (int b = 0; b < taken; b++)
            {
                if (ns >= budgetNs)
                {
                    // shrink_folio_list's cond_resched before each folio: the slice ends here; the folios not yet
                    // decided are still at the tail (the model's isolation does not unlink them)
                    _budgetExhausted = true;
                    break;
                }

                reclaimed += ShrinkAnonFolio(node, _batch[b], mayIo, ref ns, kswapd, ref written);
            }

            if (_budgetExhausted && SwapWritesCompleteIsolated)
            {
                // the reclaimer lost the CPU inside shrink_folio_list (its cond_resched) with the batch still
                // isolated, and the swap writes it had submitted complete while it waits: folio_end_writeback clears
                // PG_reclaim, but folio_rotate_reclaimable moves a folio only while it is on an LRU (folio_test_lru),
                // so these folios are not rotated. move_folios_to_lru puts them back at the head when the reclaimer
                // runs again (where ShrinkAnonFolio's LruMove already has them): clean, unmapped swap cache that
                // waits a whole trip around the inactive list (6.1 mm/filemap.c folio_end_writeback, mm/swap.c
                // folio_rotate_reclaimable). The recordings' anon-swap runs: pswpout − pgsteal_anon ≈ 1700-1970
                // written pages still in the swap cache at step 2's end, pgrotated ≥ pgsteal_anon, and none of them
                // rotated during the 1 s sleep that follows (x86_64 run2: pgrotated 26529 at both snapshots).
                break;
            }

            // the swap writes complete after the batch is back on the list: folio_end_writeback finds PG_reclaim and
            // folio_rotate_reclaimable moves each folio to the tail of the inactive list (pgrotated)
            for (int w = 0; w < written; w++)
            {
                int i = _written[w];
                _m.LruMoveTail(i, LruList.InactiveAnon);
                _m.Count(VmEvent.Pgrotated, 1L << _m.OrderAt(i));
            }

            if (_budgetExhausted)
            {
                break;
            }
        }

        return reclaimed;
    }

    // mirrors isolate_lru_folios: up to `want` eligible folios from the tail into _batch; folios of zones above
    // sc->reclaim_idx (or CMA folios skip_cma skips) are counted in the scan total but not in scan, and spliced back
    // to the head; the walk ends when the list has been gone through once
    private int IsolateAnon(int node, int reclaimIdx, int want, bool kswapd, ref double ns, ref long total)
    {
        int taken = 0;
        long listPages = _m.LruPages(node, LruList.InactiveAnon), walked = 0;
        int i = _m.LruTailIndex(node, LruList.InactiveAnon);
        while (i != Machine.Nil && taken < want && walked < listPages)
        {
            int prev = _m.LruPrevIndex(i);
            if (!ScanOrSkip(i, LruList.InactiveAnon, reclaimIdx, kswapd, ref ns, ref walked, ref total, out _, out _))
            {
                _batch[taken++] = i;
            }

            i = prev;
        }

        return taken;
    }

    // mirrors shrink_folio_list for one isolated anonymous folio (6.1): folio_check_references, then add_to_swap +
    // try_to_unmap + pageout for FOLIOREF_RECLAIM, or __remove_mapping for a swap-cache folio whose write completed.
    // Returns the pages freed; a folio pageout() wrote is put in _written.
    private long ShrinkAnonFolio(int node, int i, bool mayIo, ref double ns, bool kswapd, ref int written)
    {
        byte refs = _m.RefsAt(i);
        long pages = 1L << _m.OrderAt(i);
        if ((refs & Machine.RefReclaim) != 0)
        {
            // written and unmapped: no PTE to be young, PG_referenced was cleared when it was written, so
            // FOLIOREF_RECLAIM; clean, in the swap cache: __remove_mapping, freed
            FreeAnonFolio(node, i, pages, kswapd);
            return pages;
        }

        // folio_check_references: folio_referenced clears the young PTE, folio_test_clear_referenced PG_referenced
        if ((refs & Machine.RefYoung) != 0)
        {
            if ((refs & Machine.RefReferenced) != 0)
            {
                // referenced_folio with a young PTE: FOLIOREF_ACTIVATE (activate_locked sets PG_active; the
                // folio keeps PG_referenced, set again by folio_check_references)
                _m.SetRefs(i, Machine.RefReferenced);
                _m.LruMove(i, LruList.ActiveAnon);
                return 0;
            }

            // "Mark it and spare it for another trip around the inactive list": FOLIOREF_KEEP, back at the head
            _m.SetRefs(i, Machine.RefReferenced);
            _m.LruMove(i, LruList.InactiveAnon);
            return 0;
        }

        // FOLIOREF_RECLAIM (an anonymous folio's PG_referenced alone does not keep it)
        _m.SetRefs(i, 0);
        if (!mayIo || _m.SwapUsedPages + pages > _m.Spec.SwapPages)
        {
            // no __GFP_IO (keep_locked), or add_to_swap found no slot: back on the list
            _m.LruMove(i, LruList.InactiveAnon);
            return 0;
        }

        // add_to_swap, try_to_unmap (the PTE becomes a swap entry), pageout → swap_writepage: PG_reclaim and
        // writeback set, PAGE_SUCCESS with the folio under writeback → keep; it stays in the swap cache
        _m.SwapUsedPages += pages;
        _m.Count(VmEvent.Pswpout, pages);
        SwappedOut?.Invoke(_m.PfnAt(i), pages);
        ns += pages * CostModel.SwapOutNs;
        _m.SetRefs(i, Machine.RefReclaim);
        _m.LruMove(i, LruList.InactiveAnon);
        _written[written++] = i;
        return 0;
    }

    private void FreeAnonFolio(int node, int i, long pages, bool kswapd)
    {
        int zi = _m.ZoneAt(i);
        if ((kswapd && !SynchronousKswapd ? _kswapdForNonCma![node] : _m.ReclaimForNonCmaRequest) && IsMovableOnly(i))
        {
            _m.Count(VmEvent.PgstealWastedModel, pages);
            ZoneStats.Wasted[zi] += pages;
        }

        (kswapd ? ZoneStats.StealKswapd : ZoneStats.StealDirect)[zi] += pages;
        RecordAge(_m.ZoneSpan[zi].Node, LruList.InactiveAnon, i, pages);
        SwapCacheFreed?.Invoke(_m.PfnAt(i));
        _m.ReclaimBlock(i);
        _m.Count(VmEvent.PgstealAnon, pages);
    }
}
