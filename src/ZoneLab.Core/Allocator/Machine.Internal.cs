namespace ZoneLab.Allocator;

// The engine's mm/internal.h: every member of Machine that code outside src/ZoneLab.Core/Allocator may use (the
// Compaction, Reclaim, Contiguous, Hotplug folders, the simulation's order-0 path and the device-state seeder in
// Workloads), declared here and implemented in the Machine.*.cs file of its concern (partial members). Anything not
// listed here is the engine's own: EngineContractTests fails when another folder uses an internal member that is not
// declared in this file. Indices are positions in the per-pfn arrays (pfn - BasePfn) and name block heads; the
// per-page bytes are decoded by PageState. Every operation keeps the free lists, LRU lists and counters consistent,
// so the invariant checker holds between model steps.
public sealed unsafe partial class Machine
{
    // ---- page kinds (PageState.KindOf) and sentinels ----

    /// <summary>A page inside a block (not its head), or a pristine page of a zone not yet linked.</summary>
    internal const byte KindTail = 0;

    /// <summary>A pfn that is not memory: a hole of the memory map, or offline memory (no zone, no state).</summary>
    internal const byte KindHole = 1;

    /// <summary>PageReserved: memory the allocator never manages (memblock-reserved at boot).</summary>
    internal const byte KindReserved = 2;

    /// <summary>PageBuddy: the head of a free block on a free list.</summary>
    internal const byte KindFree = 3;

    /// <summary>The head of an allocated block.</summary>
    internal const byte KindAlloc = 4;

    /// <summary>A page on a per-cpu list (neither free in the buddy sense nor allocated).</summary>
    internal const byte KindPcp = 5;

    /// <summary>The zone byte of a pfn outside every zone.</summary>
    internal const byte NoZone = 0xFF;

    /// <summary>End of an index list (free list or LRU).</summary>
    internal const int Nil = -1;

    // ---- pfn and page state (page_to_pfn, page_zone, buddy_order, ...) ----

    /// <summary>The pfn of index <paramref name="i"/> (<c>page_to_pfn</c>).</summary>
    internal partial ulong PfnAt(int i);

    /// <summary>The index of <paramref name="pfn"/> (<c>pfn_to_page</c>); the caller keeps it inside the map.</summary>
    internal partial int IndexOfPfn(ulong pfn);

    /// <summary>The zone index of the page at <paramref name="i"/> (<c>page_zonenum</c>), <see cref="NoZone"/> for none.</summary>
    internal partial int ZoneAt(int i);

    /// <summary>The order of the block whose head is <paramref name="i"/> (<c>buddy_order</c> / <c>folio_order</c>).</summary>
    internal partial int OrderAt(int i);

    /// <summary>What the allocated block at <paramref name="i"/> holds (anon, file, slab, ...).</summary>
    internal partial PageUse UseAt(int i);

    /// <summary>Pages of allocated blocks in pfns [start, end), walked block by block (the samplers' census).</summary>
    internal partial long AllocatedPages(ulong start, ulong end);

    /// <summary>
    /// Keeps the pages migration frees in <paramref name="zone"/> on this CPU's per-cpu list, out of the buddy lists
    /// and NR_FREE_PAGES, for one order -1 compact_zone run (migrate_folio_done → free_unref_page; Machine.Pcp.cs).
    /// </summary>
    internal partial void BeginMigrationHold(Zone zone);

    /// <summary>Gives the pages <see cref="BeginMigrationHold"/> kept to the buddy lists and stops keeping them.</summary>
    internal partial void EndMigrationHold();

    /// <summary>One pageblock of the pageblock census: whether zone pages, an unmovable allocation and its pages are there.</summary>
    internal partial bool CensusPageblock(int zone, ulong from, ulong stop, out bool unmovable, out long unmovablePages);

    /// <summary>
    /// The zones as <see cref="Zones"/> lists them, for loops on the allocation and reclaim paths: a foreach over the
    /// interface allocates an enumerator each time (about 150,000 a run from kswapd wakeups alone).
    /// </summary>
    internal partial ReadOnlySpan<Zone> ZoneSpan { get; }

    // ---- vmstat ----

    /// <summary>Adds to a vm event counter (<c>count_vm_events</c>).</summary>
    internal partial void Count(VmEvent e, long n = 1);

    /// <summary>Adds to a node's count of pages of one kernel use (<see cref="KernelPageStat"/>, as /proc/meminfo splits them).</summary>
    internal partial void AddKernelStat(int node, KernelPageStat stat, long pages);

    // ---- free lists (compaction) ----

    /// <summary>Links a zone's pristine boot blocks onto its free lists before a pfn walk of the zone.</summary>
    internal partial void MaterializeZone(int zone);

    /// <summary>The first entry of a zone's free list of an order below MAX_ORDER (<c>list_first_entry</c>), or <see cref="Nil"/>.</summary>
    internal partial int FreeListHeadIndex(int zone, int order, MigrateType mt);

    /// <summary>The last entry of a zone's free list of an order below MAX_ORDER, or <see cref="Nil"/>.</summary>
    internal partial int FreeListTailIndex(int zone, int order, MigrateType mt);

    /// <summary>The entry after <paramref name="i"/> on its free list, or <see cref="Nil"/>.</summary>
    internal partial int FreeListNext(int i);

    /// <summary>The entry before <paramref name="i"/> on its free list, or <see cref="Nil"/>.</summary>
    internal partial int FreeListPrev(int i);

    /// <summary>mirrors <c>move_freelist_head</c>: the list is rotated so <paramref name="i"/> is its first entry.</summary>
    internal partial void RotateFreeListToHead(int zone, int order, MigrateType mt, int i);

    /// <summary>mirrors <c>move_freelist_tail</c>: the list is rotated so <paramref name="i"/> is its last entry.</summary>
    internal partial void RotateFreeListToTail(int zone, int order, MigrateType mt, int i);

    // ---- LRU lists and the slow path (reclaim: mm/vmscan.c) ----

    /// <summary>True when the head <paramref name="i"/> is on an LRU list with an LRU use (anon, file, shmem): <c>PageLRU</c>.</summary>
    internal partial bool OnRealLru(int i);

    /// <summary>True when <paramref name="i"/> is an allocated head on a real LRU list (movable by migration).</summary>
    internal partial bool IsLruHead(int i);

    /// <summary>The oldest page of a node's LRU list (the tail <c>isolate_lru_folios</c> scans from), or <see cref="Nil"/>.</summary>
    internal partial int LruTailIndex(int node, LruList lru);

    /// <summary>The next younger page on the LRU list after <paramref name="i"/>, or <see cref="Nil"/>.</summary>
    internal partial int LruPrevIndex(int i);

    /// <summary>Rotates a block to the head of another LRU list of its node (activation, deactivation).</summary>
    internal partial void LruMove(int i, LruList to);

    // reference bits of an LRU head (Machine.References.cs): folio_check_references' inputs

    /// <summary>A young PTE maps the folio: set by the instantiating fault (do_anonymous_page's pte_sw_mkyoung, or the
    /// CPU's accessed bit on the retried access), cleared by <c>folio_referenced</c> during reclaim.</summary>
    internal const byte RefYoung = 1;

    /// <summary><c>PG_referenced</c>.</summary>
    internal const byte RefReferenced = 2;

    /// <summary>
    /// <c>PG_reclaim</c> on a swap-cache folio: pageout() wrote it and unmapped it; its next scan frees it
    /// (<c>__remove_mapping</c>). The model completes the write at the end of the batch (<c>folio_rotate_reclaimable</c>).
    /// </summary>
    internal const byte RefReclaim = 4;

    /// <summary>Rotates a block to the tail of an LRU list of its node (<c>lruvec_add_folio_tail</c>).</summary>
    internal partial void LruMoveTail(int i, LruList to);

    /// <summary>The reference bits of an LRU head (<see cref="RefYoung"/>, <see cref="RefReferenced"/>, <see cref="RefReclaim"/>).</summary>
    internal partial byte RefsAt(int i);

    /// <summary>Sets the reference bits of an LRU head.</summary>
    internal partial void SetRefs(int i, byte refs);

    /// <summary>True while the slow path of a request without ALLOC_CMA reclaims (its pages from movable-only memory are wasted).</summary>
    internal partial bool ReclaimForNonCmaRequest { get; private set; }

    /// <summary>The GFP mask of the request whose slow path runs (kswapd and kcompactd decisions read it).</summary>
    internal partial GfpFlags SlowpathGfp { get; private set; }

    // ---- migration ----

    /// <summary>Tells the <see cref="PageMigrated"/> listeners that a page moved (the holder updates its pfn).</summary>
    internal partial void NotifyMigrated(ulong from, ulong to);

    // ---- isolation and contiguous ranges (mm/page_isolation.c, alloc_contig_range) ----

    /// <summary>Why a pageblock could not be isolated (<c>set_migratetype_isolate</c>'s failures).</summary>
    internal enum IsolateBlock : byte
    {
        Ok,
        AlreadyIsolated,
        Unmovable,
        OutsideZone,
    }

    /// <summary>Purpose of an isolation (<c>enum pb_isolate_mode</c> / the isolation flags of 6.1).</summary>
    internal enum IsolationMode : byte
    {
        /// <summary>CMA_ALLOCATION: MIGRATE_CMA pageblocks count as movable.</summary>
        Cma,

        /// <summary>alloc_contig_pages() / gigantic pages: a CMA pageblock is unmovable.</summary>
        Other,

        /// <summary>MEMORY_OFFLINE: a CMA pageblock is unmovable; reserved pages are.</summary>
        MemOffline,
    }

    /// <summary>True when every pfn of [start, end) is memory of one zone (no hole, no zone change); gives the zone.</summary>
    internal partial bool RangeInOneZone(ulong start, ulong end, out int zone);

    /// <summary>mirrors <c>set_migratetype_isolate</c> with <c>has_unmovable_pages</c> for the pageblock of
    /// <paramref name="i"/>: its free pages move to the ISOLATE lists; gives the type to restore.</summary>
    internal partial IsolateBlock IsolatePageblock(int i, IsolationMode mode, out MigrateType saved);

    /// <summary>mirrors <c>unset_migratetype_isolate</c>: the pageblock gets <paramref name="saved"/> back.</summary>
    internal partial void UndoIsolatePageblock(int i, MigrateType saved);

    /// <summary>What <see cref="IsolatePageblock"/> would answer for the pageblock of <paramref name="i"/> had it type
    /// <paramref name="saved"/>, changing nothing; only in a zone for which <see cref="ZoneLinked"/> holds.</summary>
    internal partial IsolateBlock TestIsolatePageblock(int i, IsolationMode mode, MigrateType saved);

    /// <summary>True when a zone has no boot blocks left to link (its free lists are explicit).</summary>
    internal partial bool ZoneLinked(int zone);

    /// <summary>The migratetype of the pageblock holding <paramref name="i"/> (<c>get_pageblock_migratetype</c>).</summary>
    internal partial MigrateType PageblockMtAt(int i);

    /// <summary>Appends the allocated block heads in [start, end), with their orders, to <paramref name="into"/>.</summary>
    internal partial void AllocatedHeads(int start, int end, List<(int Index, int Order)> into);

    /// <summary>True when a page of [start, end) is reserved (<c>PageReserved</c>).</summary>
    internal partial bool HasReserved(int start, int end);

    /// <summary>mirrors <c>test_pages_isolated</c> + <c>isolate_freepages_range</c>: an isolated, entirely free range
    /// becomes allocated blocks of <paramref name="use"/>; false (nothing changed) otherwise.</summary>
    internal partial bool TakeIsolatedRange(int start, int end, PageUse use, MigrateType mt);

    /// <summary>Frees [start, start + count) taken by <see cref="TakeIsolatedRange"/> (<c>free_contig_range</c>).</summary>
    internal partial void FreeRangeChunks(int start, int count);

    // ---- memory hotplug (mm/memory_hotplug.c) ----

    /// <summary>True when [start, end) lies in the map and none of its pfns is a hole (<c>walk_system_ram_range</c>'s count).</summary>
    internal partial bool RangeIsMemory(ulong start, ulong end);

    /// <summary>True when every pfn of [start, end) is in the map and offline (a hole without a zone).</summary>
    internal partial bool RangeIsOffline(ulong start, ulong end);

    /// <summary>The zone of the first pfn of [start, end) that has one (<c>page_zone</c> of an online section), or -1.</summary>
    internal partial int FirstZoneIn(ulong start, ulong end);

    /// <summary>The zone of the last pfn of [start, end) that belongs to one, or -1.</summary>
    internal partial int LastZoneIn(ulong start, ulong end);

    /// <summary>Sets a zone's span (<c>resize_zone_range</c> / <c>shrink_zone_span</c> results, computed by the caller).</summary>
    internal partial void SetZoneSpan(Zone zone, ulong startPfn, ulong spanned);

    /// <summary>mirrors the tail of <c>offline_pages</c> (<c>__offline_isolated_pages</c>, managed and present counts):
    /// the isolated, entirely free range becomes offline; false (nothing changed) otherwise.</summary>
    internal partial bool OfflineIsolatedRange(ulong startPfn, ulong endPfn);

    /// <summary>mirrors <c>online_pages</c> from <c>move_pfn_range_to_zone</c> on: the offline range joins
    /// <paramref name="zone"/> and is freed to the buddy allocator; false (nothing changed) unless all of it is offline.</summary>
    internal partial bool OnlineRange(ulong startPfn, ulong endPfn, Zone zone);

    /// <summary>mirrors <c>build_all_zonelists</c> after a zone became populated or empty.</summary>
    internal partial void RebuildZonelists();

    // ---- migration sources (mm/vmscan.c folio_isolate_lru, mm/migrate.c; Machine.Migration.cs) ----

    /// <summary>
    /// mirrors <c>folio_isolate_lru</c> (6.1) for a migration: the LRU head <paramref name="i"/> leaves its LRU list,
    /// keeps PG_active, and counts in NR_ISOLATED_ANON or NR_ISOLATED_FILE of its node until it is put back or moved;
    /// reclaim and compaction no longer see it.
    /// </summary>
    internal partial void IsolateLru(int i);

    /// <summary>
    /// mirrors <c>putback_movable_pages</c> → <c>folio_putback_lru</c> → <c>lruvec_add_folio</c> (6.1) for one isolated
    /// head: it goes to the head of the LRU list its PG_active names, and leaves the NR_ISOLATED count.
    /// </summary>
    internal partial void PutbackLru(int i);

    /// <summary>
    /// mirrors <c>migrate_folio_move</c> (6.1) into a target the ordinary allocator returned for the isolated head
    /// <paramref name="src"/> (<c>alloc_migration_target</c>, same order and use): the target takes the source's
    /// PG_active, dirty state, LRU age and references (<c>folio_migrate_flags</c>) and goes to the head of its list
    /// (<c>folio_add_lru</c>); the source leaves the NR_ISOLATED count and is freed.
    /// </summary>
    internal partial void MoveIsolated(int src, int dst);

    /// <summary>
    /// mirrors the free path of <c>reclaim_clean_pages_from_list</c> (6.1) for the isolated head <paramref name="i"/>:
    /// it leaves NR_ISOLATED and is freed without going back to its list.
    /// </summary>
    internal partial void FreeIsolated(int i);

    /// <summary>Pages of <paramref name="node"/> isolated for migration (<c>NR_ISOLATED_FILE</c> when
    /// <paramref name="file"/>, else <c>NR_ISOLATED_ANON</c>); 0 between model steps.</summary>
    internal partial long IsolatedPages(int node, bool file);

    // ---- the workload's order-0 path (Workloads/Simulation: about two million allocations and frees a run) ----

    /// <summary>
    /// One order-0 page for <paramref name="use"/>, exactly as <c>Allocate(0, gfp, node, use)</c>: the common case of
    /// <c>get_page_from_freelist</c> (a zone of the zonelist passes <c>zone_watermark_fast</c>'s order-0 shortcut and
    /// <c>__rmqueue_smallest</c> finds a page on the migratetype's or, for ALLOC_CMA, the CMA lists) without the
    /// general walk; everything else goes to <c>Allocate</c> before any state has changed.
    /// </summary>
    internal partial AllocResult AllocateOrder0(GfpFlags gfp, int node, PageUse use);

    /// <summary>
    /// Up to <paramref name="max"/> order-0 pages, each exactly as <see cref="AllocateOrder0"/> would allocate it, taken
    /// one after the other while each is that call's common case in the zonelist's first zone (above its low mark, a
    /// <c>__rmqueue_smallest</c> hit); stops before a page that is not (untouched: the caller allocates it with
    /// <see cref="AllocateOrder0"/>) or after a page the run's <see cref="IOrder0Run.Took"/> declines. Returns the
    /// pages taken. Nothing outside the run reads or changes the machine between its pages.
    /// </summary>
    internal partial long AllocateOrder0Run<TRun>(GfpFlags gfp, int node, ref TRun run, long max)
        where TRun : struct, IOrder0Run;

    /// <summary>Frees the block at <paramref name="pfn"/> (<c>__free_pages</c>) when it is still an allocated head of
    /// <paramref name="order"/> and <paramref name="use"/>; else changes nothing and returns false.</summary>
    internal partial bool FreeIfAllocated(ulong pfn, int order, PageUse use);

    /// <summary>Marks the order-0 dirty page-cache page at <paramref name="pfn"/> clean (writeback done) when it is
    /// still allocated as one; else changes nothing.</summary>
    internal partial void CleanIfDirty(ulong pfn);

    /// <summary>
    /// Frees the order-0 page at <paramref name="pfn"/> as <c>FreeIfAllocated(pfn, 0, use)</c> does, but leaves its
    /// return to the buddy lists for <see cref="FlushFreeRun"/> while the pages freed are consecutive pfns of one zone.
    /// The caller calls <see cref="FlushFreeRun"/> before anything else reads or changes the machine.
    /// </summary>
    internal partial bool FreeIfAllocatedDeferred(ulong pfn, PageUse use);

    /// <summary>Gives the pages <see cref="FreeIfAllocatedDeferred"/> freed back to the buddy lists, leaving them as
    /// freeing the pages one by one would have.</summary>
    internal partial void FlushFreeRun();

    // ---- device-state seeding (Workloads/DeviceState: a booted machine set to a real device's counts) ----

    /// <summary>The index of <paramref name="pfn"/>.</summary>
    internal partial int SeedIndex(ulong pfn);

    /// <summary>Takes every free block of a zone off the free lists (each managed page becomes a plain page the caller
    /// gives back with <see cref="SeedFree"/> or <see cref="SeedAllocate"/>); returns the pages taken.</summary>
    internal partial long SeedTakeAll(int zone);

    /// <summary>True when <paramref name="i"/> is a plain managed page of <paramref name="zone"/> (after <see cref="SeedTakeAll"/>).</summary>
    internal partial bool SeedIsPlain(int i, int zone);

    /// <summary>mirrors <c>set_pageblock_migratetype</c> on the pageblock of <paramref name="i"/>, with the zone's
    /// highatomic and isolate pageblock counters.</summary>
    internal partial void SeedSetPageblock(int i, MigrateType mt);

    /// <summary>Gives a plain block back to the buddy lists of <paramref name="mt"/> (<c>__free_one_page</c>, FPI_NONE).</summary>
    internal partial void SeedFree(int i, int order, MigrateType mt);

    /// <summary>Makes a plain page an order-0 allocation of a use (<c>prep_new_page</c>), on the active LRU list when asked.</summary>
    internal partial void SeedAllocate(int i, MigrateType mt, PageUse use, bool active);

    /// <summary>Moves a reservation after <see cref="SeedTakeAll"/>: a plain managed page becomes PG_reserved, or a
    /// reserved page a plain one (the oracle's start from the guest's own page state).</summary>
    internal partial void SeedSetReserved(int i, bool reserved);
}

// Page-level operations for the reclaim and compaction models, implemented here: they act on block heads by index
// and keep every counter and list consistent, so the invariant checker holds between model steps.
public sealed unsafe partial class Machine
{
    internal byte InfoAt(int i) => _info[i];

    internal int KindAt(int i) => PageState.KindOf(_flags[i]);

    internal int IndexOf(ulong pfn) => (int)(pfn - _base);

    /// <summary>Zone span as head indices [start, end) clipped to the map.</summary>
    internal (int Start, int End) ZoneIndexRange(Zone z)
    {
        long s = Math.Max((long)z.StartPfn - (long)_base, 0);
        long e = Math.Min((long)z.EndPfn - (long)_base, _length);
        return ((int)Math.Min(s, _length), (int)Math.Max(e, 0));
    }

    internal MigrateType PageblockTypeAt(int i) => GetPageblockMt(i);

    /// <summary>Takes a free block off its list (compaction's isolate_freepages / __isolate_free_page):
    /// NR_FREE_PAGES drops; the pages belong to the caller until placed or released.</summary>
    internal int IsolateFree(int i)
    {
        int order = PageState.OrderOf(_flags[i]);
        DelFromFreeList(i, _zones[_zoneOf[i]], order);
        return order;
    }

    /// <summary>Gives isolated pages back to the buddy allocator (<c>release_freepages</c>).</summary>
    internal void ReleaseIsolated(int i, int order)
    {
        _flags[i] = KindTail;
        FreeOnePage(i, _zones[_zoneOf[i]], order, GetPageblockMt(i), toTail: false);
    }

    /// <summary>
    /// Moves the contents of the isolated order-0 block <paramref name="src"/> (<see cref="IsolateLru"/>) into isolated
    /// free page <paramref name="dst"/> (migrate_pages with a compaction target): the destination inherits migratetype,
    /// use, PG_active and LRU age and goes to the head of its list, the source leaves NR_ISOLATED and is freed. Returns
    /// false when the source is not an allocated order-0 block.
    /// </summary>
    internal bool MigratePage(int src, int dst)
    {
        if (_flags[src] != PageState.Flags(KindAlloc, 0))
        {
            return false;
        }

        byte info = _info[src];
        bool active = (info & PageState.Active) != 0;
        var use = PageState.UseOf(info);
        _flags[dst] = PageState.Flags(KindAlloc, 0);
        _info[dst] = PageState.WithoutLru(info);
        _usePages[_zones[_zoneOf[dst]].Node * UseKinds + (int)use]++;
        LruAges?.SetStamp(dst, LruAges.StampOf(src)); // migration keeps the page's LRU age
        _refs[dst] = _refs[src]; // and its references (folio_migrate_flags; remove_migration_pte keeps a young PTE)
        LruAdd(dst, _zones[_zoneOf[dst]].Node, LruFor(use, active));
        AddIsolated(src, -1);
        _info[src] = PageState.WithoutLru(info);
        if (_holdZone is not null && ReferenceEquals(_zones[_zoneOf[src]], _holdZone))
        {
            HoldMigrated(src, ReleaseHead(src, 0)); // migrate_folio_done's folio_put: onto this CPU's pcp list
        }
        else
        {
            FreeNoCheck(_base + (ulong)src, 0);
        }

        NotifyMigrated(_base + (ulong)src, _base + (ulong)dst);
        return true;
    }

    /// <summary>Reclaims an allocated LRU block: it leaves the LRU and is freed (shrink_folio_list's free path).</summary>
    internal void ReclaimBlock(int i) => FreeNoCheck(_base + (ulong)i, PageState.OrderOf(_flags[i]));

    /// <summary>Runs the debug checker if enabled (after a model step).</summary>
    internal void DebugCheck() => CheckIfDebug();

    /// <summary>Clears the watermark boost of a node's zones (kswapd after boosted reclaim).</summary>
    internal void ClearBoosts(int node)
    {
        foreach (Zone z in _zones)
        {
            if (z.Node == node)
            {
                z.Watermarks.Boost = 0;
            }
        }
    }
}
