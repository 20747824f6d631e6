using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>
/// The layout transforms the designs share: re-linking pfn ranges (CMA areas, DMBs) from the zone the boot layout put
/// them in to another zone of the same node, whose span grows to cover them and may then overlap other zones.
/// </summary>
public static class DesignZones
{
    /// <summary>
    /// The zones of <paramref name="layout"/> with every pfn of <paramref name="moved"/> taken out of its original zone
    /// (present and managed shrink, the span stays: the zone now has a hole) and made present in zone
    /// <paramref name="target"/> of its node, whose span becomes <c>[min(start, min moved), max(end, max moved))</c>.
    /// This mirrors the page re-linking at activation of ZONE_CMA v7 (3/7 "mm/cma: populate ZONE_CMA":
    /// <c>init_cma_reserved_pageblock</c> → <c>set_page_links</c>, <c>adjust_present_page_count</c>), of the 4.17-rc1
    /// "manage the memory of the CMA area by using the ZONE_MOVABLE" (bad8c6c0b114) and of DMB v3/v4
    /// (<c>dmb_init_region</c> and the <c>zone_absent_pages_in_node</c> extension).
    /// </summary>
    /// <param name="layout">The mainline boot layout.</param>
    /// <param name="moved">Pageblock-aligned ranges, each within one node.</param>
    /// <param name="target">The zone that receives them.</param>
    /// <param name="movedAreManaged">Whether the layout already counts the moved pages as managed (CMA areas are
    /// given back to the buddy at activation and counted; DMBs likewise).</param>
    public static List<ZoneSpec> Relink(BootLayout layout, IReadOnlyList<PfnRange> moved, ZoneType target, bool movedAreManaged = true)
    {
        var specs = new List<ZoneSpec>();
        foreach (NodeLayout n in layout.Nodes)
        {
            var node = new PfnRange(n.StartPfn, n.EndPfn);
            List<PfnRange> mine = moved.Select(r => r.Intersect(node)).Where(r => !r.IsEmpty).OrderBy(r => r.Start).ToList();
            ulong movedManaged = 0;
            ZoneLayout? targetLayout = null;
            var zoneSpecs = new List<ZoneSpec>();
            foreach (ZoneLayout z in n.Zones)
            {
                if (z.Type == target)
                {
                    targetLayout = z;
                    continue;
                }

                var kept = new List<PfnRange>();
                ulong cut = 0;
                foreach (PfnRange p in z.PresentRanges)
                {
                    List<PfnRange> rest = p.Subtract(mine);
                    kept.AddRange(rest);
                    cut += p.Pages - (ulong)rest.Sum(r => (long)r.Pages);
                }

                movedManaged += cut;
                ulong managed = movedAreManaged ? (z.Managed > cut ? z.Managed - cut : 0) : z.Managed;
                zoneSpecs.Add(new ZoneSpec(n.Nid, z.Type, z.StartPfn, z.Spanned, kept, managed));
            }

            // the target zone: its own present memory (minus what is re-linked anyway) plus the moved ranges
            var present = new List<PfnRange>();
            ulong targetManaged = 0;
            ulong start = ulong.MaxValue, end = 0;
            if (targetLayout is { Spanned: > 0 })
            {
                foreach (PfnRange p in targetLayout.PresentRanges)
                {
                    present.AddRange(p.Subtract(mine));
                }

                targetManaged = targetLayout.Managed;
                start = targetLayout.StartPfn;
                end = targetLayout.EndPfn;
                // pages of the moved ranges that the target zone already held stay counted once
                foreach (PfnRange p in targetLayout.PresentRanges)
                {
                    foreach (PfnRange m in mine)
                    {
                        targetManaged -= Math.Min(targetManaged, p.Intersect(m).Pages);
                    }
                }
            }

            foreach (PfnRange m in mine)
            {
                present.Add(m);
                start = Math.Min(start, m.Start);
                end = Math.Max(end, m.End);
                targetManaged += m.Pages;
            }

            present.Sort((a, b) => a.Start.CompareTo(b.Start));
            ZoneSpec targetSpec = present.Count == 0
                ? new ZoneSpec(n.Nid, target, targetLayout?.StartPfn ?? 0, targetLayout?.Spanned ?? 0, [], 0)
                : new ZoneSpec(n.Nid, target, start, end - start, present, targetManaged);
            zoneSpecs.Add(targetSpec);
            zoneSpecs.Sort((a, b) => a.Type.CompareTo(b.Type));
            specs.AddRange(zoneSpecs);
        }

        return specs;
    }

    /// <summary>
    /// A copy of <paramref name="layout"/> whose nodes hold <paramref name="zones"/> (the design's own zones), for
    /// <see cref="DesignMachine.Layout"/> and <c>zonelab layout --design</c>.
    /// </summary>
    /// <param name="layout">The mainline layout.</param>
    /// <param name="zones">The design's zones.</param>
    /// <param name="configured">The zone types of the design's kernel (default: the layout's).</param>
    /// <param name="cma">Ranges that stay MIGRATE_CMA (the zones' <c>cma</c> page counts), if any.</param>
    public static BootLayout WithZones(BootLayout layout, IReadOnlyList<ZoneSpec> zones, IReadOnlyList<ZoneType>? configured = null, IReadOnlyList<PfnRange>? cma = null)
    {
        var nodes = new List<NodeLayout>();
        foreach (NodeLayout n in layout.Nodes)
        {
            var zl = new List<ZoneLayout>();
            foreach (ZoneSpec s in zones.Where(z => z.Node == n.Nid).OrderBy(z => z.Type))
            {
                ZoneLayout? old = n.Zone(s.Type);
                var z = new ZoneLayout(n.Nid, s.Type, s.StartPfn, s.SpannedPages, s.PresentPages, s.PresentRanges)
                {
                    Managed = s.ManagedPages,
                    ManagedIsReal = old?.ManagedIsReal ?? false,
                    CmaPages = (ulong)s.PresentRanges.Sum(p => (cma ?? []).Sum(c => (long)p.Intersect(c).Pages)),
                };
                zl.Add(z);
            }

            nodes.Add(new NodeLayout(n.Nid, n.StartPfn, n.EndPfn, n.MemoryRanges, zl));
        }

        // a with-copy: every other property of the mainline layout (E820, memblock, CMA areas, memmap, ...) is kept
        return layout with
        {
            ZoneTypesConfigured = configured ?? layout.ZoneTypesConfigured,
            Nodes = nodes,
            MemoryBlocks = RezoneBlocks(layout, nodes),
        };
    }

    /// <summary>
    /// The memory blocks with their zone re-derived from the design's zones, as memory_block_add_nid() →
    /// early_node_zone_for_memory_block() does at boot: a block whose pfn range intersects the span of two populated
    /// zones (zone_intersects) gets no zone and valid_zones "none". The command-line DMB form gets this from the
    /// layout builder; a design that re-links memory afterwards (CMA areas made DMBs, ZONE_CMA) must redo it.
    /// </summary>
    private static List<MemoryBlock> RezoneBlocks(BootLayout layout, List<NodeLayout> nodes)
    {
        ulong pages = layout.MemoryBlockSize >> Page.Shift;
        var blocks = new List<MemoryBlock>(layout.MemoryBlocks.Count);
        foreach (MemoryBlock b in layout.MemoryBlocks)
        {
            NodeLayout? n = b.Nodes.Count == 1 ? nodes.FirstOrDefault(x => x.Nid == b.Nodes[0]) : null;
            if (n == null || pages == 0)
            {
                blocks.Add(b);
                continue;
            }

            ZoneType? z = FreeAreaInit.EarlyNodeZoneForMemoryBlock(n, b.Index * pages, pages);
            blocks.Add(b with { Zone = z, ValidZones = z is null ? "none" : ZoneTypes.Name(z.Value) });
        }

        return blocks;
    }

    /// <summary>The layout's zones with <paramref name="ranges"/> present but not managed (a no-map carve-out, GCMA).</summary>
    public static List<ZoneSpec> Unmanaged(BootLayout layout, IReadOnlyList<PfnRange> ranges)
    {
        var zones = new List<ZoneSpec>();
        foreach (NodeLayout n in layout.Nodes)
        {
            foreach (ZoneLayout z in n.Zones)
            {
                ulong inside = 0;
                foreach (PfnRange c in ranges)
                {
                    foreach (PfnRange p in z.PresentRanges)
                    {
                        inside += p.Intersect(c).Pages;
                    }
                }

                zones.Add(new ZoneSpec(n.Nid, z.Type, z.StartPfn, z.Spanned, z.PresentRanges, z.Managed > inside ? z.Managed - inside : 0));
            }
        }

        return zones;
    }

    /// <summary>
    /// Explicit boot reservations for a machine whose <paramref name="unmanaged"/> ranges must never reach the buddy
    /// allocator (carve-out, GCMA): those ranges, plus each zone's other <c>present - managed</c> pages at its lowest
    /// pfns outside them (the engine's default placement, which would otherwise take the lowest pfns of the zone and
    /// hand the area itself to the buddy).
    /// </summary>
    public static List<PfnRange> ReservedWith(BootLayout layout, IReadOnlyList<PfnRange> unmanaged)
    {
        var reserved = new List<PfnRange>(unmanaged);
        // Where the boot model placed its reservations (arm64 memblock), use those places.
        IReadOnlyList<PfnRange>? placed = layout.AllZones.All(z => !z.ManagedIsReal) ? LayoutMachineSpec.ClipToPresent(layout, layout.RetainedReserved) : null;
        if (placed != null)
        {
            foreach (PfnRange r in placed)
            {
                reserved.AddRange(r.Subtract(unmanaged));
            }
            reserved.Sort((a, b) => a.Start.CompareTo(b.Start));
            return reserved;
        }
        foreach (ZoneLayout z in layout.AllZones)
        {
            ulong toReserve = z.Present > z.Managed ? z.Present - z.Managed : 0;
            foreach (PfnRange p in z.PresentRanges.OrderBy(r => r.Start))
            {
                foreach (PfnRange piece in p.Subtract(unmanaged))
                {
                    if (toReserve == 0)
                    {
                        break;
                    }

                    ulong take = Math.Min(toReserve, piece.Pages);
                    reserved.Add(new PfnRange(piece.Start, piece.Start + take));
                    toReserve -= take;
                }
            }
        }

        return reserved;
    }

    /// <summary>The layout's non-empty CMA areas as pfn ranges.</summary>
    public static List<PfnRange> CmaRanges(BootLayout layout)
        => layout.CmaAreas.Where(a => a.Count > 0).Select(a => new PfnRange(a.BasePfn, a.BasePfn + a.Count)).ToList();

    /// <summary>The Designated Movable Blocks of a layout booted with the DMB patches (MEMBLOCK_MOVABLE regions, merged).</summary>
    public static List<PfnRange> Dmbs(BootLayout layout)
    {
        var result = new List<PfnRange>();
        foreach (MemblockRegion r in layout.Memblock.Where(r => r.Movable).OrderBy(r => r.StartPfn))
        {
            if (result.Count > 0 && result[^1].End == r.StartPfn)
            {
                result[^1] = new PfnRange(result[^1].Start, r.EndPfn);
            }
            else
            {
                result.Add(new PfnRange(r.StartPfn, r.EndPfn));
            }
        }

        return result;
    }

    /// <summary>Boots a machine over design zones with the usual settings of the layout.</summary>
    internal static Machine Boot(BootLayout layout, IReadOnlyList<ZoneSpec> zones, KernelVersion version, VmSysctls? sysctls, bool debugChecks, long swapPages,
        IReadOnlyList<PfnRange>? cma = null, int? maxNrZones = null, ZoneType movableHighmemZone = ZoneType.Movable, IReadOnlyList<PfnRange>? reserved = null,
        IReadOnlyList<PfnRange>? dmbs = null)
        => new(new MachineSpec(zones)
        {
            Version = version,
            Sysctls = sysctls ?? new VmSysctls(),
            Numa = layout.Numa,
            MaxNrZones = maxNrZones ?? layout.ZoneTypesConfigured.Count,
            Cma = cma ?? [],
            DebugChecks = debugChecks,
            MovableHighmemZone = movableHighmemZone,
            Reserved = reserved,
            MovableBlocks = dmbs ?? [],
            SwapPages = swapPages,
        });

}

/// <summary>
/// <c>cma_alloc</c> over memory whose pageblocks are MIGRATE_MOVABLE (ZONE_CMA v7 after 5/7 "mm/cma: remove
/// MIGRATE_CMA"; a CMA pool in a DMB, v1 "make alloc_contig_range DMB aware"): the MIGRATE_CMA request is turned into a
/// MIGRATE_MOVABLE isolation, so <c>has_unmovable_pages</c> applies the ZONE_MOVABLE rules.
/// </summary>
public sealed class MovableIsolation(ContigRangeAllocator contig) : IContigRangeAllocator
{
    /// <inheritdoc/>
    public ContigResult AllocContigRange(ulong startPfn, ulong endPfn, bool cmaMode) => contig.AllocContigRange(startPfn, endPfn, cmaMode: false);

    /// <inheritdoc/>
    public void FreeContigRange(ulong pfn, ulong count) => contig.FreeContigRange(pfn, count);

    /// <inheritdoc/>
    public void BeginAttempts() => contig.BeginAttempts();

    /// <inheritdoc/>
    public void EndAttempts() => contig.EndAttempts();
}
