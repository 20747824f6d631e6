namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    // NR_ISOLATED_ANON and NR_ISOLATED_FILE per node (index node * 2 + file), allocated at the first isolation
    private long[]? _isolated;

    /// <summary>
    /// Called with (old pfn, new pfn) whenever a page's contents move: compaction, alloc_contig_range and memory
    /// offline all migrate through <c>migrate_pages()</c>, which keeps the page's owner (its mapping or page table
    /// entry) pointing at the new copy; a workload model that tracks its pages by pfn follows them here.
    /// </summary>
    public Action<ulong, ulong>? PageMigrated { get; set; }

    internal partial void NotifyMigrated(ulong from, ulong to) => PageMigrated?.Invoke(from, to);

    internal partial long IsolatedPages(int node, bool file) => _isolated == null ? 0 : _isolated[node * 2 + (file ? 1 : 0)];

    // mirrors folio_isolate_lru (6.1 mm/vmscan.c): folio_test_clear_lru + lruvec_del_folio, PG_active stays set; the
    // caller (isolate_migratepages_block, do_migrate_range) adds the folio to NR_ISOLATED_ANON + page_is_file_lru
    internal partial void IsolateLru(int i)
    {
        // the info byte and order read once (LruDel leaves the order; the byte-pointer stores would make them reloads)
        byte active = (byte)(_info[i] & PageState.Active);
        long pages = 1L << PageState.OrderOf(_flags[i]);
        LruDel(i);
        _info[i] |= active;
        AddIsolated(i, pages);
    }

    // mirrors putback_movable_pages → folio_putback_lru → folio_add_lru → lru_add_fn → lruvec_add_folio (6.1): the
    // folio goes to the head (list_add) of the list folio_lru_list names, by its PG_active, and leaves NR_ISOLATED
    internal partial void PutbackLru(int i)
    {
        AddIsolated(i, -(1L << PageState.OrderOf(_flags[i])));
        LruAdd(i, _zones[_zoneOf[i]].Node, LruFor(PageState.UseOf(_info[i]), (_info[i] & PageState.Active) != 0));
    }

    // mirrors migrate_folio_move (6.1 mm/migrate.c) with a target from alloc_migration_target: folio_migrate_flags
    // copies PG_active (and the dirty state the target's use already holds), the target goes to the head of its list
    // (folio_add_lru), and the source, off every list since its isolation, leaves NR_ISOLATED and is freed
    internal partial void MoveIsolated(int src, int dst) => MoveIsolated(src, dst, relinkAlways: false);

    // MoveIsolated; relinkAlways takes the general LruDel + LruAdd of the target even where the shortcut applies (the
    // reference MigrationShortcutTests compares the shortcut with)
    internal void MoveIsolated(int src, int dst, bool relinkAlways)
    {
        bool active = (_info[src] & PageState.Active) != 0;
        _refs[dst] = _refs[src]; // folio_migrate_flags: PG_referenced; remove_migration_pte keeps a young PTE
        int node = _zones[_zoneOf[dst]].Node;
        byte dstInfo = _info[dst];
        PageUse dstUse = PageState.UseOf(dstInfo);
        LruList lru = LruFor(dstUse, active);
        int li = node * LruLists + (int)lru;
        // LruIndexOf(dst) == li: same node and use, so the lists agree when the target's own PG_active names this one
        if (!relinkAlways && (dstInfo & PageState.OnLru) != 0 && _lruHead[li] == dst
            && LruFor(dstUse, (dstInfo & PageState.Active) != 0) == lru)
        {
            // The engine's allocation put the target at the head of this very list (an inactive source; nothing ran
            // in between): LruDel + LruAdd would unlink it and link it back where it is, leaving the list, its
            // counts and the page's flags as they are. Only its age changes: Restamp, the same two tracker updates.
            // Saves an unlink and a relink per migrated page (sticky-movable: ~4M a run).
            LruAges?.Restamp(node, lru, dst, LruAges.StampOf(src), 1L << PageState.OrderOf(_flags[dst]));
        }
        else
        {
            if ((_info[dst] & PageState.OnLru) != 0)
            {
                LruDel(dst); // the engine's allocation put the target on the inactive list already
            }

            LruAges?.SetStamp(dst, LruAges.StampOf(src)); // migration keeps the folio's LRU age
            LruAdd(dst, node, lru);
        }

        FreeIsolated(src);
        NotifyMigrated(_base + (ulong)src, _base + (ulong)dst);
    }

    // reclaim_clean_pages_from_list → shrink_folio_list frees the folio, then NR_ISOLATED_FILE drops by what it freed
    internal partial void FreeIsolated(int i)
    {
        int order = PageState.OrderOf(_flags[i]);
        AddIsolated(i, -(1L << order));
        _info[i] = (byte)(_info[i] & ~PageState.Active);
        FreeNoCheck(_base + (ulong)i, order);
    }

    private void AddIsolated(int i, long pages)
    {
        _isolated ??= new long[NodeCount * 2];
        PageUse use = PageState.UseOf(_info[i]);
        _isolated[(_zones[_zoneOf[i]].Node * 2) + (use is PageUse.File or PageUse.FileDirty ? 1 : 0)] += pages;
    }
}
