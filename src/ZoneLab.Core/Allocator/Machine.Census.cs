using System.Numerics;
using System.Runtime.Intrinsics;

namespace ZoneLab.Allocator;

// Read-only page walks for the metrics (ZoneLab.Metrics), over the per-pfn bytes directly: a report samples them
// every simulated second and at every cma_alloc, so they must not pay the public per-pfn checks on each page.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// Pages of allocated blocks in pfns [<paramref name="start"/>, <paramref name="end"/>) (a block that runs past
    /// <paramref name="end"/> counts up to it), as a block-by-block walk with <see cref="IsFreeHead"/> and
    /// <see cref="IsAllocatedHead"/> counts them. Every allocated-kind flags byte is a block head and such a walk
    /// reaches every head of the range (it skips only a block's tail pages, whose flags bytes are zero, as are those
    /// of a not yet linked boot range), so the count is a sum over the allocated heads: the order-0 ones by one
    /// vectorised count of their byte, the larger ones (rare: THP, device buffers) found by a vectorised search.
    /// The device-area utilisation samples this over every CMA area each simulated second and at every cma_alloc.
    /// </summary>
    internal partial long AllocatedPages(ulong start, ulong end)
    {
        if (start >= end)
        {
            return 0;
        }
        int s = CheckedIndex(start), e = CheckedIndex(end - 1) + 1;
        var flags = new ReadOnlySpan<byte>(_flags + s, e - s);
        long used = flags.Count(PageState.Flags(KindAlloc, 0));
        for (int p = 0; ;)
        {
            int k = flags[p..].IndexOfAnyInRange(PageState.Flags(KindAlloc, 1), PageState.Flags(KindAlloc, PageState.MaxOrderBits));
            if (k < 0)
            {
                break;
            }
            p += k;
            int n = 1 << PageState.OrderOf(flags[p]);
            used += Math.Min(n, flags.Length - p);
            p += Math.Min(n, flags.Length - p);
            if (p >= flags.Length)
            {
                break;
            }
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
        if (new ReadOnlySpan<byte>(_zoneOf + s, e - s).IndexOfAnyExcept((byte)zone) < 0)
        {
            unmovablePages = UnmovablePagesInZoneBlock(s, e);
            unmovable = unmovablePages > 0;
            return true;
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

    // The walk above over a block whose pages are all in the zone (every block but those at a zone's edges): every
    // allocated-kind flags byte is a block head and the walk reaches every head (it skips only tail pages, zero bytes),
    // so the unmovable pages are a sum over the allocated heads whose use is not movable, found 32 pages at a time by
    // comparing the flags and info bytes as vectors. Most pages are order-0 anonymous or page-cache heads.
    private long UnmovablePagesInZoneBlock(int s, int e)
    {
        long pages = 0;
        int p = s;
        if (Vector256.IsHardwareAccelerated)
        {
            // PageState's layout: the kind is the flags byte's high nibble, the use bits 3-5 of the info byte
            var kindMask = Vector256.Create(PageState.Flags(PageState.MaxOrderBits, 0));
            var allocKind = Vector256.Create(PageState.Flags(KindAlloc, 0));
            var useMask = Vector256.Create((byte)(7 << 3));
            var anon = Vector256.Create((byte)((int)PageUse.Anon << 3));
            var file = Vector256.Create((byte)((int)PageUse.File << 3));
            var fileDirty = Vector256.Create((byte)((int)PageUse.FileDirty << 3));
            var shmem = Vector256.Create((byte)((int)PageUse.Shmem << 3));
            for (; p + Vector256<byte>.Count <= e; p += Vector256<byte>.Count)
            {
                Vector256<byte> alloc = Vector256.Equals(Vector256.Load(_flags + p) & kindMask, allocKind);
                Vector256<byte> use = Vector256.Load(_info + p) & useMask;
                Vector256<byte> movable = Vector256.Equals(use, anon) | Vector256.Equals(use, file) | Vector256.Equals(use, fileDirty) | Vector256.Equals(use, shmem);
                uint heads = Vector256.AndNot(alloc, movable).ExtractMostSignificantBits();
                while (heads != 0)
                {
                    int q = p + BitOperations.TrailingZeroCount(heads);
                    pages += Math.Min(1 << PageState.OrderOf(_flags[q]), e - q);
                    heads &= heads - 1;
                }
            }
        }
        for (; p < e; p++)
        {
            if (PageState.KindOf(_flags[p]) == KindAlloc && !IsMovableUse(PageState.UseOf(_info[p])))
            {
                pages += Math.Min(1 << PageState.OrderOf(_flags[p]), e - p);
            }
        }
        return pages;
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
