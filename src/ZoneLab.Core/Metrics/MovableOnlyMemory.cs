using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Metrics;

/// <summary>
/// Who may allocate from a design's movable-only memory (MIGRATE_CMA pageblocks, ZONE_MOVABLE, ZONE_CMA) and how big it
/// is next to the memory unmovable allocations can use; derived from the booted engine, not from a table per design.
/// </summary>
public static class MovableOnlyMemory
{
    /// <summary>The GFP classes the report lists, in order.</summary>
    public static readonly IReadOnlyList<(string Name, GfpFlags Gfp)> Classes =
    [
        ("GFP_KERNEL", Gfp.Kernel),
        ("GFP_ATOMIC", Gfp.Atomic),
        ("GFP_USER", Gfp.User),
        ("GFP_HIGHUSER", Gfp.HighUser),
        ("GFP_USER|__GFP_MOVABLE", Gfp.User | GfpFlags.Movable),
        ("GFP_HIGHUSER_MOVABLE", Gfp.HighUserMovable),
        ("GFP_TRANSHUGE", Gfp.TransHuge),
    ];

    /// <summary>
    /// For each of <see cref="Classes"/>: walks node 0's zonelist up to <c>gfp_zone(gfp)</c> (as
    /// <c>get_page_from_freelist</c> does) and checks for a populated ZONE_MOVABLE/ZONE_CMA, and — when
    /// <c>gfp_to_alloc_flags_cma</c> grants ALLOC_CMA — for a zone with CMA pageblocks.
    /// </summary>
    public static MovableOnlyAccess[] Access(Machine m)
    {
        var rows = new MovableOnlyAccess[Classes.Count];
        for (int c = 0; c < rows.Length; c++)
        {
            (string name, GfpFlags gfp) = Classes[c];
            int high = m.GfpZoneIndex(gfp);
            MigrateType mt = m.PageGroupByMobilityDisabled ? MigrateType.Unmovable : Gfp.MigrateTypeOf(gfp);
            bool allocCma = (Machine.GfpToAllocFlags(gfp, 0, mt) & AllocFlags.Cma) != 0;
            bool movableZone = false, cmaBlocks = false;
            foreach (int zi in m.Zonelist(0))
            {
                Zone z = m.Zones[zi];
                if ((int)z.Type > high || !z.IsPopulated)
                {
                    continue;
                }

                movableZone |= IsMovableOnlyZone(z.Type);
                cmaBlocks |= allocCma && z.CmaPages > 0;
            }

            rows[c] = new MovableOnlyAccess(name, ZoneTypes.Name((ZoneType)high), allocCma, movableZone, cmaBlocks);
        }

        return rows;
    }

    /// <summary>
    /// Managed pages an unmovable GFP_KERNEL request can use: zones up to <c>gfp_zone(GFP_KERNEL)</c> minus their
    /// CMA pages (<c>zone-&gt;cma_pages</c>, which need ALLOC_CMA).
    /// </summary>
    public static long KernelUsableManagedPages(Machine m)
    {
        int high = m.GfpZoneIndex(Gfp.Kernel);
        long pages = 0;
        foreach (Zone z in m.Zones)
        {
            if ((int)z.Type <= high && !IsMovableOnlyZone(z.Type))
            {
                pages += (long)z.ManagedPages - (long)z.CmaPages;
            }
        }

        return pages;
    }

    /// <summary>Managed pages only movable requests can use: ZONE_MOVABLE and ZONE_CMA, plus CMA pages of other zones.</summary>
    public static long MovableOnlyManagedPages(Machine m)
    {
        long pages = 0;
        foreach (Zone z in m.Zones)
        {
            pages += IsMovableOnlyZone(z.Type) ? (long)z.ManagedPages : (long)z.CmaPages;
        }

        return pages;
    }

    private static bool IsMovableOnlyZone(ZoneType t) => t is ZoneType.Movable or ZoneType.Cma;
}
