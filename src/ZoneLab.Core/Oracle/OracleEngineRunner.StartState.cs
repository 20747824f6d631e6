using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Oracle;

/// <summary>What starting from the guest's own page state did (OracleEngineRunner.StartState.cs).</summary>
/// <param name="FreePages">Pages of the guest's free blocks given to the engine's free lists.</param>
/// <param name="LostFreePages">Pages of the guest's free blocks at pfns the engine does not manage (its holes).</param>
/// <param name="UsedPages">Pages allocated in place as the guest's used pages.</param>
/// <param name="ReservedMoved">Pages whose PG_reserved was moved to where the guest has it (each way).</param>
/// <param name="ReservedUnmatched">Guest reserved pages the engine could not reserve in place (counted as kernel pages).</param>
/// <param name="PcpPages">Guest pages taken to be on a per-cpu list (no kpageflags flag, in a MOVABLE pageblock, up to the
/// zone's pageset counts), given to the buddy allocator after the step-0 snapshot.</param>
public sealed record StartStateResult(long FreePages, long LostFreePages, long UsedPages, long ReservedMoved, long ReservedUnmatched, long PcpPages);

/// <summary>
/// The engine started from the guest's own page state at step 0 (`zonelab oracle compare --start-state`) instead of
/// re-creating the used memory by allocating it: every pageblock gets the guest's migratetype, PG_reserved goes where
/// the guest has it, the guest's free blocks go on the free list of their pageblock's type with <c>__free_one_page</c>
/// (they do not merge: the guest's buddies of one order are never both free), and every other managed page becomes an
/// order-0 allocation of what kpageflags says it is (LRU anon or shmem, LRU file, dirty file, slab, page table, other
/// kernel memory).
/// </summary>
public sealed partial class OracleEngineRunner
{
    private readonly List<ulong> _startPcpPages = [];

    /// <summary>Set when the run started from the guest's page state.</summary>
    public StartStateResult? StartState { get; private set; }

    private void SeedFromPageState(GuestStartState s)
    {
        foreach (Zone z in _m.Zones)
        {
            if (z.PresentPages != 0)
            {
                _m.SeedTakeAll(z.Index);
            }
        }

        // pageblock types (the engine's CMA blocks are the design's: the guest's match them when the layout does)
        ulong end = _m.BasePfn + (ulong)_m.PfnCount;
        for (ulong pfn = _m.BasePfn & ~(Pageblock.NrPages - 1); pfn < end; pfn += Pageblock.NrPages)
        {
            ulong p = Math.Max(pfn, _m.BasePfn);
            for (; p < Math.Min(pfn + Pageblock.NrPages, end) && _m.ZoneIndexOf(p) < 0; p++)
            {
            }

            if (p < end && _m.ZoneIndexOf(p) >= 0 && p < s.Pages.PfnCount && _m.PageblockType(p) != MigrateType.Cma)
            {
                MigrateType mt = s.PageblockType(p);
                if (mt != MigrateType.Cma)
                {
                    _m.SeedSetPageblock(_m.SeedIndex(p), mt);
                }
            }
        }

        long moved = MoveReservations(s, out long unmatched);

        var taken = new bool[_m.PfnCount];
        long freePages = 0, lost = 0;
        // kpageflags does not say where on its list a free block is: give them back from the highest pfn down, so that
        // (__free_one_page adds at the head) each list runs up from its lowest pfn, as memblock_free_all leaves the
        // lists at boot (ascending pfns, FPI_TO_TAIL) and as the guest's untouched memory still is
        for (int k = s.FreeBlocks.Count - 1; k >= 0; k--)
        {
            GuestFreeBlock b = s.FreeBlocks[k];
            lost += GiveFree(taken, b.Pfn, b.Order, b.Migratetype, ref freePages);
        }

        long used = 0;
        IReadOnlyList<ZoneinfoZone> zoneinfo = ZoneinfoReader.ParseFile(_rec.PathOf("step0.zoneinfo.txt"), _rec.PathOf("step0.zoneinfo.txt"));
        foreach (Zone z in _m.Zones)
        {
            if (z.PresentPages == 0)
            {
                continue;
            }

            long pcp = PagesetCount(zoneinfo, z);
            (int start, int stop) = _m.ZoneIndexRange(z);
            for (int i = start; i < stop; i++)
            {
                if (!_m.SeedIsPlain(i, z.Index) || taken[i])
                {
                    continue;
                }

                ulong pfn = _m.PfnAt(i);
                if (pcp > 0 && s.Pages.Flags(pfn) == 0 && s.PageblockType(pfn) == MigrateType.Movable)
                {
                    _startPcpPages.Add(pfn);
                    pcp--;
                }

                (PageUse use, bool active) = UseOf(s, pfn);
                _m.SeedAllocate(i, use switch
                {
                    PageUse.Kernel => MigrateType.Unmovable,
                    PageUse.SlabReclaimable => MigrateType.Reclaimable,
                    _ => MigrateType.Movable,
                }, use, active);
                if (use is PageUse.Anon or PageUse.Shmem)
                {
                    TagPage(_kernel, pfn);
                }
                else
                {
                    TrackBlock(_kernel, pfn, 0, use);
                }

                if (s.Pages.Has(pfn, GuestPageState.KpfPgTable))
                {
                    _m.AddKernelStat(z.Node, KernelPageStat.PageTables, 1);
                }

                used++;
            }
        }

        StartState = new StartStateResult(freePages, lost, used, moved, unmatched, _startPcpPages.Count);
    }

    private static long PagesetCount(IReadOnlyList<ZoneinfoZone> zoneinfo, Zone z)
    {
        long n = 0;
        foreach (ZoneinfoZone r in zoneinfo)
        {
            if (r.Node == z.Node && r.Type == z.Type)
            {
                foreach (ZoneinfoPageset p in r.Pagesets)
                {
                    n += p.Count;
                }
            }
        }

        return n;
    }

    // The guest's per-cpu list pages at step 0 are free memory that its next order-0 allocations take first
    // (rmqueue_pcplist), outside NR_FREE_PAGES and buddyinfo only because free_unref_page_commit put them on a CPU's
    // list. kpageflags shows such a page with no flag at all (not PageBuddy, not on an LRU, not slab); a page with no
    // flag in a MOVABLE pageblock is taken to be one, up to the zone's pageset counts of the step-0 zoneinfo (pages
    // of the UNMOVABLE and RECLAIMABLE lists cannot be told from kernel memory and stay used; a CMA pageblock's are
    // cma_alloc's, e.g. the DMA atomic pools). The engine runs without per-cpu lists, so after the step-0 snapshot
    // (which shows the guest's own buddyinfo) they go to the buddy allocator, where __free_one_page merges them.
    private void ReleaseStartPcpPages()
    {
        foreach (ulong pfn in _startPcpPages)
        {
            FreeBlockIfOwned(_kernel, pfn, 0, PageUse.Kernel);
        }

        _startPcpPages.Clear();
    }

    // PG_reserved where the guest has it: as many of the engine's reserved pages become plain as guest reserved
    // pages become reserved, zone by zone, so the zone keeps present - managed reserved pages
    private long MoveReservations(GuestStartState s, out long unmatched)
    {
        long moved = 0;
        unmatched = 0;
        foreach (Zone z in _m.Zones)
        {
            if (z.PresentPages == 0)
            {
                continue;
            }

            (int start, int stop) = _m.ZoneIndexRange(z);
            var toReserve = new List<int>();
            var toFree = new List<int>();
            for (int i = start; i < stop; i++)
            {
                ulong pfn = _m.PfnAt(i);
                bool guest = s.Pages.Has(pfn, GuestPageState.KpfReserved) || s.Pages.Has(pfn, GuestPageState.KpfNoPage) || pfn >= s.Pages.PfnCount;
                if (_m.SeedIsPlain(i, z.Index) && guest)
                {
                    toReserve.Add(i);
                }
                else if (_m.ZoneIndexOf(pfn) == z.Index && _m.IsReservedPage(pfn) && !guest)
                {
                    toFree.Add(i);
                }
            }

            int n = Math.Min(toReserve.Count, toFree.Count);
            for (int k = 0; k < n; k++)
            {
                _m.SeedSetReserved(toReserve[k], true);
                _m.SeedSetReserved(toFree[k], false);
            }

            moved += n;
            unmatched += toReserve.Count - n;
        }

        return moved;
    }

    // Gives a guest free block to the engine's free lists; where the engine's zones or holes cut it, its halves go
    // separately (pages it does not manage are lost). Returns the pages lost.
    private long GiveFree(bool[] taken, ulong pfn, int order, MigrateType mt, ref long given)
    {
        ulong n = 1UL << order;
        bool whole = pfn >= _m.BasePfn && pfn + n <= _m.BasePfn + (ulong)_m.PfnCount;
        int zone = whole ? _m.ZoneIndexOf(pfn) : -1;
        whole &= zone >= 0;
        for (ulong p = pfn; whole && p < pfn + n; p++)
        {
            whole = _m.SeedIsPlain(_m.SeedIndex(p), zone) && !taken[_m.SeedIndex(p)];
        }

        if (whole)
        {
            Array.Fill(taken, true, _m.SeedIndex(pfn), (int)n);
            MigrateType block = _m.PageblockType(pfn);
            _m.SeedFree(_m.SeedIndex(pfn), order, block == MigrateType.Cma ? block : mt);
            given += (long)n;
            return 0;
        }

        return order == 0 ? 1 : GiveFree(taken, pfn, order - 1, mt, ref given) + GiveFree(taken, pfn + (n >> 1), order - 1, mt, ref given);
    }

    // what kpageflags says a used page is (fs/proc/page.c stable_page_flags): LRU pages by their mapping (anon, or
    // swap-backed shmem, or file, dirty or clean), slab by its pageblock (reclaimable caches allocate with
    // __GFP_RECLAIMABLE), everything else (page tables, vmalloc, per-cpu list pages, ...) kernel memory
    private static (PageUse Use, bool Active) UseOf(GuestStartState s, ulong pfn)
    {
        GuestPageState p = s.Pages;
        bool active = p.Has(pfn, GuestPageState.KpfActive);
        if (p.Has(pfn, GuestPageState.KpfAnon))
        {
            return (PageUse.Anon, active); // a THP's tails are anon (PageAnon reads the head) but not LRU
        }

        if (p.Has(pfn, GuestPageState.KpfLru))
        {
            if (p.Has(pfn, GuestPageState.KpfSwapBacked))
            {
                return (PageUse.Shmem, active);
            }

            return (p.Has(pfn, GuestPageState.KpfDirty) ? PageUse.FileDirty : PageUse.File, active);
        }

        if (p.Has(pfn, GuestPageState.KpfSlab) && s.PageblockType(pfn) == MigrateType.Reclaimable)
        {
            return (PageUse.SlabReclaimable, false);
        }

        return (PageUse.Kernel, false);
    }
}
