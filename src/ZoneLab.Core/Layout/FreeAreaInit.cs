namespace ZoneLab.Layout;

/// <summary>
/// The architecture-independent part of boot zone sizing, mirroring mm/page_alloc.c of Linux 6.1
/// (moved to mm/mm_init.c in 6.4): free_area_init(), find_zone_movable_pfns_for_nodes(),
/// calculate_node_totalpages(), memmap_init()'s hole accounting, and the boot memory blocks of
/// drivers/base/memory.c and drivers/base/node.c.
/// </summary>
public static class FreeAreaInit
{
    /// <summary>The inputs the architecture hands to free_area_init().</summary>
    public sealed record Input(
        string Arch,
        IReadOnlyList<MemblockRegion> Memblock,
        IReadOnlyList<ZoneType> Configured,
        ulong[] MaxZonePfn,
        KernelCommandLine CommandLine,
        int SectionSizeBits,
        ulong MemoryBlockSize,
        E820Table? E820,
        List<string> Warnings,
        bool DmbPatches = false);

    /// <summary>Computes the layout.</summary>
    public static BootLayout Compute(Input input)
    {
        var memblock = input.Memblock.OrderBy(r => r.StartPfn).ToList();
        if (memblock.Count == 0)
        {
            throw new ZoneLabInputException("memory map", "no usable RAM left after the kernel's edits (e820 sanitizing, mem=, memmap=)");
        }
        var messages = new List<string>();
        var lowest = new ulong[ZoneTypes.Count];
        var highest = new ulong[ZoneTypes.Count];

        // mirrors free_area_init(): zones are contiguous in the arch layout, starting at the first memory pfn.
        ulong startPfn = memblock[0].StartPfn; // PHYS_PFN(memblock_start_of_DRAM())
        foreach (ZoneType z in input.Configured)
        {
            if (z == ZoneType.Movable)
            {
                continue;
            }
            ulong endPfn = Math.Max(input.MaxZonePfn[(int)z], startPfn);
            lowest[(int)z] = startPfn;
            highest[(int)z] = endPfn;
            startPfn = endPfn;
        }

        ZoneType movableZone = FindUsableZoneForMovable(input.Configured, lowest, highest);
        var nids = memblock.Select(r => r.Nid).Distinct().OrderBy(n => n).ToList();
        Dictionary<int, ulong> zoneMovablePfn = nids.ToDictionary(n => n, _ => 0UL);
        FindZoneMovablePfnsForNodes(memblock, nids, input.CommandLine, lowest, highest, movableZone, zoneMovablePfn, messages, input.DmbPatches);
        var printedZoneMovablePfn = new Dictionary<int, ulong>(zoneMovablePfn);

        bool mirrored = input.CommandLine.MirroredKernelcore;
        var nodes = new List<NodeLayout>();
        foreach (int nid in nids)
        {
            var ranges = memblock.Where(r => r.Nid == nid).ToList();
            ulong nodeStart = ranges.Min(r => r.StartPfn);
            ulong nodeEnd = ranges.Max(r => r.EndPfn);

            // DMB series (early_calculate_totalpages): the lowest start / highest end of the node's DMBs.
            var dmbs = ranges.Where(r => r.Movable).ToList();
            var dmb = new DmbSpan(dmbs.Count > 0 ? dmbs.Min(r => r.StartPfn) : ulong.MaxValue, dmbs.Count > 0 ? dmbs.Max(r => r.EndPfn) : 0);
            if (dmb.Max != 0 && zoneMovablePfn[nid] == 0)
            {
                // calculate_node_totalpages(): a node with DMBs but no classic ZONE_MOVABLE gets zone_movable_pfn at its end.
                zoneMovablePfn[nid] = Math.Min(nodeEnd, highest[(int)movableZone]);
            }
            var zones = new List<ZoneLayout>();
            foreach (ZoneType z in input.Configured)
            {
                zones.Add(CalculateZone(nid, z, nodeStart, nodeEnd, ranges, lowest, highest, movableZone, zoneMovablePfn[nid], mirrored, dmb, input.DmbPatches));
            }
            nodes.Add(new NodeLayout(nid, nodeStart, nodeEnd, ranges.Select(r => r.Range).ToList(), zones));
        }

        var sections = PresentSections(memblock, input.SectionSizeBits);
        var unavailable = MemmapInitHoles(memblock, nodes, sections, input.SectionSizeBits, input.DmbPatches);
        var blocks = BootMemoryBlocks(memblock, nodes, sections, input.SectionSizeBits, input.MemoryBlockSize);

        return new BootLayout
        {
            Arch = input.Arch,
            CommandLine = input.CommandLine,
            E820 = input.E820,
            Memblock = memblock,
            ZoneTypesConfigured = input.Configured,
            ArchZoneLowestPfn = lowest,
            ArchZoneHighestPfn = highest,
            MovableZone = movableZone,
            ZoneMovablePfn = printedZoneMovablePfn,
            ZoneMovablePfnFinal = zoneMovablePfn,
            Nodes = nodes,
            UnavailableRanges = unavailable,
            MemoryBlockSize = input.MemoryBlockSize,
            MemoryBlocks = blocks,
            KernelMessages = messages,
            Warnings = input.Warnings,
        };
    }

    // mirrors find_usable_zone_for_movable(): the highest non-movable zone with a non-empty arch range.
    private static ZoneType FindUsableZoneForMovable(IReadOnlyList<ZoneType> configured, ulong[] lowest, ulong[] highest)
    {
        for (int i = configured.Count - 1; i >= 0; i--)
        {
            ZoneType z = configured[i];
            if (z == ZoneType.Movable)
            {
                continue;
            }
            if (highest[(int)z] > lowest[(int)z])
            {
                return z;
            }
        }
        return configured[0];
    }

    /// <summary>
    /// mirrors find_zone_movable_pfns_for_nodes() (mm/page_alloc.c, 6.1): fills zone_movable_pfn[] from
    /// movable_node, kernelcore=mirror, kernelcore= and movablecore= (sizes or percentages).
    /// </summary>
    internal static void FindZoneMovablePfnsForNodes(
        List<MemblockRegion> memblock,
        List<int> nids,
        KernelCommandLine cl,
        ulong[] lowest,
        ulong[] highest,
        ZoneType movableZone,
        Dictionary<int, ulong> zoneMovablePfn,
        List<string> messages,
        bool dmbPatches = false)
    {
        ulong totalpages = 0;
        foreach (MemblockRegion r in memblock)
        {
            totalpages += r.Pages; // early_calculate_totalpages(): memblock pages, reserved included
        }
        int usableNodes = nids.Count;
        ulong requiredKernelcore = cl.RequiredKernelcorePages;
        ulong requiredMovablecore = cl.RequiredMovablecorePages;
        ulong usableStartpfn;

        if (cl.MovableNode)
        {
            // ZONE_MOVABLE starts at the lowest hot-pluggable (SRAT) region of each node; kernelcore/movablecore ignored.
            foreach (MemblockRegion r in memblock)
            {
                if (!r.Hotplug)
                {
                    continue;
                }
                usableStartpfn = r.StartPfn;
                zoneMovablePfn[r.Nid] = zoneMovablePfn[r.Nid] != 0 ? Math.Min(usableStartpfn, zoneMovablePfn[r.Nid]) : usableStartpfn;
            }
            goto out2;
        }

        if (cl.MirroredKernelcore)
        {
            // kernelcore=mirror: movablecore is ignored; non-mirrored memory above 4 GiB becomes ZONE_MOVABLE.
            // 6.1 has no memblock_has_mirror() check here (later kernels ignore kernelcore=mirror without mirrored
            // memory): with none, every region at or above 4 GiB starts ZONE_MOVABLE.
            bool memBelow4GbNotMirrored = false;
            foreach (MemblockRegion r in memblock)
            {
                if (r.Mirror)
                {
                    continue;
                }
                usableStartpfn = r.StartPfn;
                if (usableStartpfn < (1UL << (32 - Page.Shift)))
                {
                    memBelow4GbNotMirrored = true;
                    continue;
                }
                zoneMovablePfn[r.Nid] = zoneMovablePfn[r.Nid] != 0 ? Math.Min(usableStartpfn, zoneMovablePfn[r.Nid]) : usableStartpfn;
            }
            if (memBelow4GbNotMirrored)
            {
                messages.Add("This configuration results in unmirrored kernel memory.");
            }
            goto out2;
        }

        // If kernelcore=nn% or movablecore=nn% was specified, calculate the amount of necessary memory.
        if (cl.RequiredKernelcorePercent != 0)
        {
            requiredKernelcore = totalpages * 100 * cl.RequiredKernelcorePercent / 10000UL;
        }
        if (cl.RequiredMovablecorePercent != 0)
        {
            requiredMovablecore = totalpages * 100 * cl.RequiredMovablecorePercent / 10000UL;
        }

        // If movablecore= was specified, calculate what size of kernelcore is needed to satisfy it;
        // a larger kernelcore= wins.
        if (requiredMovablecore != 0)
        {
            requiredMovablecore = Page.RoundUp(requiredMovablecore, Page.MaxOrderNrPages);
            requiredMovablecore = Math.Min(totalpages, requiredMovablecore);
            ulong corepages = totalpages - requiredMovablecore;
            requiredKernelcore = Math.Max(requiredKernelcore, corepages);
        }
        else if (dmbPatches && requiredKernelcore == 0)
        {
            goto out1; // DMB v4 4/9 "allow oversized movablecore": no kernelcore and no movablecore → none
        }

        // If kernelcore was not specified or kernelcore size is larger than totalpages, there is no ZONE_MOVABLE.
        // (With the DMB series, an oversized movablecore gives required_kernelcore 0 and makes all of movable_zone movable.)
        if ((!dmbPatches && requiredKernelcore == 0) || requiredKernelcore >= totalpages)
        {
            goto out1;
        }

        // usable_startpfn is the lowest possible pfn ZONE_MOVABLE can be at.
        usableStartpfn = lowest[(int)movableZone];

    restart:
        // Spread kernelcore memory as evenly as possible throughout nodes.
        ulong kernelcoreNode = requiredKernelcore / (ulong)usableNodes;
        foreach (int nid in nids)
        {
            // Recalculate kernelcore_node if the division per node now exceeds what is necessary.
            if (requiredKernelcore < kernelcoreNode)
            {
                kernelcoreNode = requiredKernelcore / (ulong)usableNodes;
            }

            // As the map is walked, we track how much memory is usable by the kernel using kernelcore_remaining.
            ulong kernelcoreRemaining = kernelcoreNode;

            foreach (MemblockRegion r in memblock)
            {
                if (r.Nid != nid)
                {
                    continue;
                }
                ulong start = Math.Max(r.StartPfn, zoneMovablePfn[nid]);
                ulong end = r.EndPfn;
                if (start >= end)
                {
                    continue;
                }

                // DMB series: skip over Designated Movable Blocks (they are movable already).
                if (r.Movable)
                {
                    zoneMovablePfn[nid] = end;
                    continue;
                }

                // Account for what is only usable for kernelcore.
                if (start < usableStartpfn)
                {
                    ulong kernelPages = Math.Min(end, usableStartpfn) - start;
                    kernelcoreRemaining -= Math.Min(kernelPages, kernelcoreRemaining);
                    requiredKernelcore -= Math.Min(kernelPages, requiredKernelcore);

                    // Continue if range is now fully accounted; push zone_movable_pfn to the end so that a
                    // rebalancing pass does not double account here.
                    if (end <= usableStartpfn)
                    {
                        zoneMovablePfn[nid] = end;
                        continue;
                    }
                    start = usableStartpfn;
                }

                // The usable PFN range for ZONE_MOVABLE is from start->end; size_pages is used as kernelcore.
                ulong sizePages = end - start;
                if (sizePages > kernelcoreRemaining)
                {
                    sizePages = kernelcoreRemaining;
                }
                zoneMovablePfn[nid] = start + sizePages;

                requiredKernelcore -= Math.Min(requiredKernelcore, sizePages);
                kernelcoreRemaining -= sizePages;
                if (kernelcoreRemaining == 0)
                {
                    break;
                }
            }
        }

        // If there is still required_kernelcore, do another pass with one less node in the count; this pushes
        // zone_movable_pfn[nid] further along on the nodes that still have memory until kernelcore is satisfied.
        usableNodes--;
        if (usableNodes != 0 && requiredKernelcore > (ulong)usableNodes)
        {
            goto restart;
        }

    out2:
        // Align start of ZONE_MOVABLE on all nids to MAX_ORDER_NR_PAGES; none where it is at or past the node end.
        foreach (int nid in nids)
        {
            zoneMovablePfn[nid] = Page.RoundUp(zoneMovablePfn[nid], Page.MaxOrderNrPages);
            ulong nodeEnd = memblock.Where(r => r.Nid == nid).Max(r => r.EndPfn);
            if (zoneMovablePfn[nid] >= nodeEnd)
            {
                zoneMovablePfn[nid] = 0;
            }
        }

    out1:
        return;
    }

    // mirrors adjust_zone_range_for_zone_movable()
    private static void AdjustZoneRangeForZoneMovable(
        ZoneType zoneType, ulong nodeEnd, ulong[] highest, ZoneType movableZone, ulong zoneMovablePfn, bool mirrored,
        ref ulong zoneStart, ref ulong zoneEnd)
    {
        if (zoneMovablePfn == 0)
        {
            return;
        }
        if (zoneType == ZoneType.Movable)
        {
            zoneStart = zoneMovablePfn;
            zoneEnd = Math.Min(nodeEnd, highest[(int)movableZone]);
        }
        else if (!mirrored && zoneStart < zoneMovablePfn && zoneEnd > zoneMovablePfn)
        {
            // ZONE_MOVABLE starts within this range
            zoneEnd = zoneMovablePfn;
        }
        else if (zoneStart >= zoneMovablePfn)
        {
            // the whole range is within ZONE_MOVABLE
            zoneStart = zoneEnd;
        }
    }

    private static ulong Clamp(ulong v, ulong lo, ulong hi) => Math.Min(Math.Max(v, lo), hi);

    /// <summary>The lowest start and highest end pfn of a node's Designated Movable Blocks (Max 0: none).</summary>
    private readonly record struct DmbSpan(ulong Min, ulong Max);

    // mirrors calculate_node_totalpages() → zone_spanned_pages_in_node() + zone_absent_pages_in_node(), with the
    // DMB series' changes (v3 7/9: ZONE_MOVABLE stretched over the node's DMBs, DMB pfns absent from other zones;
    // v3 3/9: a zone without present pages gets no span) when dmbPatches is set.
    private static ZoneLayout CalculateZone(
        int nid, ZoneType z, ulong nodeStart, ulong nodeEnd, List<MemblockRegion> ranges,
        ulong[] lowest, ulong[] highest, ZoneType movableZone, ulong zoneMovablePfn, bool mirrored, DmbSpan dmb, bool dmbPatches)
    {
        ulong zoneLow = lowest[(int)z];
        ulong zoneHigh = highest[(int)z];

        // zone_spanned_pages_in_node()
        ulong zs = Clamp(nodeStart, zoneLow, zoneHigh);
        ulong ze = Clamp(nodeEnd, zoneLow, zoneHigh);
        AdjustZoneRangeForZoneMovable(z, nodeEnd, highest, movableZone, zoneMovablePfn, mirrored, ref zs, ref ze);
        ulong absStart = zs, absEnd = ze; // zone_absent_pages_in_node() recomputes the same range
        if (z == ZoneType.Movable && dmb.Max != 0)
        {
            if (zs == ze)
            {
                ze = dmb.Max;
            }
            zs = Math.Min(zs, dmb.Min);
        }
        ulong spanned;
        if (ze < nodeStart || zs > nodeEnd)
        {
            spanned = 0;
        }
        else
        {
            ze = Math.Min(ze, nodeEnd);
            zs = Math.Max(zs, nodeStart);
            spanned = ze > zs ? ze - zs : 0;
        }

        // zone_absent_pages_in_node(): holes in the span, plus in mirror mode the other kind of memory, plus (DMB)
        // DMB pfns in every other zone and the non-DMB gap below the classic ZONE_MOVABLE.
        var present = new List<PfnRange>();
        if (spanned > 0)
        {
            if (z == ZoneType.Movable && dmb.Max != 0)
            {
                // The classic part [zone_movable_pfn, end) is present where memory is; below it only DMB pages are.
                ulong classicStart = absStart, classicEnd = absStart == absEnd ? absStart : absEnd;
                foreach (MemblockRegion r in ranges)
                {
                    AddPart(present, r.Range.Intersect(new PfnRange(classicStart, classicEnd)));
                }
                ulong gapEnd = absStart == absEnd ? dmb.Max : zoneMovablePfn;
                ulong gapStart = Math.Min(absStart, dmb.Min);
                foreach (MemblockRegion r in ranges.Where(r => r.Movable))
                {
                    AddPart(present, r.Range.Intersect(new PfnRange(gapStart, gapEnd)));
                }
                present.Sort((a, b) => a.Start.CompareTo(b.Start));
            }
            else
            {
                foreach (MemblockRegion r in ranges)
                {
                    if (zoneMovablePfn != 0)
                    {
                        if (r.Movable && z != ZoneType.Movable)
                        {
                            continue; // DMB pages belong to ZONE_MOVABLE
                        }
                        if (mirrored && z == ZoneType.Movable && r.Mirror)
                        {
                            continue;
                        }
                        if (mirrored && z == ZoneType.Normal && !r.Mirror)
                        {
                            continue;
                        }
                    }
                    AddPart(present, r.Range.Intersect(new PfnRange(zs, ze)));
                }
            }
        }
        ulong presentPages = PfnRange.TotalPages(present);
        if (dmbPatches && presentPages == 0)
        {
            spanned = 0; // "prevent creation of empty zones"
        }

        // free_area_init_core(): zone_start_pfn is only set for a zone that spans something.
        return new ZoneLayout(nid, z, spanned > 0 ? zs : 0, spanned, presentPages, present);
    }

    private static void AddPart(List<PfnRange> list, PfnRange p)
    {
        if (!p.IsEmpty)
        {
            list.Add(p);
        }
    }

    /// <summary>Sections (of 2^SectionSizeBits bytes) that hold memblock memory (memory_present / sparse_init).</summary>
    private static SortedSet<ulong> PresentSections(List<MemblockRegion> memblock, int sectionSizeBits)
    {
        int shift = sectionSizeBits - Page.Shift;
        // collected in order and built at once: SortedSet's constructor takes a sorted sequence in O(n), where one
        // Add per section of a 256 TiB machine (2M sections) was a second of tree rebalancing
        var list = new List<ulong>();
        foreach (MemblockRegion r in memblock)
        {
            for (ulong s = r.StartPfn >> shift; s <= (r.EndPfn - 1) >> shift; s++)
            {
                list.Add(s);
            }
        }
        return new SortedSet<ulong>(list);
    }

    // mirrors init_unavailable_range(): counts pfns of [spfn, epfn) whose section is present (pfn_valid of
    // an early section); absent sections are skipped a pageblock at a time.
    private static ulong CountValid(ulong spfn, ulong epfn, SortedSet<ulong> sections, int sectionSizeBits)
    {
        int shift = sectionSizeBits - Page.Shift;
        ulong count = 0;
        for (ulong s = spfn >> shift; spfn < epfn && s <= (epfn - 1) >> shift; s++)
        {
            if (!sections.Contains(s))
            {
                continue;
            }
            ulong a = Math.Max(spfn, s << shift);
            ulong b = Math.Min(epfn, (s + 1) << shift);
            count += b - a;
        }
        return count;
    }

    // mirrors memmap_init() / memmap_init_zone_range(): holes before each memory range in each populated zone,
    // and the tail up to the end of the last section, are reported per node and zone.
    private static List<UnavailableRange> MemmapInitHoles(List<MemblockRegion> memblock, List<NodeLayout> nodes, SortedSet<ulong> sections, int sectionSizeBits, bool dmbPatches)
    {
        var result = new List<UnavailableRange>();
        ulong holePfn = 0;
        ZoneType zoneId = ZoneType.Dma;
        int lastNid = 0;
        ulong lastEnd = 0;
        foreach (MemblockRegion r in memblock)
        {
            NodeLayout node = nodes.First(n => n.Nid == r.Nid);
            foreach (ZoneLayout zone in node.Zones)
            {
                if (!zone.IsPopulated)
                {
                    continue;
                }
                ulong zoneStart = zone.StartPfn;
                if (dmbPatches && zone.Type == ZoneType.Movable && zoneStart < holePfn)
                {
                    zoneStart = holePfn; // DMB v3 7/9: skip the overlap of ZONE_MOVABLE
                }
                ulong s = Clamp(r.StartPfn, zoneStart, zone.EndPfn);
                ulong e = Clamp(r.EndPfn, zoneStart, zone.EndPfn);
                if (s < e)
                {
                    if (holePfn < s)
                    {
                        Report(result, holePfn, s, zone.Type, r.Nid, sections, sectionSizeBits);
                    }
                    holePfn = e;
                }
                zoneId = zone.Type;
            }
            lastNid = r.Nid;
            lastEnd = r.EndPfn;
        }
        ulong sectionPages = 1UL << (sectionSizeBits - Page.Shift);
        ulong end = Page.RoundUp(lastEnd, sectionPages);
        if (holePfn < end)
        {
            Report(result, holePfn, end, zoneId, lastNid, sections, sectionSizeBits);
        }
        return result;
    }

    private static void Report(List<UnavailableRange> result, ulong s, ulong e, ZoneType zone, int nid, SortedSet<ulong> sections, int bits)
    {
        ulong n = CountValid(s, e, sections, bits);
        if (n > 0)
        {
            result.Add(new UnavailableRange(nid, zone, n));
        }
    }

    // mirrors memory_dev_init() (a block exists when one of its sections is present), node_dev_init() →
    // register_mem_block_under_node_early() (a block joins every node one of its pfns maps to, holes mapping to
    // first_online_node via early_pfn_to_nid()), and memory_block_add_nid() → early_node_zone_for_memory_block().
    private static List<MemoryBlock> BootMemoryBlocks(List<MemblockRegion> memblock, List<NodeLayout> nodes, SortedSet<ulong> sections, int sectionSizeBits, ulong blockSize)
    {
        int shift = sectionSizeBits - Page.Shift;
        ulong sectionsPerBlock = blockSize >> sectionSizeBits;
        ulong pagesPerBlock = blockSize >> Page.Shift;
        int firstOnlineNode = nodes[0].Nid;
        // sections iterate in ascending order, so their blocks do too: duplicates are adjacent
        var blockIdx = new List<ulong>();
        foreach (ulong s in sections)
        {
            ulong b = s / sectionsPerBlock;
            if (blockIdx.Count == 0 || blockIdx[^1] != b)
            {
                blockIdx.Add(b);
            }
        }
        var present = new HashSet<ulong>(sections); // O(1) lookups for the per-block walk (a machine has up to 2M sections)
        var nodeByNid = nodes.ToDictionary(n => n.Nid);

        var result = new List<MemoryBlock>(blockIdx.Count);
        foreach (ulong b in blockIdx)
        {
            ulong bStart = b * pagesPerBlock;
            ulong bEnd = bStart + pagesPerBlock;
            var blockNodes = new List<int>();
            foreach (NodeLayout node in nodes)
            {
                // walk_memory_blocks() over the node span only
                if (bEnd <= node.StartPfn || bStart >= node.EndPfn)
                {
                    continue;
                }
                if (BlockHasPfnOfNode(memblock, present, shift, bStart, bEnd, node.Nid, firstOnlineNode))
                {
                    blockNodes.Add(node.Nid);
                }
            }
            if (blockNodes.Count == 0)
            {
                result.Add(new MemoryBlock(b, -1, blockNodes, "none", null));
                continue;
            }
            ZoneType? zone = null;
            if (blockNodes.Count == 1)
            {
                zone = EarlyNodeZoneForMemoryBlock(nodeByNid[blockNodes[0]], bStart, pagesPerBlock);
            }
            result.Add(new MemoryBlock(b, blockNodes[0], blockNodes, zone is null ? "none" : ZoneTypes.Name(zone.Value), zone));
        }
        return result;
    }

    private static bool BlockHasPfnOfNode(List<MemblockRegion> memblock, HashSet<ulong> sections, int shift, ulong bStart, ulong bEnd, int nid, int firstOnlineNode)
    {
        for (ulong s = bStart >> shift; s < bEnd >> shift; s++)
        {
            if (!sections.Contains(s))
            {
                continue;
            }
            PfnRange sec = new(s << shift, (s + 1) << shift);
            ulong covered = 0;
            foreach (MemblockRegion r in memblock)
            {
                PfnRange p = r.Range.Intersect(sec);
                if (p.IsEmpty)
                {
                    continue;
                }
                covered += p.Pages;
                if (r.Nid == nid)
                {
                    return true;
                }
            }
            // a hole pfn in a present section maps to first_online_node
            if (covered < sec.Pages && nid == firstOnlineNode)
            {
                return true;
            }
        }
        return false;
    }

    // mirrors early_node_zone_for_memory_block(): the single populated zone of the node intersecting the block.
    internal static ZoneType? EarlyNodeZoneForMemoryBlock(NodeLayout node, ulong startPfn, ulong nrPages)
    {
        ZoneType? match = null;
        foreach (ZoneLayout z in node.Zones)
        {
            if (!z.IsPopulated || !z.Intersects(startPfn, nrPages))
            {
                continue;
            }
            if (match is null)
            {
                match = z.Type;
                continue;
            }
            return null; // spans multiple zones
        }
        return match;
    }
}
