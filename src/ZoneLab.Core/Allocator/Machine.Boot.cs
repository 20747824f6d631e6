using System.Runtime.CompilerServices;
using ZoneLab.Layout;

namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    // Boot, in the kernel's order: memmap_init (the pageblocks that start in a present range MOVABLE), the memblock
    // reservations, memmap_init_reserved_pages (DMBs), memblock_free_all, shuffle_free_memory, cma_activate_area.
    private void Boot(MachineSpec spec)
    {
        // page_alloc.shuffle is an early parameter: in force for every free from here on
        InitShuffle(spec.Sysctls);
        List<(ZoneSpec Spec, Zone Zone, List<PfnRange> Ranges)> present = MemmapInit(spec, out List<PfnRange> covered);
        List<PfnRange> excluded = MemblockReserved(spec, present);
        if (spec.DeferredStructPageInit)
        {
            DeferredInitPageblockTypes(spec, present, excluded);
        }

        (int[] bootPristineFrom, int[] bootPristineTo) = DeferredInitRanges(present, excluded);
        MemmapInitHolesAndReserved(covered, excluded);
        MemmapInitReservedPages(spec.MovableBlocks);
        MemblockFreeAll(present, excluded, bootPristineFrom, bootPristineTo);

        // From here on the pristine blocks are the MOVABLE order-10 lists' tails.
        bootPristineFrom.CopyTo(_pristineNext, 0);
        bootPristineTo.CopyTo(_pristineEnd, 0);

        // page_alloc_init_late -> shuffle_free_memory (page_alloc.shuffle=1), before the CMA areas are activated
        ShuffleFreeMemory();
        foreach (PfnRange c in spec.Cma)
        {
            CmaActivateArea(c);
        }

        foreach ((ZoneSpec _, Zone zone, List<PfnRange> _) in present)
        {
            zone.Watermarks.PresentPages = zone.PresentPages;
            EnsureLinked(zone.Index);
        }
    }

    // mirrors memmap_init -> memmap_init_range: present pages get their zone and PG_reserved, the pageblocks that
    // start inside a present range are set MIGRATE_MOVABLE; returns each zone's present ranges and (in covered) all of them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    private List<(ZoneSpec Spec, Zone Zone, List<PfnRange> Ranges)> MemmapInit(MachineSpec spec, out List<PfnRange> covered)
    {
        var present = new List<(ZoneSpec Spec, Zone Zone, List<PfnRange> Ranges)>();
        covered = new List<PfnRange>();
        foreach (ZoneSpec zs in spec.Zones)
        {
            if (zs.SpannedPages == 0)
            {
                continue;
            }

            Zone zone = _zones[zs.Node * MaxNrZones + (int)zs.Type];
            var ranges = new List<PfnRange>();
            // mirrors memmap_init_zone_range -> memmap_init_range (6.1 mm/page_alloc.c): pages get their zone link and
            // PG_reserved; the pageblock-aligned pfns inside the range set their block MIGRATE_MOVABLE
            foreach (PfnRange r0 in zs.PresentRanges.OrderBy(r => r.Start))
            {
                PfnRange r = r0.Intersect(new PfnRange(zs.StartPfn, zs.EndPfn));
                if (r.IsEmpty)
                {
                    continue;
                }

                int i0 = (int)(r.Start - _base);
                int n = (int)r.Pages;
                foreach (PfnRange c in covered)
                {
                    if (!c.Intersect(r).IsEmpty)
                    {
                        throw new ArgumentException($"range {r} is present in two zones", nameof(spec));
                    }
                }

                covered.Add(r);
                // 6.1 marks a block only when the loop's pfn is pageblock_aligned(): a block whose first present pfn
                // is not its first pfn (x86_64's DMA starts at pfn 1, pfn 0 being e820-reserved) keeps the zeroed
                // usemap's 0, MIGRATE_UNMOVABLE. init_unavailable_range (the holes) sets no migratetype.
                for (ulong pb = (r.Start + Pageblock.NrPages - 1) & ~(Pageblock.NrPages - 1); pb < r.End; pb += Pageblock.NrPages)
                {
                    SetPageblockMt((int)(pb - _base), MigrateType.Movable);
                }

                zone.PresentPages += r.Pages;
                ranges.Add(r);
            }

            present.Add((zs, zone, ranges));
        }

        return present;
    }

    // memblock.reserved as far as the buddy allocator is concerned: the pfns memblock_free_all does not free.
    private static List<PfnRange> MemblockReserved(MachineSpec spec, List<(ZoneSpec Spec, Zone Zone, List<PfnRange> Ranges)> present)
    {
        // Which present pfns stay reserved (kernel image, memmap, firmware...): explicit ranges, or the
        // zone's lowest present pfns outside CMA areas.
        var excluded = new List<PfnRange>(spec.Cma);
        excluded.AddRange(spec.MovableBlocks);
        var bootReserved = new List<PfnRange>(excluded);
        if (spec.Reserved is not null)
        {
            excluded.AddRange(spec.Reserved);
        }
        else
        {
            HashSet<ZoneSpec> lastZones = spec.DeferredStructPageInit ? NodeLastZones(present) : [];
            foreach ((ZoneSpec zs, Zone zone, List<PfnRange> ranges) in present)
            {
                ulong toReserve = zone.PresentPages > zs.ManagedPages ? zone.PresentPages - zs.ManagedPages : 0;
                if (lastZones.Contains(zs))
                {
                    PlaceTopDown(spec, ranges, bootReserved, toReserve, excluded);
                    continue;
                }

                foreach (PfnRange r in ranges)
                {
                    foreach (PfnRange piece in r.Subtract(bootReserved))
                    {
                        if (toReserve == 0)
                        {
                            break;
                        }

                        ulong take = Math.Min(toReserve, piece.Pages);
                        excluded.Add(new PfnRange(piece.Start, piece.Start + take));
                        toReserve -= take;
                    }
                }
            }
        }

        excluded.Sort((a, b) => a.Start.CompareTo(b.Start));
        return excluded;
    }

    // The deferred-init ranges (deferred_init_memmap, modelled lazily) and memmap_init_range's zone links.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    private (int[] From, int[] To) DeferredInitRanges(List<(ZoneSpec Spec, Zone Zone, List<PfnRange> Ranges)> present, List<PfnRange> excluded)
    {
        // The boot max-order blocks at the end of each zone's last free range stay "pristine": counted on the MOVABLE
        // order-10 list but linked (and given their zone id) only when first needed, like the kernel's deferred
        // struct page init. They are the list's tail in ascending order, exactly where boot freeing puts them.
        var bootPristineFrom = new int[_zones.Length];
        var bootPristineTo = new int[_zones.Length];
        foreach ((ZoneSpec _, Zone zone, List<PfnRange> ranges) in present)
        {
            PfnRange last = default;
            foreach (PfnRange r in ranges)
            {
                foreach (PfnRange piece in r.Subtract(excluded))
                {
                    last = piece;
                }
            }

            ulong from = (last.Start + Pageblock.MaxOrderNrPages - 1) & ~(Pageblock.MaxOrderNrPages - 1);
            ulong to = last.End & ~(Pageblock.MaxOrderNrPages - 1);
            // a block left MIGRATE_UNMOVABLE by deferred init (Machine.DeferredInit.cs) ends the pristine MOVABLE run
            for (ulong pb = from; pb < to; pb += Pageblock.NrPages)
            {
                if (GetPageblockMt((int)(pb - _base)) != MigrateType.Movable)
                {
                    to = pb & ~(Pageblock.MaxOrderNrPages - 1);
                    break;
                }
            }

            if (!last.IsEmpty && to > from && GetPageblockMt((int)(from - _base)) == MigrateType.Movable)
            {
                bootPristineFrom[zone.Index] = (int)(from - _base);
                bootPristineTo[zone.Index] = (int)(to - _base);
            }

            // memmap_init_range's zone links, for everything but the pristine blocks
            foreach (PfnRange r in ranges)
            {
                foreach (PfnRange part in r.Subtract([new PfnRange(_base + (ulong)bootPristineFrom[zone.Index], _base + (ulong)bootPristineTo[zone.Index])]))
                {
                    new Span<byte>(_zoneOf + (part.Start - _base), (int)part.Pages).Fill((byte)zone.Index);
                }
            }
        }

        return (bootPristineFrom, bootPristineTo);
    }

    // mirrors memmap_init's init_unavailable_range (holes) and reserve_bootmem_region (PG_reserved pages).
    private void MemmapInitHolesAndReserved(List<PfnRange> covered, List<PfnRange> excluded)
    {
        // Holes: every pfn of the map outside the present ranges. Reservations: present pfns never freed.
        foreach (PfnRange hole in new PfnRange(_base, _base + (ulong)_length).Subtract(covered))
        {
            new Span<byte>(_flags + (hole.Start - _base), (int)hole.Pages).Fill(PageState.Flags(KindHole, 0));
            new Span<byte>(_zoneOf + (hole.Start - _base), (int)hole.Pages).Fill(NoZone);
        }

        foreach (PfnRange r in covered)
        {
            foreach (PfnRange res in r.Subtract(r.Subtract(excluded)))
            {
                new Span<byte>(_flags + (res.Start - _base), (int)res.Pages).Fill(PageState.Flags(KindReserved, 0));
            }
        }
    }

    private void MemmapInitReservedPages(IReadOnlyList<PfnRange> movableBlocks)
    {
        // mirrors memmap_init_reserved_pages -> dmb_init_region (DMB series): each DMB pageblock is freed with
        // init_reserved_pageblock -> __free_pages (merging to MAX_ORDER, FPI_NONE), before the free ranges below
        foreach (PfnRange d in movableBlocks)
        {
            for (ulong pfn = d.Start; pfn < d.End; pfn += Pageblock.NrPages)
            {
                int i = (int)(pfn - _base);
                Zone z = _zones[_zoneOf[i]];
                new Span<byte>(_flags + i, (int)Pageblock.NrPages).Fill(KindTail); // PG_reserved cleared
                z.Watermarks.ManagedPages += Pageblock.NrPages;
                FreeOnePage(i, z, Pageblock.Order, MigrateType.Movable, toTail: false);
            }
        }
    }

    private void MemblockFreeAll(List<(ZoneSpec Spec, Zone Zone, List<PfnRange> Ranges)> present, List<PfnRange> excluded, int[] bootPristineFrom, int[] bootPristineTo)
    {
        // mirrors memblock_free_all -> __free_pages_memory: each free range is handed over in the largest
        // naturally aligned chunks (order = min(MAX_ORDER-1, __ffs(start)), shrunk to fit), FPI_TO_TAIL.
        // The model frees per zone so no chunk straddles a zone (the kernel's deferred init frees per zone too).
        foreach ((ZoneSpec _, Zone zone, List<PfnRange> ranges) in present)
        {
            foreach (PfnRange r in ranges)
            {
                foreach (PfnRange piece in r.Subtract(excluded))
                {
                    FreeMemoryRange(zone, piece.Start, piece.End, bootPristineFrom[zone.Index], bootPristineTo[zone.Index]);
                }
            }
        }
    }

    // mirrors cma_activate_area -> init_cma_reserved_pageblock: each CMA pageblock is retyped MIGRATE_CMA,
    // freed at pageblock order (merging to MAX_ORDER with CMA buddies), and added to managed and cma_pages.
    private void CmaActivateArea(PfnRange c)
    {
        if ((c.Start & (Pageblock.NrPages - 1)) != 0 || (c.End & (Pageblock.NrPages - 1)) != 0)
        {
            throw new ArgumentException($"CMA area {c} is not pageblock aligned", "spec");
        }

        int z = ZoneIndexOf(c.Start);
        for (ulong pfn = c.Start; pfn < c.End; pfn += Pageblock.NrPages)
        {
            int i = (int)(pfn - _base);
            foreach (byte b in new ReadOnlySpan<byte>(_zoneOf + i, (int)Pageblock.NrPages))
            {
                if (b != z)
                {
                    throw new ArgumentException($"CMA area {c} is not within one zone (cma_validate_zones)", "spec");
                }
            }

            new Span<byte>(_flags + i, (int)Pageblock.NrPages).Fill(KindTail); // PG_reserved cleared
            SetPageblockMt(i, MigrateType.Cma);
            _zones[z].Watermarks.ManagedPages += Pageblock.NrPages;
            _zones[z].CmaPages += Pageblock.NrPages;
            FreeOnePage(i, _zones[z], Pageblock.Order, MigrateType.Cma, toTail: false);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    private void FreeMemoryRange(Zone zone, ulong start, ulong end, int pristineFrom, int pristineTo)
    {
        while (start < end)
        {
            int order = Math.Min(Pageblock.MaxOrder, System.Numerics.BitOperations.TrailingZeroCount(start == 0 ? 1UL << 63 : start));
            while (start + (1UL << order) > end)
            {
                order--;
            }

            // mirrors __free_pages_core: the pages become buddy pages (their flags are already plain), managed grows
            int i = (int)(start - _base);
            zone.Watermarks.ManagedPages += 1UL << order;
            if (i >= pristineFrom && i < pristineTo)
            {
                // a pristine block: counted now, linked on first use (it would go to the list tail, never merging)
                _listCount[ListIndex(zone.Index, Pageblock.MaxOrder, (int)MigrateType.Movable)]++;
                _areaNrFree[zone.Index * NrOrders + Pageblock.MaxOrder]++;
                AccountFree(zone, MigrateType.Movable, 1L << order);
                start += 1UL << order;
                continue;
            }

            if (order > Pageblock.Order && GetPageblockMt(i) != GetPageblockMt(i + (int)Pageblock.NrPages))
            {
                // deferred_free_pages frees pageblock by pageblock, each with its own block's type; the second merges
                FreeOnePage(i, zone, Pageblock.Order, GetPageblockMt(i), toTail: true);
                FreeOnePage(i + (int)Pageblock.NrPages, zone, Pageblock.Order, GetPageblockMt(i + (int)Pageblock.NrPages), toTail: true);
            }
            else
            {
                FreeOnePage(i, zone, order, GetPageblockMt(i), toTail: true);
            }

            start += 1UL << order;
        }
    }

    // mirrors build_zonelists_in_node_order: for each node, the nodes in NodeFallbackOrder's order (find_next_best_node
    // over the layout's distances), each node's populated zones from the highest index down.
    private int[][] BuildZonelists()
    {
        int[][] nodeOrder = NodeFallbackOrder.Build(NodeCount, NodeHasMemory, _numa);
        var lists = new int[NodeCount][];
        for (int n = 0; n < NodeCount; n++)
        {
            var order = new List<int>();
            foreach (int node in nodeOrder[n])
            {
                for (int t = MaxNrZones - 1; t >= 0; t--)
                {
                    Zone z = _zones[node * MaxNrZones + t];
                    if (z.IsPopulated)
                    {
                        order.Add(z.Index);
                    }
                }
            }

            lists[n] = order.ToArray();
        }

        return lists;
    }

    private bool NodeHasMemory(int node)
    {
        for (int t = 0; t < MaxNrZones; t++)
        {
            if (_zones[node * MaxNrZones + t].IsPopulated)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Each node's fallback node order ("Fallback order for Node N" of build_zonelists).</summary>
    public IReadOnlyList<int> FallbackNodes(int node) => NodeFallbackOrder.Build(NodeCount, NodeHasMemory, _numa)[node];

    /// <summary>The fallback zonelist of a node (zone indices, in the order the allocator tries them).</summary>
    public IReadOnlyList<int> Zonelist(int node) => _zonelists[node];
}
