using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Cli;

/// <summary>
/// What ZONE_MOVABLE of a node holds when <c>zone_movable_pfn</c> is 0 but the zone is populated: the design
/// re-linked memory into it (Designated Movable Blocks, or CMA areas under cma-in-movable). Said from the layout's
/// own ranges, so the footer cannot name the wrong design.
/// </summary>
internal static class MovableZoneFooter
{
    /// <summary>The footer line for node <paramref name="nid"/> whose ZONE_MOVABLE has <paramref name="present"/> pages.</summary>
    /// <param name="layout">The layout as the design reports it.</param>
    /// <param name="design">The design (the dmb design turns CMA areas outside a DMB into DMBs).</param>
    /// <param name="nid">The node.</param>
    /// <param name="present">Present pages of the node's ZONE_MOVABLE.</param>
    public static string Describe(BootLayout layout, DesignKind design, int nid, ulong present)
    {
        ZoneLayout? movable = layout.Node(nid)?.Zone(ZoneType.Movable);
        IReadOnlyList<PfnRange> ranges = movable?.PresentRanges ?? [];
        ulong inDmb = Covered(ranges, design == DesignKind.Dmb ? DmbDesign.Blocks(layout) : DesignZones.Dmbs(layout));
        ulong inCma = design == DesignKind.Dmb ? 0 : Covered(ranges, DesignZones.CmaRanges(layout));
        string what = inDmb == present && present > 0 ? "Designated Movable Blocks"
            : inCma == present && present > 0 ? "CMA areas re-linked from the zones they lie in"
            : inDmb + inCma > 0 ? $"Designated Movable Blocks ({inDmb:N0} pages) and CMA areas ({inCma:N0} pages)"
            : "memory outside any zone_movable_pfn range";
        return $"node {nid}: ZONE_MOVABLE holds only {what} ({present:N0} pages)";
    }

    private static ulong Covered(IReadOnlyList<PfnRange> ranges, IReadOnlyList<PfnRange> by)
    {
        ulong n = 0;
        foreach (PfnRange r in ranges)
        {
            foreach (PfnRange b in by)
            {
                n += r.Intersect(b).Pages;
            }
        }

        return n;
    }
}
