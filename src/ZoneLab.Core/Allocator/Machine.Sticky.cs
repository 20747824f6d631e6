using System.Runtime.CompilerServices;
using ZoneLab.Layout;

namespace ZoneLab.Allocator;

// Sticky MIGRATE_MOVABLE pageblocks (the sticky-movable design): pageblocks that stay MIGRATE_MOVABLE whatever the
// fallback does. Every kernel path that may retype a MIGRATE_MOVABLE pageblock or move its free pages to another
// type's lists checks IsSticky first: steal_suitable_fallback (claim and change_pageblock_range),
// move_freepages_block, reserve_highatomic_pageblock, and __free_one_page's merge across pageblocks of different
// types at pageblock order and above.
public sealed unsafe partial class Machine
{
    // one flag per pageblock of the map; null when the machine has no sticky pageblocks (every check is then one test)
    private bool[]? _stickyBlocks;

    /// <summary>Number of fallback allocations served from a sticky pageblock without retyping it.</summary>
    public long StickyFallbackSteals { get; private set; }

    /// <summary>Whether the pageblock holding <paramref name="pfn"/> is a sticky MIGRATE_MOVABLE pageblock.</summary>
    public bool IsStickyPfn(ulong pfn) => _stickyBlocks != null && pfn >= _base && pfn - _base < (ulong)_length && IsSticky((int)(pfn - _base));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsSticky(int idx) => _stickyBlocks != null && _stickyBlocks[idx >> Pageblock.Order];

    // Marks the spec's sticky ranges. Boot has already set every pageblock MIGRATE_MOVABLE (memmap_init_range).
    private void InitSticky(MachineSpec spec)
    {
        if (spec.StickyMovable.Count == 0)
        {
            return;
        }

        _stickyBlocks = new bool[(_length >> Pageblock.Order) + 1];
        foreach (PfnRange r in spec.StickyMovable)
        {
            if ((r.Start & (Pageblock.NrPages - 1)) != 0 || (r.End & (Pageblock.NrPages - 1)) != 0 || r.Start < _base || r.End - _base > (ulong)_length)
            {
                throw new ArgumentException($"sticky range {r} is not pageblock aligned inside the map", nameof(spec));
            }

            for (ulong pfn = r.Start; pfn < r.End; pfn += Pageblock.NrPages)
            {
                int i = (int)(pfn - _base);
                if (GetPageblockMt(i) != MigrateType.Movable)
                {
                    throw new ArgumentException($"sticky pageblock at pfn 0x{pfn:x} is not MIGRATE_MOVABLE at boot", nameof(spec));
                }

                _stickyBlocks[i >> Pageblock.Order] = true;
            }
        }
    }

    // The fallback on a sticky pageblock: the page of order currentOrder is taken off its MIGRATE_MOVABLE list and
    // split, the remainder going back to the MIGRATE_MOVABLE lists, as the single_page path of 6.10+
    // steal_suitable_fallback does (page_del_and_expand with the block's type). The pageblock keeps its type and no
    // other free page of the block changes list; watermark boosting happens as in the kernel (before the claim test).
    private int StealFromSticky(Zone zone, int i, int currentOrder, int order, AllocFlags af, bool boost = true)
    {
        // boost_watermark exists from v5.0 on
        if (boost && currentOrder < Pageblock.Order && BoostWatermark(zone) && (af & AllocFlags.Kswapd) != 0)
        {
            zone.BoostedWatermarkFlag = true;
        }

        DelFromFreeList(i, zone, currentOrder);
        Expand(i, zone, order, currentOrder, MigrateType.Movable);
        _lastRmqueueMt = MigrateType.Movable;
        StickyFallbackSteals++;
        return i;
    }

    /// <summary>Throws unless every sticky pageblock is MIGRATE_MOVABLE (or MIGRATE_ISOLATE inside alloc_contig_range).</summary>
    internal void CheckStickyBlocks()
    {
        if (_stickyBlocks == null)
        {
            return;
        }

        for (int pb = 0; pb < _stickyBlocks.Length; pb++)
        {
            if (!_stickyBlocks[pb])
            {
                continue;
            }

            MigrateType mt = GetPageblockMt(pb << Pageblock.Order);
            if (mt is not (MigrateType.Movable or MigrateType.Isolate))
            {
                throw new InvalidOperationException($"sticky pageblock at pfn 0x{_base + ((ulong)pb << Pageblock.Order):x} became {mt}");
            }
        }
    }
}
