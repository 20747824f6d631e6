using ZoneLab.Layout;

namespace ZoneLab.Allocator;

// CONFIG_DEFERRED_STRUCT_PAGE_INIT (MachineSpec.DeferredStructPageInit): where boot reservations lie in the node's
// last zone and which of that zone's pageblocks the kernel leaves MIGRATE_UNMOVABLE.
public sealed unsafe partial class Machine
{
    // PAGES_PER_SECTION with SECTION_SIZE_BITS 27 and 4 KiB pages (x86_64, and arm64 since 5.12)
    private const ulong PagesPerSection = 1UL << (27 - 12);

    // The populated zone whose end is the node's end (defer_init: end_pfn == pgdat_end_pfn), per node.
    private static HashSet<ZoneSpec> NodeLastZones(List<(ZoneSpec Spec, Zone Zone, List<PfnRange> Ranges)> present)
    {
        var last = new Dictionary<int, ZoneSpec>();
        foreach ((ZoneSpec zs, Zone _, List<PfnRange> ranges) in present)
        {
            if (ranges.Count > 0 && (!last.TryGetValue(zs.Node, out ZoneSpec? cur) || zs.EndPfn > cur.EndPfn))
            {
                last[zs.Node] = zs;
            }
        }

        return [.. last.Values];
    }

    /// <summary>
    /// The reservations of a node's last zone as memblock makes them: the kernel image where it was loaded
    /// (memblock_reserve of _text.._end in setup_arch / arm64_memblock_init), everything else allocated top-down
    /// (memblock_find_in_range_node -> __memblock_find_range_top_down, memblock's default direction): the memmap
    /// (sparse_init -> sparse_buffer_init), percpu, page tables, hash tables... from the zone's highest free pfns,
    /// around the CMA areas (already reserved) and the initrd (reserved by the boot loader's placement).
    /// </summary>
    private static void PlaceTopDown(MachineSpec spec, List<PfnRange> ranges, List<PfnRange> bootReserved, ulong toReserve, List<PfnRange> excluded)
    {
        foreach (PfnRange r in ranges)
        {
            PfnRange image = r.Intersect(spec.KernelImage);
            if (toReserve == 0 || image.IsEmpty)
            {
                continue;
            }

            foreach (PfnRange piece in image.Subtract(bootReserved))
            {
                ulong take = Math.Min(toReserve, piece.Pages);
                excluded.Add(new PfnRange(piece.Start, piece.Start + take));
                toReserve -= take;
            }
        }

        var avoid = new List<PfnRange>(bootReserved) { spec.KernelImage, spec.Initrd };
        for (int k = ranges.Count - 1; k >= 0 && toReserve > 0; k--)
        {
            List<PfnRange> pieces = ranges[k].Subtract(avoid);
            for (int j = pieces.Count - 1; j >= 0 && toReserve > 0; j--)
            {
                ulong take = Math.Min(toReserve, pieces[j].Pages);
                excluded.Add(new PfnRange(pieces[j].End - take, pieces[j].End));
                toReserve -= take;
            }
        }

        // what the top-down allocations could not place (a zone smaller than its reservations) goes lowest, as before
        foreach (PfnRange r in ranges)
        {
            foreach (PfnRange piece in r.Subtract(excluded))
            {
                if (toReserve == 0)
                {
                    return;
                }

                ulong take = Math.Min(toReserve, piece.Pages);
                excluded.Add(new PfnRange(piece.Start, piece.Start + take));
                toReserve -= take;
            }
        }
    }

    /// <summary>
    /// mirrors defer_init + deferred_init_memmap -> deferred_free_range (6.1 mm/page_alloc.c): memmap_init_range
    /// marks pageblocks MIGRATE_MOVABLE only up to first_deferred_pfn, the first section boundary after
    /// PAGES_PER_SECTION pfns of the node's last zone; past it deferred_free_range sets MIGRATE_MOVABLE only on
    /// pageblock-aligned pfns of memblock's free ranges. A pageblock that starts on a reservation (the memmap,
    /// percpu, the initrd not yet freed) keeps the value of the zeroed usemap (sparse_init's memblock_alloc), 0:
    /// MIGRATE_UNMOVABLE, and the free pages of such a block (and the initrd when free_initrd_mem releases it) go to
    /// the UNMOVABLE free lists.
    /// </summary>
    private void DeferredInitPageblockTypes(MachineSpec spec, List<(ZoneSpec Spec, Zone Zone, List<PfnRange> Ranges)> present, List<PfnRange> excluded)
    {
        HashSet<ZoneSpec> lastZones = NodeLastZones(present);
        var reservedAtDeferredInit = new List<PfnRange>(excluded) { spec.Initrd };
        foreach ((ZoneSpec zs, Zone _, List<PfnRange> ranges) in present)
        {
            if (!lastZones.Contains(zs))
            {
                continue;
            }

            // defer_init: nr_initialised counts the zone's pfns; deferral starts at the first section-aligned pfn
            // after more than PAGES_PER_SECTION of them
            ulong seen = 0, firstDeferred = ulong.MaxValue;
            foreach (PfnRange r in ranges)
            {
                if (seen + r.Pages > PagesPerSection)
                {
                    ulong offset = seen >= PagesPerSection ? 0 : PagesPerSection - seen;
                    ulong candidate = (r.Start + offset + PagesPerSection - 1) & ~(PagesPerSection - 1);
                    if (candidate < r.End)
                    {
                        firstDeferred = candidate;
                        break;
                    }
                }

                seen += r.Pages;
            }

            foreach (PfnRange r in ranges)
            {
                ulong from = Math.Max(r.Start, firstDeferred);
                for (ulong pb = (from + Pageblock.NrPages - 1) & ~(Pageblock.NrPages - 1); pb < r.End; pb += Pageblock.NrPages)
                {
                    if (reservedAtDeferredInit.Exists(x => x.Contains(pb)) && !spec.MovableBlocks.Any(x => x.Contains(pb)))
                    {
                        SetPageblockMt((int)(pb - _base), MigrateType.Unmovable);
                    }
                }
            }
        }
    }
}
