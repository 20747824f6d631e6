using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Compaction;

/// <summary>
/// The compaction and reclaim tests' machine: one ZONE_DMA32 of 24 pageblocks, [4096, 16384), every page of it
/// allocated at order 0 for one use, so a test frees the pattern it needs.
/// </summary>
internal static class FullDma32Machine
{
    /// <summary>The zone's first pfn.</summary>
    public const ulong FirstPfn = 4096;

    /// <summary>The machine and its 12288 allocated pfns, in the order they were allocated.</summary>
    public static (Machine M, List<ulong> Pages) Create(PageUse use)
    {
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, FirstPfn, 16384)]));
        var pages = new List<ulong>();
        AllocResult r;
        while ((r = m.Allocate(0, Gfp.HighUserMovable | GfpFlags.Memalloc, use: use)).Success)
        {
            pages.Add(r.Pfn);
        }
        return (m, pages);
    }

    /// <summary>
    /// <see cref="Create"/> with every even pfn freed again: 6144 free order-0 pages, none of them able to merge with
    /// its buddy, in every pageblock (extfrag_for_order(9) = 100). The list still holds all 12288 pfns.
    /// </summary>
    public static (Machine M, List<ulong> Pages) CreateEvenPfnsFreed(PageUse use)
    {
        (Machine m, List<ulong> pages) = Create(use);
        foreach (ulong p in pages.Where(p => (p & 1) == 0))
        {
            m.Free(p, 0);
        }
        return (m, pages);
    }
}
