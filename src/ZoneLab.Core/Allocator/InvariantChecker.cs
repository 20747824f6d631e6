using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>Thrown by <see cref="InvariantChecker"/> when the model's state is inconsistent.</summary>
public sealed class InvariantViolationException(string message, string invariant) : Exception(message)
{
    /// <summary>The checker method that found the problem (the invariant's name, e.g. <c>BlockIsAligned</c>).</summary>
    public string Invariant { get; } = invariant;
}

/// <summary>
/// The debug checker (the model's CONFIG_DEBUG_VM): one method per invariant, each named for what it checks and
/// citing the kernel check it mirrors where the kernel has one. <see cref="Check"/> runs all of them: one walk over
/// the pfns checks every block and counts per zone, then each zone's free lists, counters, per-cpu lists and
/// watermarks are checked against the counts, then each node's LRU lists. O(pfns): meant for tests and small machines.
/// </summary>
public static class InvariantChecker
{
    /// <summary>Checks everything; throws <see cref="InvariantViolationException"/> on the first problem.</summary>
    public static void Check(Machine m)
    {
        m.MaterializeAll(); // deferred boot blocks are linked first: semantically neutral, makes every pfn walkable
        StickyPageblocksStayMovable(m);
        var c = new Census(m.Zones.Count);
        WalkBlocks(m, c);
        for (int z = 0; z < m.Zones.Count; z++)
        {
            FreeListsAreConsistent(m, z, c);
            FreeHeadsAreOnLists(m, z, c);
            NrFreePagesMatchesLists(m, z, c);
            NrFreeCmaPagesMatchesLists(m, z, c);
            ManagedPagesAddUp(m, z, c);
            PcpListsMatchCounts(m, z, c);
            PresentIsReservedPlusManaged(m, z, c);
            WatermarksAreOrdered(m, z);
        }

        for (int node = 0; node < m.NodeCount; node++)
        {
            LruListsAreConsistent(m, node);
        }
    }

    // Per-zone sums of the page walk, checked against the zone's lists and counters.
    private sealed class Census(int zones)
    {
        public readonly long[] FreeHeads = new long[zones];
        public readonly long[] FreePages = new long[zones];
        public readonly long[] CmaFree = new long[zones];
        public readonly long[] UsedPages = new long[zones];
        public readonly long[] Reserved = new long[zones];
        public readonly long[] PcpPages = new long[zones];
        public readonly long[] ListHeads = new long[zones];
        public readonly long[] ListPages = new long[zones];
        public readonly long[] ListCma = new long[zones];
    }

    // Every pfn belongs to exactly one hole, reservation, free, per-cpu or allocated block: the walk steps block by
    // block and checks each one.
    private static void WalkBlocks(Machine m, Census c)
    {
        ReadOnlySpan<byte> flags = m.FlagsArray;
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
        for (int i = 0; i < m.PfnCount;)
        {
            int kind = PageState.KindOf(flags[i]);
            int z = zoneOf[i];
            switch (kind)
            {
                case Machine.KindHole:
                    HoleHasNoZone(m, i);
                    i++;
                    continue;
                case Machine.KindReserved:
                    ReservedPageHasAZone(m, i);
                    c.Reserved[z]++;
                    i++;
                    continue;
                case Machine.KindTail:
                    throw Fail(i, m, "page belongs to no block (tail without a head)", "EveryPageIsInABlock");
            }

            int order = PageState.OrderOf(flags[i]);
            OrderIsInRange(m, i, order);
            BlockIsAligned(m, i, order);
            BlockHeadHasAZone(m, i);
            BlockPagesAreTails(m, i, order);
            BlockIsInOneZone(m, i, order);
            BlockIsInsideItsZone(m, i, order);
            switch (kind)
            {
                case Machine.KindFree:
                    FreeCmaPagesAreOnCmaLists(m, i, order);
                    FreeListTypeMatchesPageblock(m, i, order);
                    var mt = PageState.MigrateTypeOf(m.InfoArray[i]);
                    c.FreeHeads[z]++;
                    c.FreePages[z] += mt != MigrateType.Isolate ? 1L << order : 0;
                    c.CmaFree[z] += mt == MigrateType.Cma ? 1L << order : 0;
                    break;
                case Machine.KindPcp:
                    PcpPagesNeedPcpLists(m, i);
                    c.PcpPages[z] += 1L << order;
                    break;
                case Machine.KindAlloc:
                    NoUnmovableInMovableOnlyMemory(m, i, order);
                    c.UsedPages[z] += 1L << order;
                    break;
                default:
                    throw Fail(i, m, $"unknown page kind {kind}", "EveryPageIsInABlock");
            }

            i += 1 << order;
        }
    }

    /// <summary>A hole of the memory map (or offline memory) belongs to no zone.</summary>
    private static void HoleHasNoZone(Machine m, int i)
    {
        if (m.ZoneOfArray[i] != Machine.NoZone)
        {
            throw Fail(i, m, "hole with a zone", nameof(HoleHasNoZone));
        }
    }

    /// <summary>A reserved page (PageReserved) lies in a zone: it counts in the zone's present pages.</summary>
    private static void ReservedPageHasAZone(Machine m, int i)
    {
        if (m.ZoneOfArray[i] == Machine.NoZone)
        {
            throw Fail(i, m, "reserved page without a zone", nameof(ReservedPageHasAZone));
        }
    }

    /// <summary>A block's order is at most MAX_ORDER (<c>__free_one_page</c> merges while <c>order &lt; MAX_ORDER</c>).</summary>
    private static void OrderIsInRange(Machine m, int i, int order)
    {
        if (order > Pageblock.MaxOrder)
        {
            throw Fail(i, m, $"order {order}", nameof(OrderIsInRange));
        }
    }

    /// <summary>
    /// mirrors <c>__free_one_page</c>'s <c>VM_BUG_ON_PAGE(pfn &amp; ((1 &lt;&lt; order) - 1), page)</c>: a block of
    /// order n starts at a multiple of 2^n. (The map is a whole number of MAX_ORDER blocks, so an aligned block also
    /// ends inside it; checked as well, since the arrays are unmanaged.)
    /// </summary>
    private static void BlockIsAligned(Machine m, int i, int order)
    {
        if ((i & ((1 << order) - 1)) != 0)
        {
            throw Fail(i, m, $"block of order {order} not aligned", nameof(BlockIsAligned));
        }

        if (i + (1 << order) > m.PfnCount)
        {
            throw Fail(i, m, "block runs past the memory map", nameof(BlockIsAligned));
        }
    }

    /// <summary>A block's head is in a zone (<c>__free_one_page</c>'s <c>VM_BUG_ON(!zone_is_initialized(zone))</c>).</summary>
    private static void BlockHeadHasAZone(Machine m, int i)
    {
        if (m.ZoneOfArray[i] == Machine.NoZone)
        {
            throw Fail(i, m, "block head without a zone", nameof(BlockHeadHasAZone));
        }
    }

    /// <summary>Every page after a block's head is a tail (the head alone carries the block's state).</summary>
    private static void BlockPagesAreTails(Machine m, int i, int order)
    {
        ReadOnlySpan<byte> flags = m.FlagsArray;
        for (int k = i + 1; k < i + (1 << order); k++)
        {
            if (flags[k] != Machine.KindTail)
            {
                throw Fail(k, m, $"page inside a block of order {order} at {m.BasePfn + (ulong)i} is not a tail", nameof(BlockPagesAreTails));
            }
        }
    }

    /// <summary>
    /// A block lies in one zone: <c>page_is_buddy</c> refuses a buddy whose <c>page_zone_id</c> differs, so blocks
    /// never merge across a zone boundary.
    /// </summary>
    private static void BlockIsInOneZone(Machine m, int i, int order)
    {
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
        for (int k = i + 1; k < i + (1 << order); k++)
        {
            if (zoneOf[k] != zoneOf[i])
            {
                throw Fail(k, m, "block crosses a zone boundary", nameof(BlockIsInOneZone));
            }
        }
    }

    /// <summary>mirrors <c>__free_one_page</c>'s <c>VM_BUG_ON_PAGE(bad_range(zone, page), page)</c>: the head is inside its zone's span.</summary>
    private static void BlockIsInsideItsZone(Machine m, int i, int order)
    {
        if (!m.Zones[m.ZoneOfArray[i]].SpansPfn(m.BasePfn + (ulong)i))
        {
            throw Fail(i, m, "block outside its zone's span", nameof(BlockIsInsideItsZone));
        }
    }

    /// <summary>
    /// Free pages of a MIGRATE_CMA pageblock are on the CMA lists (or ISOLATE during <c>alloc_contig_range</c>), and
    /// only they are: the kernel's NR_FREE_CMA_PAGES accounting (<c>__mod_zone_freepage_state</c>) relies on it.
    /// v4.10 merged CMA and MOVABLE buddies above pageblock order onto the CMA list (only ISOLATE was kept apart).
    /// </summary>
    private static void FreeCmaPagesAreOnCmaLists(Machine m, int i, int order)
    {
        var mt = PageState.MigrateTypeOf(m.InfoArray[i]);
        MigrateType pbt = m.PageblockType(m.BasePfn + (ulong)i);
        bool mergedAbovePageblock = m.Version == KernelVersion.V4_10 && order > Pageblock.Order;
        if (mt == MigrateType.Cma && !(pbt == MigrateType.Cma || mergedAbovePageblock))
        {
            throw Fail(i, m, "free page on a CMA list outside a CMA pageblock", nameof(FreeCmaPagesAreOnCmaLists));
        }

        if (mt != MigrateType.Cma && pbt == MigrateType.Cma && !mergedAbovePageblock && mt != MigrateType.Isolate)
        {
            throw Fail(i, m, $"free page of a CMA pageblock on the {mt} list", nameof(FreeCmaPagesAreOnCmaLists));
        }
    }

    /// <summary>
    /// 6.10+ free-list hygiene: mirrors <c>__add_to_free_list</c>'s <c>VM_WARN_ONCE(get_pageblock_migratetype(page)
    /// != migratetype, ...)</c>: a free block below pageblock order sits on the list of its pageblock's type.
    /// </summary>
    private static void FreeListTypeMatchesPageblock(Machine m, int i, int order)
    {
        if (m.Version < KernelVersion.V6_12 || order >= Pageblock.Order)
        {
            return;
        }

        var mt = PageState.MigrateTypeOf(m.InfoArray[i]);
        MigrateType pbt = m.PageblockType(m.BasePfn + (ulong)i);
        if (mt != pbt)
        {
            throw Fail(i, m, $"6.10+ freelist hygiene: {mt} list in a {pbt} pageblock", nameof(FreeListTypeMatchesPageblock));
        }
    }

    /// <summary>Pages sit on per-cpu lists only on a machine that has them.</summary>
    private static void PcpPagesNeedPcpLists(Machine m, int i)
    {
        if (!m.PerCpuLists)
        {
            throw Fail(i, m, "per-cpu page without per-cpu lists", nameof(PcpPagesNeedPcpLists));
        }
    }

    /// <summary>
    /// No unmovable or reclaimable allocation in movable-only memory: ZONE_MOVABLE (only <c>__GFP_MOVABLE</c>
    /// requests reach it, <c>gfp_zone</c>), ZONE_CMA of the v7 series (only <c>__GFP_MOVABLE|__GFP_HIGHMEM</c>), and
    /// MIGRATE_CMA pageblocks (only ALLOC_CMA requests take from the CMA lists, <c>__rmqueue</c>).
    /// </summary>
    private static void NoUnmovableInMovableOnlyMemory(Machine m, int i, int order)
    {
        var mt = PageState.MigrateTypeOf(m.InfoArray[i]);
        if (mt is not (MigrateType.Unmovable or MigrateType.Reclaimable))
        {
            return;
        }

        Zone zone = m.Zones[m.ZoneOfArray[i]];
        if (zone.Type == ZoneType.Movable)
        {
            throw Fail(i, m, $"{mt} allocation in ZONE_MOVABLE", nameof(NoUnmovableInMovableOnlyMemory));
        }

        if (zone.Type == ZoneType.Cma)
        {
            throw Fail(i, m, $"{mt} allocation in ZONE_CMA", nameof(NoUnmovableInMovableOnlyMemory));
        }

        for (int k = i; k < i + (1 << order); k += (int)Pageblock.NrPages)
        {
            if (m.PageblockType(m.BasePfn + (ulong)k) == MigrateType.Cma)
            {
                throw Fail(i, m, $"{mt} allocation in a CMA pageblock", nameof(NoUnmovableInMovableOnlyMemory));
            }
        }
    }

    /// <summary>Sticky MIGRATE_MOVABLE pageblocks stay MOVABLE (or ISOLATE inside <c>alloc_contig_range</c>).</summary>
    private static void StickyPageblocksStayMovable(Machine m)
    {
        try
        {
            m.CheckStickyBlocks();
        }
        catch (InvalidOperationException e)
        {
            throw new InvariantViolationException($"invariant violated: {e.Message}", nameof(StickyPageblocksStayMovable));
        }
    }

    /// <summary>
    /// A zone's free lists are well formed (the kernel's CONFIG_DEBUG_LIST <c>__list_del_entry_valid</c> and
    /// <c>page_is_buddy</c>'s <c>PageBuddy</c> + <c>buddy_order</c> checks): every entry of list (zone, order, type) is a
    /// free head of that order, whose recorded type is the list's, in the zone, with its prev link pointing back;
    /// each list's length is its count and each order's lists add up to <c>free_area[order].nr_free</c>.
    /// </summary>
    private static void FreeListsAreConsistent(Machine m, int z, Census c)
    {
        ReadOnlySpan<byte> flags = m.FlagsArray;
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
        ReadOnlySpan<byte> info = m.InfoArray;
        PfnLinkArray next = m.NextArray;
        for (int o = 0; o <= Pageblock.MaxOrder; o++)
        {
            long area = 0;
            for (int t = 0; t < MigrateTypes.Count; t++)
            {
                int n = 0, prev = Machine.Nil;
                for (int i = m.ListHeadIndex(z, o, (MigrateType)t); i != Machine.Nil; i = next[i])
                {
                    if (flags[i] != PageState.Flags(Machine.KindFree, o))
                    {
                        throw Fail(i, m, $"list ({z},{o},{(MigrateType)t}) holds a non-buddy page", nameof(FreeListsAreConsistent));
                    }

                    if ((int)PageState.MigrateTypeOf(info[i]) != t)
                    {
                        throw Fail(i, m, "free head's list type disagrees with its list", nameof(FreeListsAreConsistent));
                    }

                    if (zoneOf[i] != z)
                    {
                        throw Fail(i, m, "free head on another zone's list", nameof(FreeListsAreConsistent));
                    }

                    if (m.PrevArray[i] != prev)
                    {
                        throw Fail(i, m, "broken prev link", nameof(FreeListsAreConsistent));
                    }

                    prev = i;
                    n++;
                }

                if (n != m.FreeCount(z, o, (MigrateType)t))
                {
                    throw Fail(0, m, $"list ({z},{o},{(MigrateType)t}) count {m.FreeCount(z, o, (MigrateType)t)} but {n} entries", nameof(FreeListsAreConsistent));
                }

                area += n;
                c.ListHeads[z] += n;
                c.ListPages[z] += t != (int)MigrateType.Isolate ? (long)n << o : 0;
                c.ListCma[z] += t == (int)MigrateType.Cma ? (long)n << o : 0;
            }

            if (area != m.AreaNrFree(z, o))
            {
                throw Fail(0, m, $"zone {z} order {o}: nr_free {m.AreaNrFree(z, o)} but {area} on lists", nameof(FreeListsAreConsistent));
            }
        }
    }

    /// <summary>Every free head of the page walk is on a free list (a PageBuddy page off every list is lost memory).</summary>
    private static void FreeHeadsAreOnLists(Machine m, int z, Census c)
    {
        if (c.ListHeads[z] != c.FreeHeads[z])
        {
            throw Fail(0, m, $"zone {z}: {c.FreeHeads[z]} free heads but {c.ListHeads[z]} list entries", nameof(FreeHeadsAreOnLists));
        }
    }

    /// <summary>NR_FREE_PAGES equals the pages on the zone's free lists, ISOLATE left out (<c>__mod_zone_freepage_state</c>).</summary>
    private static void NrFreePagesMatchesLists(Machine m, int z, Census c)
    {
        Zone zone = m.Zones[z];
        if (!(c.ListPages[z] == c.FreePages[z] && zone.NrFreePages == c.FreePages[z]))
        {
            throw Fail(0, m, $"zone {z}: NR_FREE_PAGES {zone.NrFreePages}, lists {c.ListPages[z]}, pages {c.FreePages[z]}", nameof(NrFreePagesMatchesLists));
        }
    }

    /// <summary>NR_FREE_CMA_PAGES equals the pages on the zone's CMA free lists (<c>__mod_zone_freepage_state</c>).</summary>
    private static void NrFreeCmaPagesMatchesLists(Machine m, int z, Census c)
    {
        Zone zone = m.Zones[z];
        if (!(c.ListCma[z] == c.CmaFree[z] && zone.NrFreeCmaPages == c.CmaFree[z]))
        {
            throw Fail(0, m, $"zone {z}: NR_FREE_CMA_PAGES {zone.NrFreeCmaPages}, lists {c.ListCma[z]}", nameof(NrFreeCmaPagesMatchesLists));
        }
    }

    /// <summary>Every managed page is free, isolated, allocated or on a per-cpu list: nothing is lost or counted twice.</summary>
    private static void ManagedPagesAddUp(Machine m, int z, Census c)
    {
        Zone zone = m.Zones[z];
        long isolated = 0;
        for (int o = 0; o <= Pageblock.MaxOrder; o++)
        {
            isolated += (long)m.FreeCount(z, o, MigrateType.Isolate) << o;
        }

        if (c.FreePages[z] + isolated + c.UsedPages[z] + c.PcpPages[z] != (long)zone.ManagedPages)
        {
            throw Fail(0, m, $"zone {z}: free {c.FreePages[z]} + isolated {isolated} + allocated {c.UsedPages[z]} + pcp {c.PcpPages[z]} != managed {zone.ManagedPages}", nameof(ManagedPagesAddUp));
        }
    }

    /// <summary>Each cpu's per-cpu lists hold pcp pages of the zone with consistent links, as many as <c>pcp-&gt;count</c>, and all the zone's pcp pages.</summary>
    private static void PcpListsMatchCounts(Machine m, int z, Census c)
    {
        if (!m.PerCpuLists)
        {
            return;
        }

        ReadOnlySpan<byte> flags = m.FlagsArray;
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
        long listed = 0;
        for (int cpu = 0; cpu < m.Spec.Cpus; cpu++)
        {
            long cpuPages = 0;
            for (int pindex = 0; pindex < Machine.NrPcpLists; pindex++)
            {
                int prev = Machine.Nil;
                for (int i = m.PcpListHead(z, cpu, pindex); i != Machine.Nil; i = m.NextArray[i])
                {
                    if (PageState.KindOf(flags[i]) != Machine.KindPcp || zoneOf[i] != z || m.PrevArray[i] != prev)
                    {
                        throw Fail(i, m, $"pcp list ({z},{cpu},{pindex}) entry is inconsistent", nameof(PcpListsMatchCounts));
                    }

                    cpuPages += 1L << PageState.OrderOf(flags[i]);
                    prev = i;
                }
            }

            if (cpuPages != m.PcpCount(z, cpu))
            {
                throw Fail(0, m, $"zone {z} cpu {cpu}: pcp count {m.PcpCount(z, cpu)} but {cpuPages} pages listed", nameof(PcpListsMatchCounts));
            }

            listed += cpuPages;
        }

        if (listed != c.PcpPages[z])
        {
            throw Fail(0, m, $"zone {z}: {c.PcpPages[z]} per-cpu pages in the map but {listed} on the lists", nameof(PcpListsMatchCounts));
        }
    }

    /// <summary>present_pages = managed_pages + reserved pages of the zone (<c>memblock_free_all</c>'s accounting).</summary>
    private static void PresentIsReservedPlusManaged(Machine m, int z, Census c)
    {
        Zone zone = m.Zones[z];
        if (c.Reserved[z] + (long)zone.ManagedPages != (long)zone.PresentPages)
        {
            throw Fail(0, m, $"zone {z}: reserved {c.Reserved[z]} + managed {zone.ManagedPages} != present {zone.PresentPages}", nameof(PresentIsReservedPlusManaged));
        }
    }

    /// <summary>min ≤ low ≤ high (<c>__setup_per_zone_wmarks</c> builds low and high on top of min).</summary>
    private static void WatermarksAreOrdered(Machine m, int z)
    {
        ZoneWatermarks w = m.Zones[z].Watermarks;
        if (!(w.Min <= w.Low && w.Low <= w.High))
        {
            throw Fail(0, m, $"zone {z}: watermarks out of order {w}", nameof(WatermarksAreOrdered));
        }
    }

    /// <summary>
    /// A node's LRU lists hold allocated LRU heads of the node (<c>lruvec_add_folio</c> after <c>folio_set_lru</c>),
    /// with consistent links (CONFIG_DEBUG_LIST), and each list's counter (<c>lru_zone_size</c> summed) equals its pages.
    /// </summary>
    private static void LruListsAreConsistent(Machine m, int node)
    {
        ReadOnlySpan<byte> flags = m.FlagsArray;
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
        ReadOnlySpan<byte> info = m.InfoArray;
        for (int l = 0; l < Machine.LruLists; l++)
        {
            long pages = 0;
            int prev = Machine.Nil;
            for (int i = m.LruHeadIndex(node, (LruList)l); i != Machine.Nil; i = m.NextArray[i])
            {
                if (!(PageState.KindOf(flags[i]) == Machine.KindAlloc && (info[i] & PageState.OnLru) != 0))
                {
                    throw Fail(i, m, "LRU entry is not an allocated LRU block", nameof(LruListsAreConsistent));
                }

                if (m.PrevArray[i] != prev)
                {
                    throw Fail(i, m, "broken LRU prev link", nameof(LruListsAreConsistent));
                }

                if (m.Zones[zoneOf[i]].Node != node)
                {
                    throw Fail(i, m, "LRU entry on another node's list", nameof(LruListsAreConsistent));
                }

                pages += 1L << PageState.OrderOf(flags[i]);
                prev = i;
            }

            if (pages != m.LruPages(node, (LruList)l))
            {
                throw Fail(0, m, $"node {node} {(LruList)l}: counter {m.LruPages(node, (LruList)l)} but {pages} pages", nameof(LruListsAreConsistent));
            }
        }
    }

    /// <summary>
    /// The designs' own rules (docs/kernel-facts.md §6–§8), after <see cref="Check"/>: each is one method below.
    /// <paramref name="pinned"/> is accepted for the callers that track pins; no rule reads it yet.
    /// </summary>
    public static void CheckDesign(Machine m, IReadOnlyList<PfnRange> movableOnly, IReadOnlyList<PfnRange> dmbs, IReadOnlySet<ulong>? pinned = null)
    {
        MovableOnlyMemoryHoldsNoUnmovable(m, movableOnly);
        DmbPfnsAreInZoneMovable(m, dmbs);
        NoBlockCrossesAZoneLink(m);
    }

    /// <summary>
    /// Movable-only memory (CMA areas, ZONE_CMA, DMBs, GCMA areas) never holds an unmovable or reclaimable allocation
    /// (device allocations made by <c>alloc_contig_range</c> carry the CMA/MOVABLE type).
    /// </summary>
    private static void MovableOnlyMemoryHoldsNoUnmovable(Machine m, IReadOnlyList<PfnRange> movableOnly)
    {
        ReadOnlySpan<byte> flags = m.FlagsArray;
        ReadOnlySpan<byte> info = m.InfoArray;
        foreach (PfnRange r in movableOnly)
        {
            PfnRange c = r.Intersect(new PfnRange(m.BasePfn, m.BasePfn + (ulong)m.PfnCount));
            for (ulong pfn = c.Start; pfn < c.End; pfn++)
            {
                int i = (int)(pfn - m.BasePfn);
                if (PageState.KindOf(flags[i]) == Machine.KindAlloc)
                {
                    var mt = PageState.MigrateTypeOf(info[i]);
                    if (mt is MigrateType.Unmovable or MigrateType.Reclaimable)
                    {
                        throw Fail(i, m, $"{mt} allocation in movable-only memory {r}", nameof(MovableOnlyMemoryHoldsNoUnmovable));
                    }
                }
            }
        }
    }

    /// <summary>A DMB pfn is never linked to a zone other than ZONE_MOVABLE (DMB v3/v4 <c>dmb_init_region</c>).</summary>
    private static void DmbPfnsAreInZoneMovable(Machine m, IReadOnlyList<PfnRange> dmbs)
    {
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
        foreach (PfnRange d in dmbs)
        {
            PfnRange c = d.Intersect(new PfnRange(m.BasePfn, m.BasePfn + (ulong)m.PfnCount));
            for (ulong pfn = c.Start; pfn < c.End; pfn++)
            {
                int i = (int)(pfn - m.BasePfn);
                int z = zoneOf[i];
                if (z != Machine.NoZone && m.Zones[z].Type != ZoneType.Movable)
                {
                    throw Fail(i, m, $"DMB pfn in ZONE_{m.Zones[z].Type}", nameof(DmbPfnsAreInZoneMovable));
                }
            }
        }
    }

    /// <summary>
    /// No block (free or allocated) crosses a zone link, also where spans overlap (<c>page_is_buddy</c>'s
    /// <c>page_zone_id</c> check, which overlapping zones rely on: kernelcore=mirror, DMB, ZONE_CMA).
    /// </summary>
    private static void NoBlockCrossesAZoneLink(Machine m)
    {
        ReadOnlySpan<byte> flags = m.FlagsArray;
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
        for (int i = 0; i < m.PfnCount;)
        {
            int kind = PageState.KindOf(flags[i]);
            if (kind is Machine.KindFree or Machine.KindAlloc)
            {
                int order = PageState.OrderOf(flags[i]);
                for (int k = i + 1; k < i + (1 << order) && k < m.PfnCount; k++)
                {
                    if (zoneOf[k] != zoneOf[i])
                    {
                        throw Fail(k, m, "buddy block crosses a zone link", nameof(NoBlockCrossesAZoneLink));
                    }
                }

                i += 1 << order;
                continue;
            }

            i++;
        }
    }

    private static InvariantViolationException Fail(int i, Machine m, string what, string invariant)
        => new($"invariant violated at pfn {m.BasePfn + (ulong)i}: {what}", invariant);
}
