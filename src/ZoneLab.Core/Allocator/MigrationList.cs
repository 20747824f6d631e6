namespace ZoneLab.Allocator;

/// <summary>
/// The migration step alloc_contig_range() and memory offline share (6.1): the caller isolates the sources from
/// their LRU lists first (<c>isolate_migratepages_range</c> in <c>__alloc_contig_migrate_range</c>,
/// <c>isolate_lru_page</c> in <c>do_migrate_range</c>), so no reclaim or compaction run inside a target allocation
/// can see them (they count in NR_ISOLATED_ANON/FILE meanwhile); then <c>migrate_pages()</c> with
/// <c>alloc_migration_target</c> moves them in list order, and what is left goes back with
/// <c>putback_movable_pages()</c>. The list is reused: one per allocator.
/// </summary>
internal sealed class MigrationList
{
    // alloc_migration_target's mask in both callers: GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL
    private const GfpFlags TargetGfp = Gfp.HighUserMovable | GfpFlags.RetryMayfail;
    private readonly Machine _m;
    private readonly List<int> _heads = [];

    /// <summary>Creates an empty list over a machine.</summary>
    public MigrationList(Machine machine) => _m = machine;

    /// <summary>Folios on the list.</summary>
    public int Count => _heads.Count;

    /// <summary>
    /// Called with each page <see cref="ReclaimClean"/> drops, before it is freed: shrink_folio_list releases a
    /// folio's private data (<c>filemap_release_folio</c> → <c>try_to_free_buffers</c>, the buffer heads of an ext4
    /// page) before <c>__remove_mapping</c>, as on the LRU reclaim path (<c>ReclaimModel.FileDropped</c>).
    /// </summary>
    public Action<ulong>? FileDropped { get; set; }

    /// <summary>Base pages on the list (<c>cc-&gt;nr_migratepages</c>).</summary>
    public long Pages { get; private set; }

    /// <summary>
    /// Takes the LRU head <paramref name="i"/> off its list and adds it to the tail of this one
    /// (<c>folio_isolate_lru</c> + <c>list_add_tail</c>, NR_ISOLATED counted).
    /// </summary>
    public void Isolate(int i)
    {
        _m.IsolateLru(i);
        _heads.Add(i);
        Pages += 1L << _m.OrderAt(i);
    }

    /// <summary>
    /// mirrors <c>reclaim_clean_pages_from_list()</c> (6.1 mm/vmscan.c, alloc_contig_range only): the clean page-cache
    /// folios of the list are freed (the engine's clean file pages are unmapped) through the same shrink_folio_list as
    /// LRU reclaim, so their buffer heads go too (<see cref="FileDropped"/>); returns the base pages freed. A folio
    /// in <paramref name="bufferHeld"/> stays: shrink_folio_list's filemap_release_folio → try_to_free_buffers →
    /// drop_buffers fails on a buffer_busy() buffer (b_count held).
    /// </summary>
    public long ReclaimClean(IReadOnlySet<ulong>? bufferHeld = null)
    {
        long freed = 0;
        int w = 0;
        for (int k = 0; k < _heads.Count; k++)
        {
            int i = _heads[k];
            if (_m.UseAt(i) == PageUse.File && (bufferHeld == null || bufferHeld.Count == 0 || !bufferHeld.Contains(_m.PfnAt(i))))
            {
                freed += 1L << _m.OrderAt(i);
                FileDropped?.Invoke(_m.PfnAt(i));
                _m.FreeIsolated(i);
                continue;
            }

            _heads[w++] = i;
        }

        _heads.RemoveRange(w, _heads.Count - w);
        Pages -= freed;
        return freed;
    }

    /// <summary>
    /// mirrors <c>migrate_pages(&amp;list, alloc_migration_target, ...)</c> (6.1 mm/migrate.c): for each folio in list
    /// order a target of its order and use on <paramref name="node"/> (the target allocation may reclaim, which cannot
    /// take an isolated source), then <c>migrate_folio_move</c>; the moved ones leave the list and are recorded in
    /// <paramref name="moves"/>. A folio in <paramref name="pinned"/> fails with -EAGAIN on its extra reference (or, for a
    /// block-device page, on a buffer head's b_count: buffer_migrate_folio_norefs) and stays
    /// (the engine allocates no target for its NR_MAX_MIGRATE_PAGES_RETRY attempts). A target allocation that fails is
    /// -ENOMEM: the rest is not tried and stays, <paramref name="noMemory"/> is set. PGMIGRATE_SUCCESS and
    /// PGMIGRATE_FAIL count base pages as migrate_pages does. Returns the base pages moved.
    /// </summary>
    public long Migrate(int node, IReadOnlySet<ulong>? pinned, List<(ulong From, ulong To, int Order)> moves, out bool noMemory)
    {
        long moved = 0, retryPages = 0, failedPages;
        noMemory = false;
        int w = 0, k = 0;
        for (; k < _heads.Count; k++)
        {
            int i = _heads[k];
            int order = _m.OrderAt(i);
            ulong pfn = _m.PfnAt(i);
            if (pinned != null && pinned.Contains(pfn))
            {
                retryPages += 1L << order; // -EAGAIN until the retries run out: nr_retry_pages, then nr_failed_pages
                _heads[w++] = i;
                continue;
            }

            // alloc_migration_target(): an ordinary allocation on the node, movable; order 0 (nearly every migration)
            // takes the engine's order-0 entry, which is Allocate's result by a shorter path
            PageUse use = _m.UseAt(i);
            AllocResult target = order == 0
                ? _m.AllocateOrder0(TargetGfp, node, use)
                : _m.Allocate(order, TargetGfp, node, use);
            if (!target.Success)
            {
                noMemory = true;
                break;
            }

            _m.MoveIsolated(i, _m.IndexOfPfn(target.Pfn));
            moves.Add((pfn, target.Pfn, order));
            moved += 1L << order;
        }

        if (noMemory)
        {
            // migrate_pages_batch, -ENOMEM: nr_failed_pages += nr_pages + nr_retry_pages, and out
            failedPages = (1L << _m.OrderAt(_heads[k])) + retryPages;
            for (; k < _heads.Count; k++)
            {
                _heads[w++] = _heads[k];
            }
        }
        else
        {
            failedPages = retryPages;
        }

        _heads.RemoveRange(w, _heads.Count - w);
        Pages -= moved;
        _m.Count(VmEvent.PgmigrateSuccess, moved);
        _m.Count(VmEvent.PgmigrateFail, failedPages);
        return moved;
    }

    /// <summary>
    /// mirrors <c>putback_movable_pages()</c> (6.1 mm/migrate.c): each folio left, in list order, goes back to the head
    /// of its LRU list (<c>folio_putback_lru</c>), so the last one ends up youngest; the list is empty after.
    /// </summary>
    public void Putback()
    {
        foreach (int i in _heads)
        {
            _m.PutbackLru(i);
        }

        _heads.Clear();
        Pages = 0;
    }
}
