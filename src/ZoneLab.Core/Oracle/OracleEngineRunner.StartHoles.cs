using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Oracle;

/// <content>
/// The step-0 free blocks below MAX_ORDER - 1 of the re-created start: the holes the guest's used memory leaves.
/// </content>
public sealed partial class OracleEngineRunner
{
    // pages of the holes' fill kept in use until the holes are made (ReleaseResidueTail then frees what is left)
    private const long HoleMargin = 2048;

    // the movable free lists only: making the unmovable and reclaimable lists' holes too (freeing re-created kernel and
    // reclaimable-slab pages of those pageblocks) was measured and not kept (docs/fidelity.md, Round 15, fidholes)
    private static readonly MigrateType[] s_holeTypes = [MigrateType.Movable];

    /// <summary>Per zone ("node0 DMA32"): the free blocks of orders 0..MAX_ORDER-2 the re-created start made as holes.</summary>
    internal Dictionary<string, long> StartHoles { get; } = new(StringComparer.Ordinal);

    // the first of _kernel.Pages that the holes' fill allocated: those pages take no hole (the fill's tail is given
    // back afterwards, and a hole there could merge with it)
    private int _holeFillFirst = int.MaxValue;

    /// <summary>
    /// Gives the re-created used memory the guest's holes. The fill allocates the used pages one after another, so the
    /// engine's step-0 free memory is almost all whole MAX_ORDER - 1 blocks; the guest's is not: its step-0
    /// pagetypeinfo lists free blocks of every order below in the movable pageblocks (x86_64 pipes-unmovable DMA32:
    /// 2 3 5 3 4 5 4 6 4 0 of orders 0-9 next to 99 of order 10), each a block whose buddy is in use (__free_one_page,
    /// 6.1 mm/page_alloc.c, merges every pair of free buddies). They come back whenever a workload frees what it put
    /// in them: a `file` step's page cache takes the smallest free blocks first (__rmqueue_smallest) and freeing the
    /// file gives them back (the guest's pipes-unmovable and slab-pollution have at least as many free blocks of each
    /// order after `free` as at step 0, in every run). So the re-created start makes as many free blocks of each order
    /// on the movable lists as the step-0 pagetypeinfo shows, each the lower half of an aligned block of the residue's
    /// movable pages, so that its buddy (the upper half) stays in use; the pages they free are first taken from the
    /// zone's whole blocks, so that the zone's free count stays the zoneinfo's.
    /// </summary>
    /// <param name="zi">Step 0's zoneinfo, as AllocateResidue read it.</param>
    private void MakeStartHoles(IReadOnlyList<ZoneinfoZone> zi)
    {
        string path = _rec.PathOf("step0.pagetypeinfo.txt");
        // not with --per-cpu-lists: the fill's rmqueue_bulk leaves pages on the lists, outside the zone's free count
        // that the holes keep, and SeedPcp takes its pages from the residue's tail (the combination is not measured)
        if (!File.Exists(path) || _m.PerCpuLists)
        {
            return;
        }

        PagetypeinfoFile pti = PagetypeinfoReader.Read(path, path);
        foreach (Zone z in _m.Zones.OrderBy(z => z.Type).ThenBy(z => z.Node))
        {
            PagetypeinfoZone? kernel = pti.Zones.FirstOrDefault(r => r.Node == z.Node && r.Zone == z.Name);
            ZoneinfoZone? real = zi.FirstOrDefault(r => r.Node == z.Node && r.Type == z.Type);
            if (kernel == null || real == null || !z.IsPopulated || z.Type == ZoneType.Movable)
            {
                continue;
            }

            // the fill below takes the zone's own small movable blocks first, and its last, partly used block leaves
            // small free blocks that the fill's tail, given back, merges again: so every one of the guest's is a hole
            long Want(MigrateType t, int o) => kernel.Capped[(int)t, o] ? 0 : kernel.Free[(int)t, o];
            long HolePages()
            {
                long n = 0;
                foreach (MigrateType t in s_holeTypes)
                {
                    for (int o = 0; o < Pageblock.MaxOrder; o++)
                    {
                        n += Want(t, o) << o;
                    }
                }

                return n;
            }

            // the pages the holes will free, taken from the zone's free memory first (smallest blocks first, so the
            // fill also takes the few small free blocks it had, which the holes then replace)
            long small = 0;
            for (int o = 0; o < Pageblock.MaxOrder; o++)
            {
                small += (long)_m.FreeCount(z.Index, o, MigrateType.Movable) << o;
            }

            int firstNew = _kernel.Pages.Count;
            _holeFillFirst = firstNew;
            Fill(z, HolePages() + small + HoleMargin, ResidueMovableGfp(z.Type), PageUse.Anon);
            // give back what the holes will not free, last-allocated first (those pages merge with the zone's free
            // memory again); the margin stays in use until the holes are made, as the pages given back can merge
            // small free blocks into larger ones and so ask for a few more holes
            ReleaseResidueTail(z, firstNew, (long)real.Free - z.NrFreePages - HolePages() - HoleMargin);

            long made = 0;
            (int start, int stop) = _m.ZoneIndexRange(z);
            var candidate = new bool[stop - start];
            var inUse = new bool[stop - start];
            foreach (MigrateType t in s_holeTypes)
            {
                for (int i = start; i < stop; i++)
                {
                    ulong pfn = _m.PfnAt(i);
                    candidate[i - start] = HoleCandidate(pfn, z, t);
                    // a buddy half that stays in use: order-0 pages in use that nothing here frees later (not the
                    // holes' own fill, whose tail is given back) or reserved pages
                    inUse[i - start] = candidate[i - start] || _m.IsReservedPage(pfn)
                        || (_m.IsAllocatedHead(pfn, out int o0) && o0 == 0 && !(_tag[i] == _kernel.Id && _m.UseOf(pfn) == PageUse.Anon && _tagIndex[i] >= _holeFillFirst));
                }

                for (int o = Pageblock.MaxOrder - 1; o >= 0; o--)
                {
                    long want = Want(t, o);
                    if (want > 0)
                    {
                        made += PunchHoles(start, candidate, inUse, o, want);
                    }
                }
            }

            // a hole that found no place leaves its pages in use: free as many of the fill's last ones
            ReleaseResidueTail(z, firstNew, (long)real.Free - z.NrFreePages);
            _holeFillFirst = int.MaxValue;
            StartHoles[$"node{z.Node} {z.Name}"] = made;
        }
    }

    private void ReleaseResidueTail(Zone z, int firstNew, long pages)
    {
        for (int j = _kernel.Pages.Count - 1; j >= firstNew && pages > 0; j--)
        {
            if (_kernel.Pages[j] is ulong pfn && pfn != 0 && pfn != Swapped && _m.ZoneIndexOf(pfn) == z.Index && OwnsPage(_kernel, j))
            {
                ReleasePage(_kernel, j);
                pages--;
            }
        }
    }

    // A used page of the re-created start that a hole may take: an order-0 movable residue page (the guest's page cache
    // and anonymous memory) of a pageblock of type t, not one of the holes' own fill.
    private bool HoleCandidate(ulong pfn, Zone z, MigrateType t)
    {
        if (_m.ZoneIndexOf(pfn) != z.Index || _tag[Ix(pfn)] != _kernel.Id || !_m.IsAllocatedHead(pfn, out int o) || o != 0 || _m.PageblockType(pfn) != t)
        {
            return false;
        }

        return _m.UseOf(pfn) == PageUse.Anon && _tagIndex[Ix(pfn)] < _holeFillFirst && _kernel.Pages[_tagIndex[Ix(pfn)]] == pfn;
    }

    // Frees `want` order-o holes in type-t pageblocks of zone z, spread evenly over the aligned 2^(o+1) blocks one half
    // of which is residue pages a hole may take and the other half pages in use: that half is freed, the other stays
    // in use (the hole's buddy), so __free_one_page cannot merge the hole.
    // (candidate: per page of the zone from index start, a page HoleCandidate accepts and no hole has taken; inUse: a
    // page that stays in use)
    private long PunchHoles(int start, bool[] candidate, bool[] inUse, int order, long want)
    {
        int size = 2 << order, half = 1 << order;
        var ok = new int[candidate.Length + 1];
        var used = new int[candidate.Length + 1];
        for (int i = 0; i < candidate.Length; i++)
        {
            ok[i + 1] = ok[i] + (candidate[i] ? 1 : 0);
            used[i + 1] = used[i] + (inUse[i] ? 1 : 0);
        }

        var chunks = new List<int>();   // the index of the half to free
        ulong first = (_m.PfnAt(start) + (ulong)size - 1) & ~((ulong)size - 1);
        for (ulong pfn = first; pfn + (ulong)size <= _m.PfnAt(start + candidate.Length - 1) + 1; pfn += (ulong)size)
        {
            int i = Ix(pfn) - start;
            if (ok[i + half] - ok[i] == half && used[i + size] - used[i + half] == half)
            {
                chunks.Add(i + start);
            }
            else if (ok[i + size] - ok[i + half] == half && used[i + half] - used[i] == half)
            {
                chunks.Add(i + half + start);
            }
        }

        long made = 0;
        for (long k = 0; k < want && k < chunks.Count; k++)
        {
            int c = chunks[(int)(k * chunks.Count / Math.Min(want, chunks.Count))];
            int buddy = Ix(_m.PfnAt(c) ^ (ulong)half);
            for (int p = 0; p < half; p++)
            {
                // the buddy half stays in use; no other hole may take its pages as a whole block any more
                candidate[c + p - start] = candidate[buddy + p - start] = false;
                inUse[c + p - start] = false;
                ReleasePage(_kernel, _tagIndex[c + p]);
            }

            made++;
        }

        return made;
    }
}
