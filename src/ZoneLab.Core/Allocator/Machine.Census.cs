using System.Runtime.CompilerServices;

namespace ZoneLab.Allocator;

// Read-only page walks for the metrics (ZoneLab.Metrics), over the per-pfn bytes directly: a report samples them
// every simulated second and at every cma_alloc, so they must not pay the public per-pfn checks on each page.
public sealed unsafe partial class Machine
{
    // PageState.Flags(KindAlloc, 0) in each of eight bytes
    private static readonly ulong s_eightOrder0Heads = 0x0101010101010101UL * PageState.Flags(KindAlloc, 0);

    /// <summary>
    /// Pages of allocated blocks in pfns [<paramref name="start"/>, <paramref name="end"/>) (a block that runs past
    /// <paramref name="end"/> counts up to it). Walks block by block exactly as <see cref="IsFreeHead"/> and
    /// <see cref="IsAllocatedHead"/> would: a free head skips its block (a not yet linked boot range counts as
    /// MAX_ORDER blocks), an allocated head counts its pages, anything else advances one page.
    /// </summary>
    internal partial long AllocatedPages(ulong start, ulong end)
    {
        if (start >= end)
        {
            return 0;
        }
        int p = CheckedIndex(start), e = CheckedIndex(end - 1) + 1;
        bool pristine = false;
        for (int z = 0; z < _zones.Length; z++)
        {
            pristine |= _pristineNext[z] < e && p < _pristineEnd[z];
        }
        long used = 0;
        while (p < e)
        {
            // eight order-0 allocated heads in a row (the common case: movable pages filling a CMA area) at once
            while (!pristine && p + 8 <= e && Unsafe.ReadUnaligned<ulong>(_flags + p) == s_eightOrder0Heads)
            {
                used += 8;
                p += 8;
            }
            if (p >= e)
            {
                break;
            }
            if (pristine && IsPristine(p, out _))
            {
                if ((p & (int)(Pageblock.MaxOrderNrPages - 1)) == 0)
                {
                    p += (int)Pageblock.MaxOrderNrPages;
                    continue;
                }
            }
            else if (PageState.KindOf(_flags[p]) == KindFree)
            {
                p += 1 << PageState.OrderOf(_flags[p]);
                continue;
            }
            if (PageState.KindOf(_flags[p]) == KindAlloc)
            {
                int n = 1 << PageState.OrderOf(_flags[p]);
                used += Math.Min(e, p + n) - p;
                p += n;
                continue;
            }
            p++;
        }
        return used;
    }

    /// <summary>
    /// True when a not yet linked boot range (a zone's pristine MAX_ORDER blocks, carried by no per-pfn byte) meets
    /// map indices [<paramref name="start"/>, <paramref name="end"/>): a walk over the per-pfn bytes must then ask
    /// the per-pfn queries instead.
    /// </summary>
    internal bool AnyPristine(int start, int end)
    {
        for (int z = 0; z < _zones.Length; z++)
        {
            if (_pristineNext[z] < end && start < _pristineEnd[z])
            {
                return true;
            }
        }
        return false;
    }
}
