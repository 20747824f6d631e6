using System.Runtime.CompilerServices;
using ZoneLab.Allocator;

namespace ZoneLab.Contiguous;

/// <summary>
/// <c>alloc_contig_range()</c> and <c>alloc_contig_pages()</c> on the engine (mm/page_alloc.c, 6.1):
/// isolate the pageblocks, drain the per-cpu lists, then up to 5 passes without progress of
/// <c>__alloc_contig_migrate_range()</c> (clean page cache is dropped, other LRU pages are migrated to targets from
/// the ordinary allocator outside the range through the shared <see cref="MigrationList"/> step, COMPACT_CLUSTER_MAX
/// pages isolated from their LRU lists at a time; pinned pages stay), <c>test_pages_isolated()</c>, take the free pages,
/// and always undo the isolation. Pinned pages are a workload property given in <see cref="Pinned"/>.
/// </summary>
public sealed partial class ContigRangeAllocator : IContigRangeAllocator
{
    private const int MaxTriesWithoutProgress = 5;

    // COMPACT_CLUSTER_MAX: isolate_migratepages_range() stops once this many base pages are isolated
    private const int CompactClusterMax = 32;
    private readonly Machine _m;
    private readonly List<(int Index, int Order)> _heads = new();
    private readonly MigrationList _sources;

    /// <summary>Creates the allocator over a machine.</summary>
    public ContigRangeAllocator(Machine machine)
    {
        _m = machine;
        _sources = new MigrationList(machine);
        Pinned = new PinnedPages(machine.BasePfn, machine.PfnCount);
        BufferHeld = new PinnedPages(machine.BasePfn, machine.PfnCount);
    }

    /// <summary>Heads (pfns) of allocated blocks that hold a pin (a short-term GUP reference): migration fails on them.</summary>
    public PinnedPages Pinned { get; }

    /// <summary>
    /// Heads of LRU page-cache pages of a block device whose buffer head holds a reference (b_count): ext4 metadata
    /// blocks the journal holds (jbd2_journal_add_journal_head's get_bh, dropped when the checkpoint removes the
    /// buffer after its home-location writeback). isolate_migratepages_block takes them (page cache with a mapping),
    /// reclaim_clean_pages_from_list cannot drop them (try_to_free_buffers fails on a busy buffer) and migrate_pages
    /// fails them with -EAGAIN (the block device's migrate_folio, buffer_migrate_folio_norefs, checks b_count), counted
    /// in PGMIGRATE_FAIL by every call. The owner adds and removes them.
    /// </summary>
    public PinnedPages BufferHeld { get; }

    /// <summary>The use recorded for contiguous allocations (device memory: not on an LRU).</summary>
    public PageUse ContigUse { get; init; } = PageUse.Kernel;

    /// <summary>
    /// Called with each clean page-cache page <c>reclaim_clean_pages_from_list()</c> drops, before it is freed (the
    /// reclaim path's <c>filemap_release_folio</c> → <c>try_to_free_buffers</c>: the owner frees what the page holds).
    /// </summary>
    public Action<ulong>? FileDropped
    {
        get => _sources.FileDropped;
        set => _sources.FileDropped = value;
    }

    /// <summary>Pages moved out by the last call, for reports: (source pfn, target pfn, order).</summary>
    public List<(ulong From, ulong To, int Order)> LastMoves { get; } = new();

    /// <inheritdoc/>
    public ContigResult AllocContigRange(ulong startPfn, ulong endPfn, bool cmaMode)
        => AllocContigRange(startPfn, endPfn, cmaMode ? Machine.IsolationMode.Cma : Machine.IsolationMode.Other);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    internal ContigResult AllocContigRange(ulong startPfn, ulong endPfn, Machine.IsolationMode mode)
    {
        var work = new ContigWork { Attempts = 1 };
        LastMoves.Clear();
        if (!_m.RangeInOneZone(startPfn, endPfn, out int zone))
        {
            return new ContigResult(ContigResult.EInval, ContigFailure.Invalid, work);
        }
        int start = _m.IndexOfPfn(startPfn), end = _m.IndexOfPfn(endPfn);
        int pbStart = start & ~((int)Pageblock.NrPages - 1);
        int pbEnd = (end + (int)Pageblock.NrPages - 1) & ~((int)Pageblock.NrPages - 1);

        // 1. start_isolate_page_range(); the saved types' list is reused across calls (cma_alloc's sliding windows make
        // ~23,000 calls per sticky-movable run), a nested call (none today) would take a new one. Between cma_alloc's
        // attempts the previous window's pageblocks may still be isolated (see SlideIsolation).
        List<(int Block, MigrateType Type)> saved = TakeList();
        Slide slide = _pending != null ? SlideIsolation(pbStart, pbEnd, mode, saved, ref work) : Slide.NotTried;
        if (slide == Slide.Failed)
        {
            return new ContigResult(ContigResult.EBusy, ContigFailure.IsolationUnmovable, work);
        }
        for (int b = pbStart; slide == Slide.NotTried && b < pbEnd; b += (int)Pageblock.NrPages)
        {
            Machine.IsolateBlock r = _m.IsolatePageblock(b, mode, out MigrateType old);
            if (r != Machine.IsolateBlock.Ok)
            {
                UndoOrDefer(saved);
                return new ContigResult(ContigResult.EBusy, ContigFailure.IsolationUnmovable, work);
            }
            saved.Add((b, old));
            work.PageblocksIsolated++;
        }

        // 2. drain_all_pages(zone): freed pages reach the isolated buddy lists
        _m.DrainAllPages();

        // 3. __alloc_contig_migrate_range(): passes until nothing is left, -ENOMEM, or 5 passes without progress
        int node = _m.Zones[zone].Node; // mtc.nid = zone_to_nid(cc->zone)
        ContigFailure failure = ContigFailure.None;
        int errno = 0;
        while (true)
        {
            _m.AllocatedHeads(start, end, _heads);
            if (_heads.Count == 0)
            {
                break;
            }
            work.MigrationPasses++;
            long progress = 0;
            int h = 0;
            while (h < _heads.Count)
            {
                // isolate_migratepages_range(): the range's next LRU folios in pfn order leave their lists until
                // COMPACT_CLUSTER_MAX base pages are isolated; a pinned one is not taken (isolate_migratepages_block:
                // migration would find the extra reference), nor a page an earlier target allocation's reclaim freed
                for (; h < _heads.Count && _sources.Pages < CompactClusterMax; h++)
                {
                    int i = _heads[h].Index;
                    if (_m.IsLruHead(i) && !Pinned.Contains(_m.PfnAt(i)))
                    {
                        _sources.Isolate(i);
                    }
                }
                if (_sources.Count == 0)
                {
                    continue;
                }
                // reclaim_clean_pages_from_list(): clean, unmapped page cache is dropped; migrate_pages() moves the rest
                long dropped = _sources.ReclaimClean(BufferHeld);
                long moved = _sources.Migrate(node, BufferHeld, LastMoves, out bool noMemory);
                work.Discarded += dropped;
                work.Migrated += moved;
                progress += dropped + moved;
                if (noMemory)
                {
                    // "On -ENOMEM, migrate_pages() bails out right away": putback_movable_pages() on what is left
                    _sources.Putback();
                    errno = ContigResult.ENoMem;
                    failure = ContigFailure.MigrationNoMemory;
                    break;
                }
                if (_sources.Count > 0)
                {
                    // mirrors __alloc_contig_migrate_range (6.1 mm/page_alloc.c): migrate_pages() put its failures back
                    // on cc->migratepages, so the loop does not isolate more but calls reclaim_clean_pages_from_list()
                    // and migrate_pages() on the same folios again until ++tries == 5, then -EBUSY for the whole range
                    // (the chunks after this one are not tried); each call counts the folios in PGMIGRATE_FAIL
                    for (int tries = 1; tries < MaxTriesWithoutProgress; tries++)
                    {
                        work.Discarded += _sources.ReclaimClean(BufferHeld);
                        work.Migrated += _sources.Migrate(node, BufferHeld, LastMoves, out _);
                    }
                    _sources.Putback();
                    errno = ContigResult.EBusy;
                    failure = ContigFailure.MigrationPinned;
                    break;
                }
            }
            if (errno != 0)
            {
                break;
            }
            if (progress == 0)
            {
                // a pass without progress changed nothing (every head was skipped: off the LRU or pinned), so the
                // MaxTriesWithoutProgress - 1 passes the kernel makes after it repeat it exactly: count them, do not walk
                work.MigrationPasses += MaxTriesWithoutProgress - 1;
                errno = ContigResult.EBusy;
                failure = ContigFailure.MigrationPinned;
                break;
            }
        }

        // 4-6. test_pages_isolated() and isolate_freepages_range()
        if (errno == 0)
        {
            _m.DrainAllPages();
            MigrateType mt = mode == Machine.IsolationMode.Cma ? MigrateType.Cma : MigrateType.Movable;
            if (!_m.TakeIsolatedRange(start, end, ContigUse, mt))
            {
                errno = ContigResult.EBusy;
                failure = ContigFailure.NotIsolatedFree;
            }
        }

        // 7. undo_isolate_page_range(), always (after a failure inside cma_alloc's attempts, when the next one does)
        if (errno == 0)
        {
            Undo(saved);
            return ContigResult.Ok(work);
        }
        UndoOrDefer(saved);
        return new ContigResult(errno, failure, work);
    }

    /// <inheritdoc/>
    public void FreeContigRange(ulong pfn, ulong count) => _m.FreeRangeChunks(_m.IndexOfPfn(pfn), (int)count);

    /// <summary>
    /// mirrors alloc_contig_pages(nr_pages, gfp, nid): walks each zone of the node's zonelist in nr_pages-aligned windows
    /// that are valid (one zone, no reserved or unmovable page: pfn_range_valid_contig) and tries alloc_contig_range().
    /// Returns the first pfn, or null.
    /// </summary>
    public ulong? AllocContigPages(ulong nrPages, int node, ZoneLab.Layout.ZoneType highestZone, out ContigWork work)
    {
        work = new ContigWork();
        foreach (int zi in _m.Zonelist(node))
        {
            Zone z = _m.Zones[zi];
            if ((int)z.Type > (int)highestZone || z.PresentPages == 0)
            {
                continue;
            }
            ulong align = 1;
            while (align < nrPages)
            {
                align <<= 1;
            }
            for (ulong pfn = (z.StartPfn + align - 1) / align * align; pfn + nrPages <= z.EndPfn; pfn += align)
            {
                if (!_m.RangeInOneZone(pfn, pfn + nrPages, out int zone) || zone != zi || !ValidContig(pfn, pfn + nrPages))
                {
                    continue;
                }
                ContigResult r = AllocContigRange(pfn, pfn + nrPages, Machine.IsolationMode.Other);
                work.Add(r.Work);
                if (r.Success)
                {
                    return pfn;
                }
            }
        }
        return null;
    }

    // pfn_range_valid_contig(): no reserved pages, no non-LRU allocated pages in the window
    private bool ValidContig(ulong start, ulong end)
    {
        _m.AllocatedHeads(_m.IndexOfPfn(start), _m.IndexOfPfn(end), _heads);
        foreach ((int i, _) in _heads)
        {
            if (!_m.IsLruHead(i))
            {
                return false;
            }
        }
        return !_m.HasReserved(_m.IndexOfPfn(start), _m.IndexOfPfn(end));
    }

    private void Undo(List<(int Block, MigrateType Type)> saved)
    {
        foreach ((int b, MigrateType t) in saved)
        {
            _m.UndoIsolatePageblock(b, t);
        }
        ReturnList(saved);
    }
}
