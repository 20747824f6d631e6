using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>Thrown by <see cref="InvariantChecker"/> when the model's state is inconsistent.</summary>
public sealed class InvariantViolationException(string message) : Exception(message);

/// <summary>
/// The debug checker (the model's CONFIG_DEBUG_VM): every pfn belongs to exactly one free block, allocated block,
/// reservation or hole; free lists agree with per-pfn state; counters equal recomputed sums; blocks are aligned and
/// within one zone; no unmovable/reclaimable allocation sits in CMA pageblocks or ZONE_MOVABLE; watermarks ordered.
/// O(pfns): meant for tests and small machines.
/// </summary>
public static class InvariantChecker
{
    /// <summary>Checks everything; throws <see cref="InvariantViolationException"/> on the first problem.</summary>
    public static void Check(Machine m)
    {
        m.MaterializeAll(); // deferred boot blocks are linked first: semantically neutral, makes every pfn walkable
        m.CheckStickyBlocks();
        int nz = m.Zones.Count;
        var freeHeads = new long[nz];
        var freePages = new long[nz];
        var cmaFree = new long[nz];
        var usedPages = new long[nz];
        var reserved = new long[nz];
        var pcpPages = new long[nz];
        ReadOnlySpan<byte> flags = m.FlagsArray;
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
        ReadOnlySpan<byte> info = m.InfoArray;
        Zone[] zones = m.Zones.ToArray();

        for (int i = 0; i < m.PfnCount;)
        {
            int kind = PageState.KindOf(flags[i]);
            int z = zoneOf[i];
            switch (kind)
            {
                case Machine.KindHole:
                    if (z != Machine.NoZone)
                    {
                        throw Fail(i, m, "hole with a zone");
                    }

                    i++;
                    continue;
                case Machine.KindReserved:
                    if (z == Machine.NoZone)
                    {
                        throw Fail(i, m, "reserved page without a zone");
                    }

                    reserved[z]++;
                    i++;
                    continue;
                case Machine.KindTail:
                    throw Fail(i, m, "page belongs to no block (tail without a head)");
            }

            int order = PageState.OrderOf(flags[i]);
            if (order > Pageblock.MaxOrder)
            {
                throw Fail(i, m, $"order {order}");
            }

            if ((i & ((1 << order) - 1)) != 0)
            {
                throw Fail(i, m, $"block of order {order} not aligned");
            }

            if (i + (1 << order) > m.PfnCount)
            {
                throw Fail(i, m, "block runs past the memory map");
            }

            if (z == Machine.NoZone)
            {
                throw Fail(i, m, "block head without a zone");
            }

            for (int k = i + 1; k < i + (1 << order); k++)
            {
                if (flags[k] != Machine.KindTail)
                {
                    throw Fail(k, m, $"page inside a block of order {order} at {m.BasePfn + (ulong)i} is not a tail");
                }

                if (zoneOf[k] != z)
                {
                    throw Fail(k, m, "block crosses a zone boundary");
                }
            }

            Zone zone = zones[z];
            ulong pfn = m.BasePfn + (ulong)i;
            if (!zone.SpansPfn(pfn))
            {
                throw Fail(i, m, "block outside its zone's span");
            }

            if (kind == Machine.KindFree)
            {
                var mt = PageState.MigrateTypeOf(info[i]);
                freeHeads[z]++;
                if (mt != MigrateType.Isolate)
                {
                    freePages[z] += 1L << order;
                }

                MigrateType pbt = m.PageblockType(pfn);
                if (mt == MigrateType.Cma)
                {
                    cmaFree[z] += 1L << order;
                    // v4.10 merged CMA and MOVABLE order-9 buddies onto the CMA list (only ISOLATE was kept apart)
                    if (!(pbt == MigrateType.Cma || (m.Version == KernelVersion.V4_10 && order > Pageblock.Order)))
                    {
                        throw Fail(i, m, "free page on a CMA list outside a CMA pageblock");
                    }
                }
                else if (pbt == MigrateType.Cma && !(m.Version == KernelVersion.V4_10 && order > Pageblock.Order))
                {
                    if (mt != MigrateType.Isolate)
                    {
                        throw Fail(i, m, $"free page of a CMA pageblock on the {mt} list");
                    }
                }

                if (m.Version >= KernelVersion.V6_12 && order < Pageblock.Order)
                {
                    if (mt != pbt)
                    {
                        throw Fail(i, m, $"6.10+ freelist hygiene: {mt} list in a {pbt} pageblock");
                    }
                }
            }
            else if (kind == Machine.KindPcp)
            {
                if (!m.PerCpuLists)
                {
                    throw Fail(i, m, "per-cpu page without per-cpu lists");
                }

                pcpPages[z] += 1L << order;
            }
            else if (kind == Machine.KindAlloc)
            {
                usedPages[z] += 1L << order;
                var mt = PageState.MigrateTypeOf(info[i]);
                if (mt is MigrateType.Unmovable or MigrateType.Reclaimable)
                {
                    if (zone.Type == ZoneType.Movable)
                    {
                        throw Fail(i, m, $"{mt} allocation in ZONE_MOVABLE");
                    }

                    // ZONE_CMA v7: only __GFP_MOVABLE|__GFP_HIGHMEM requests reach the zone
                    if (!(zone.Type != ZoneType.Cma))
                    {
                        throw Fail(i, m, $"{mt} allocation in ZONE_CMA");
                    }

                    for (int k = i; k < i + (1 << order); k += (int)Pageblock.NrPages)
                    {
                        if (m.PageblockType(m.BasePfn + (ulong)k) == MigrateType.Cma)
                        {
                            throw Fail(i, m, $"{mt} allocation in a CMA pageblock");
                        }
                    }
                }
            }
            else
            {
                throw Fail(i, m, $"unknown page kind {kind}");
            }

            i += 1 << order;
        }

        for (int z = 0; z < nz; z++)
        {
            CheckZone(m, z, nz, freeHeads, freePages, cmaFree, usedPages, reserved, pcpPages, flags, zoneOf, info, zones);
        }

        for (int node = 0; node < m.NodeCount; node++)
        {
            CheckLruLists(m, node, flags, zoneOf, info);
        }
    }

    // One zone: its free lists (links, orders, migratetypes) against the page walk, its counters, its per-cpu lists
    // and its watermarks.
    private static void CheckZone(Machine m, int z, int nz, long[] freeHeads, long[] freePages, long[] cmaFree, long[] usedPages,
        long[] reserved, long[] pcpPages, ReadOnlySpan<byte> flags, ReadOnlySpan<byte> zoneOf, ReadOnlySpan<byte> info, Zone[] zones)
    {
        Zone zone = m.Zones[z];
        long listHeads = 0, listPages = 0, listCma = 0;
        for (int o = 0; o <= Pageblock.MaxOrder; o++)
        {
            long area = 0;
            for (int t = 0; t < MigrateTypes.Count; t++)
            {
                int n = 0, prev = Machine.Nil;
                ReadOnlySpan<int> next = m.NextArray;
                for (int i = m.ListHeadIndex(z, o, (MigrateType)t); i != Machine.Nil; i = next[i])
                {
                    if (flags[i] != PageState.Flags(Machine.KindFree, o))
                    {
                        throw Fail(i, m, $"list ({z},{o},{(MigrateType)t}) holds a non-buddy page");
                    }

                    if ((int)PageState.MigrateTypeOf(info[i]) != t)
                    {
                        throw Fail(i, m, "free head's list type disagrees with its list");
                    }

                    if (zoneOf[i] != z)
                    {
                        throw Fail(i, m, "free head on another zone's list");
                    }

                    if (m.PrevArray[i] != prev)
                    {
                        throw Fail(i, m, "broken prev link");
                    }

                    prev = i;
                    n++;
                }

                if (n != m.FreeCount(z, o, (MigrateType)t))
                {
                    throw Fail(0, m, $"list ({z},{o},{(MigrateType)t}) count {m.FreeCount(z, o, (MigrateType)t)} but {n} entries");
                }

                area += n;
                listHeads += n;
                if (t != (int)MigrateType.Isolate)
                {
                    listPages += (long)n << o;
                }

                if (t == (int)MigrateType.Cma)
                {
                    listCma += (long)n << o;
                }
            }

            if (area != m.AreaNrFree(z, o))
            {
                throw Fail(0, m, $"zone {z} order {o}: nr_free {m.AreaNrFree(z, o)} but {area} on lists");
            }
        }

        if (listHeads != freeHeads[z])
        {
            throw Fail(0, m, $"zone {z}: {freeHeads[z]} free heads but {listHeads} list entries");
        }

        if (!(listPages == freePages[z] && zone.NrFreePages == freePages[z]))
        {
            throw Fail(0, m, $"zone {z}: NR_FREE_PAGES {zone.NrFreePages}, lists {listPages}, pages {freePages[z]}");
        }

        if (!(listCma == cmaFree[z] && zone.NrFreeCmaPages == cmaFree[z]))
        {
            throw Fail(0, m, $"zone {z}: NR_FREE_CMA_PAGES {zone.NrFreeCmaPages}, lists {listCma}");
        }

        long isolated = 0;
        for (int o = 0; o <= Pageblock.MaxOrder; o++)
        {
            isolated += (long)m.FreeCount(z, o, MigrateType.Isolate) << o;
        }

        if (freePages[z] + isolated + usedPages[z] + pcpPages[z] != (long)zone.ManagedPages)
        {
            throw Fail(0, m, $"zone {z}: free {freePages[z]} + isolated {isolated} + allocated {usedPages[z]} + pcp {pcpPages[z]} != managed {zone.ManagedPages}");
        }

        if (m.PerCpuLists)
        {
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
                            throw Fail(i, m, $"pcp list ({z},{cpu},{pindex}) entry is inconsistent");
                        }

                        cpuPages += 1L << PageState.OrderOf(flags[i]);
                        prev = i;
                    }
                }

                if (cpuPages != m.PcpCount(z, cpu))
                {
                    throw Fail(0, m, $"zone {z} cpu {cpu}: pcp count {m.PcpCount(z, cpu)} but {cpuPages} pages listed");
                }

                listed += cpuPages;
            }

            if (listed != pcpPages[z])
            {
                throw Fail(0, m, $"zone {z}: {pcpPages[z]} per-cpu pages in the map but {listed} on the lists");
            }
        }

        if (reserved[z] + (long)zone.ManagedPages != (long)zone.PresentPages)
        {
            throw Fail(0, m, $"zone {z}: reserved {reserved[z]} + managed {zone.ManagedPages} != present {zone.PresentPages}");
        }

        ZoneWatermarks w = zone.Watermarks;
        if (!(w.Min <= w.Low && w.Low <= w.High))
        {
            throw Fail(0, m, $"zone {z}: watermarks out of order {w}");
        }
    }

    // One node's LRU lists: entries are allocated LRU heads of the node, links are consistent, counters match.
    private static void CheckLruLists(Machine m, int node, ReadOnlySpan<byte> flags, ReadOnlySpan<byte> zoneOf, ReadOnlySpan<byte> info)
    {
        for (int l = 0; l < Machine.LruLists; l++)
        {
            long pages = 0;
            int prev = Machine.Nil;
            for (int i = m.LruHeadIndex(node, (LruList)l); i != Machine.Nil; i = m.NextArray[i])
            {
                if (!(PageState.KindOf(flags[i]) == Machine.KindAlloc && (info[i] & PageState.OnLru) != 0))
                {
                    throw Fail(i, m, "LRU entry is not an allocated LRU block");
                }

                if (m.PrevArray[i] != prev)
                {
                    throw Fail(i, m, "broken LRU prev link");
                }

                if (m.Zones[zoneOf[i]].Node != node)
                {
                    throw Fail(i, m, "LRU entry on another node's list");
                }

                pages += 1L << PageState.OrderOf(flags[i]);
                prev = i;
            }

            if (pages != m.LruPages(node, (LruList)l))
            {
                throw Fail(0, m, $"node {node} {(LruList)l}: counter {m.LruPages(node, (LruList)l)} but {pages} pages");
            }
        }
    }

    /// <summary>
    /// The designs' own rules (docs/kernel-facts.md §6–§8), after <see cref="Check"/>:
    /// <list type="bullet">
    /// <item>movable-only memory (CMA areas, ZONE_CMA, DMBs, GCMA areas) never holds an unmovable or reclaimable
    /// allocation (device allocations made by <c>alloc_contig_range</c> carry the CMA/MOVABLE type);</item>
    /// <item>a DMB pfn is never linked to a zone other than ZONE_MOVABLE (DMB v3/v4 <c>dmb_init_region</c>);</item>
    /// <item>no block (free or allocated) crosses a zone link, also where spans overlap (<c>page_is_buddy</c>'s
    /// <c>page_zone_id</c> check, which overlapping zones rely on: kernelcore=mirror, DMB, ZONE_CMA);</item>
    /// <item>no pinned page sits in movable-only memory other than one that was pinned there by the test itself.</item>
    /// </list>
    /// </summary>
    public static void CheckDesign(Machine m, IReadOnlyList<PfnRange> movableOnly, IReadOnlyList<PfnRange> dmbs, IReadOnlySet<ulong>? pinned = null)
    {
        ReadOnlySpan<byte> flags = m.FlagsArray;
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
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
                        throw Fail(i, m, $"{mt} allocation in movable-only memory {r}");
                    }
                }
            }
        }

        foreach (PfnRange d in dmbs)
        {
            PfnRange c = d.Intersect(new PfnRange(m.BasePfn, m.BasePfn + (ulong)m.PfnCount));
            for (ulong pfn = c.Start; pfn < c.End; pfn++)
            {
                int i = (int)(pfn - m.BasePfn);
                int z = zoneOf[i];
                if (z != Machine.NoZone && m.Zones[z].Type != ZoneType.Movable)
                {
                    throw Fail(i, m, $"DMB pfn in ZONE_{m.Zones[z].Type}");
                }
            }
        }

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
                        throw Fail(k, m, "buddy block crosses a zone link");
                    }
                }

                i += 1 << order;
                continue;
            }

            i++;
        }
    }

    private static InvariantViolationException Fail(int i, Machine m, string what)
        => new($"invariant violated at pfn {m.BasePfn + (ulong)i}: {what}");
}
