using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>
/// What the allocator engine can hold, checked before a layout becomes a <see cref="Machine"/>: pfns are 32-bit
/// indices (at most 2^31 pages, 8 TiB of 4 KiB pages) and a page's zone is a byte (at most
/// <see cref="MaxZones"/> zones, node-major). The boot layout itself (<c>zonelab layout</c>) goes up to the kernel's
/// limits (<see cref="KernelLimits"/>); a larger machine is refused here with a located error.
/// </summary>
public static class EngineLimits
{
    /// <summary>Pages the engine's per-page arrays can index.</summary>
    public const ulong MaxPages = int.MaxValue;

    /// <summary>Zones (nodes × zone types) the engine's zone byte can name.</summary>
    public const int MaxZones = 254;

    /// <summary>Throws a <see cref="ZoneLabInputException"/> when <paramref name="layout"/> is larger than the engine holds.</summary>
    public static void Check(BootLayout layout)
    {
        ulong lo = ulong.MaxValue, hi = 0;
        int maxNode = 0;
        foreach (ZoneLayout z in layout.AllZones)
        {
            if (z.Spanned > 0)
            {
                lo = Math.Min(lo, z.StartPfn);
                hi = Math.Max(hi, z.StartPfn + z.Spanned);
            }
            maxNode = Math.Max(maxNode, z.Nid);
        }
        if (hi > lo && hi - lo > MaxPages - Pageblock.MaxOrderNrPages)
        {
            throw new ZoneLabInputException("machine", $"spans {(hi - lo) >> 18} GiB of page frames; the allocator engine (proc, hotplug, replay, run, compare) models at most 8 TiB (2^31 pages); `zonelab layout` computes larger machines");
        }
        int zoneTypes = layout.ZoneTypesConfigured.Count;
        if ((maxNode + 1) * zoneTypes > MaxZones)
        {
            throw new ZoneLabInputException("machine", $"has node ids up to {maxNode}; the allocator engine models at most {MaxZones / zoneTypes} nodes of {zoneTypes} zones ({MaxZones} zones); `zonelab layout` computes up to MAX_NUMNODES ({KernelLimits.MaxNumNodes})");
        }
    }
}
