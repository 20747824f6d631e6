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
    /// One pageblock of the pageblock census (Metrics reads it block by block), pfns [<paramref name="from"/>,
    /// <paramref name="stop"/>): true when a page of zone <paramref name="zone"/> is there; whether an unmovable
    /// allocation (neither anonymous nor page cache) is, and its pages (a block running past <paramref name="stop"/>
    /// counts up to it). Walked block by block as <see cref="IsFreeHead"/> and <see cref="IsAllocatedHead"/> would,
    /// over the per-pfn bytes unless a not yet linked boot range meets the block (then through those queries).
    /// </summary>
    internal partial bool CensusPageblock(int zone, ulong from, ulong stop, out bool unmovable, out long unmovablePages)
    {
        int s = CheckedIndex(from), e = CheckedIndex(stop - 1) + 1;
        bool inZone = false;
        unmovable = false;
        unmovablePages = 0;
        if (AnyPristine(s, e))
        {
            for (ulong p = from; p < stop;)
            {
                if (ZoneIndexOf(p) != zone)
                {
                    p++;
                    continue;
                }
                inZone = true;
                if (IsFreeHead(p, out int o))
                {
                    p += 1UL << o;
                }
                else if (IsAllocatedHead(p, out o))
                {
                    if (!IsMovableUse(UseOf(p)))
                    {
                        unmovable = true;
                        unmovablePages += Math.Min(1L << o, (long)(stop - p));
                    }
                    p += 1UL << o;
                }
                else
                {
                    p++;
                }
            }
            return inZone;
        }
        // the census visits every page of the machine twice per run: the public queries' checks were most of its cost
        for (int p = s; p < e;)
        {
            if (_zoneOf[p] != zone)
            {
                p++;
                continue;
            }
            inZone = true;
            int kind = PageState.KindOf(_flags[p]);
            if (kind == KindFree)
            {
                p += 1 << PageState.OrderOf(_flags[p]);
            }
            else if (kind == KindAlloc)
            {
                int n = 1 << PageState.OrderOf(_flags[p]);
                if (!IsMovableUse(PageState.UseOf(_info[p])))
                {
                    unmovable = true;
                    unmovablePages += Math.Min(n, e - p);
                }
                p += n;
            }
            else
            {
                p++;
            }
        }
        return inZone;
    }

    // anonymous memory and page cache: on an LRU list compaction migrates from
    private static bool IsMovableUse(PageUse use) => use is PageUse.Anon or PageUse.File or PageUse.FileDirty or PageUse.Shmem;

    // True when a not yet linked boot range (a zone's pristine MAX_ORDER blocks, carried by no per-pfn byte) meets map
    // indices [start, end): a walk over the per-pfn bytes must then ask the per-pfn queries instead.
    private bool AnyPristine(int start, int end)
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
