using System.Runtime.CompilerServices;

namespace ZoneLab.Contiguous;

/// <summary>The outcome of a <c>cma_alloc()</c>.</summary>
public readonly record struct CmaAllocResult(ulong Pfn, ulong Count, int Errno, ContigFailure Failure, ContigWork Work, double Microseconds)
{
    /// <summary>True when <see cref="Pfn"/> is the first page of <see cref="Count"/> allocated pages.</summary>
    public bool Success => Errno == 0;
}

/// <summary>
/// A CMA area at run time: the allocation bitmap and <c>cma_alloc()</c>/<c>cma_release()</c> of mm/cma.c (6.1):
/// first fit from the lowest free bit, alignment in bitmap units, on -EBUSY the next window past the busy one, the
/// last error kept ("ret: -12" when no window was ever found, "-16" when every window tried was busy).
/// </summary>
public sealed class CmaAllocator
{
    private readonly ulong[] _bitmap;
    private readonly IContigRangeAllocator _pages;

    /// <summary>Creates the runtime state of an area of <paramref name="count"/> pages at <paramref name="basePfn"/>.</summary>
    public CmaAllocator(string name, ulong basePfn, ulong count, int orderPerBit, IContigRangeAllocator pages, ContigCostModel? cost = null)
    {
        if (count == 0 || count % (1UL << orderPerBit) != 0)
        {
            throw new ArgumentException("count must be a non-zero multiple of 2^order_per_bit", nameof(count));
        }
        Name = name;
        BasePfn = basePfn;
        Count = count;
        OrderPerBit = orderPerBit;
        Bits = count >> orderPerBit;
        _bitmap = new ulong[(Bits + 63) / 64];
        _pages = pages;
        Cost = cost ?? new ContigCostModel();
    }

    /// <summary>Area name as debugfs shows it (e.g. "reserved").</summary>
    public string Name { get; }

    /// <summary>First pfn.</summary>
    public ulong BasePfn { get; }

    /// <summary>Pages in the area.</summary>
    public ulong Count { get; }

    /// <summary>Pages per bitmap bit, as a power of two.</summary>
    public int OrderPerBit { get; }

    /// <summary>Bits in the bitmap.</summary>
    public ulong Bits { get; }

    /// <summary>The cost model used for latencies.</summary>
    public ContigCostModel Cost { get; }

    /// <summary>Pages currently allocated (debugfs "used").</summary>
    public ulong Used { get; private set; }

    /// <summary>Successful allocations, failed allocations (vmstat cma_alloc_success / cma_alloc_fail).</summary>
    public long AllocSuccess { get; private set; }

    /// <summary>Failed cma_alloc() calls.</summary>
    public long AllocFail { get; private set; }

    /// <summary>Kernel log lines produced (alloc failures), in order.</summary>
    public List<string> Log { get; } = new();

    /// <summary>mirrors cma_alloc(cma, count, align, no_warn).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    public CmaAllocResult Allocate(ulong count, int align = 0, bool noWarn = false)
    {
        var work = new ContigWork();
        if (count == 0)
        {
            return new CmaAllocResult(0, 0, ContigResult.EInval, ContigFailure.Invalid, work, 0);
        }
        ulong mask = BitmapAlignedMask(align);
        ulong offset = BitmapAlignedOffset(align);
        ulong bitmapCount = (count + (1UL << OrderPerBit) - 1) >> OrderPerBit;
        int ret = ContigResult.ENoMem;
        if (bitmapCount > Bits)
        {
            AllocFail++; // "goto out": counted, not logged
            return new CmaAllocResult(0, count, ret, ContigFailure.NoWindow, work, 0);
        }
        ContigFailure failure = ContigFailure.NoWindow;
        ulong start = 0;
        // the attempts below touch the machine only through AllocContigRange (see IContigRangeAllocator.BeginAttempts)
        _pages.BeginAttempts();
        try
        {
            while (true)
            {
                ulong bitmapNo = FindNextZeroAreaOff(start, bitmapCount, mask, offset);
                if (bitmapNo >= Bits)
                {
                    break;
                }
                SetBits(bitmapNo, bitmapCount, true);
                ulong pfn = BasePfn + (bitmapNo << OrderPerBit);
                ContigResult r = _pages.AllocContigRange(pfn, pfn + count, cmaMode: true);
                work.Add(r.Work);
                if (r.Success)
                {
                    Used += bitmapCount << OrderPerBit;
                    AllocSuccess++;
                    return new CmaAllocResult(pfn, count, 0, ContigFailure.None, work, Cost.Microseconds(work));
                }
                SetBits(bitmapNo, bitmapCount, false);
                ret = r.Errno;
                failure = r.Failure;
                if (ret != ContigResult.EBusy)
                {
                    break;
                }
                // try again with a bit different memory target: slide past the busy window by the alignment step
                start = bitmapNo + mask + 1;
            }
        }
        finally
        {
            _pages.EndAttempts();
        }
        AllocFail++;
        if (!noWarn)
        {
            Log.Add($"cma_alloc: {Name}: alloc failed, req-size: {count} pages, ret: {ret}");
            Log.Add(DebugShowAreas());
        }
        return new CmaAllocResult(0, count, ret, failure, work, Cost.Microseconds(work));
    }

    /// <summary>mirrors cma_release(): returns false when the pages are not from this area.</summary>
    public bool Release(ulong pfn, ulong count)
    {
        if (pfn < BasePfn || pfn + count > BasePfn + Count)
        {
            return false;
        }
        _pages.FreeContigRange(pfn, count);
        ulong bitmapNo = (pfn - BasePfn) >> OrderPerBit;
        ulong bitmapCount = (count + (1UL << OrderPerBit) - 1) >> OrderPerBit;
        SetBits(bitmapNo, bitmapCount, false);
        Used -= bitmapCount << OrderPerBit;
        return true;
    }

    /// <summary>debugfs "maxchunk": the largest run of free bits, in pages.</summary>
    public ulong MaxChunk
    {
        get
        {
            ulong best = 0, run = 0;
            for (ulong i = 0; i < Bits; i++)
            {
                run = IsSet(i) ? 0 : run + 1;
                best = Math.Max(best, run);
            }
            return best << OrderPerBit;
        }
    }

    /// <summary>mirrors cma_debug_show_areas(): "number of available pages: N@B+... => F free of T total pages".</summary>
    public string DebugShowAreas()
    {
        var parts = new List<string>();
        ulong free = 0;
        for (ulong i = 0; i < Bits;)
        {
            if (IsSet(i))
            {
                i++;
                continue;
            }
            ulong j = i;
            while (j < Bits && !IsSet(j))
            {
                j++;
            }
            ulong n = (j - i) << OrderPerBit;
            parts.Add($"{n}@{i}");
            free += n;
            i = j;
        }
        return $"number of available pages: {string.Join('+', parts)}=> {free} free of {Count} total pages";
    }

    // cma_bitmap_aligned_mask(): alignment in bitmap units.
    private ulong BitmapAlignedMask(int align) => align <= OrderPerBit ? 0 : (1UL << (align - OrderPerBit)) - 1;

    // cma_bitmap_aligned_offset(): (base_pfn & (2^align - 1)) >> order_per_bit, so that bit index + offset is aligned
    // exactly when the pfn is.
    private ulong BitmapAlignedOffset(int align) => (BasePfn & ((1UL << align) - 1)) >> OrderPerBit;

    // bitmap_find_next_zero_area_off(): first index >= start with nr zero bits, ((index + align_offset) & align_mask) == 0.
    private ulong FindNextZeroAreaOff(ulong start, ulong nr, ulong alignMask, ulong alignOffset)
    {
        ulong index = start;
        while (true)
        {
            index = NextBit(index, Bits, set: false);
            index = ((index + alignOffset + alignMask) & ~alignMask) - alignOffset;
            ulong end = index + nr;
            if (end > Bits)
            {
                return Bits;
            }
            ulong i = NextBit(index, end, set: true);
            if (i == end)
            {
                return index;
            }
            index = i + 1;
        }
    }

    private bool IsSet(ulong i) => (_bitmap[i >> 6] & (1UL << (int)(i & 63))) != 0;

    // find_next_bit() / find_next_zero_bit(): the first index in [from, limit) whose bit is set (or clear), else limit;
    // a word at a time, as the kernel's _find_next_bit does
    private ulong NextBit(ulong from, ulong limit, bool set)
    {
        if (from >= limit)
        {
            return from;
        }
        ulong flip = set ? 0 : ulong.MaxValue;
        ulong w = from >> 6;
        ulong word = (_bitmap[w] ^ flip) & (ulong.MaxValue << (int)(from & 63));
        while (word == 0)
        {
            if (++w << 6 >= limit)
            {
                return limit;
            }
            word = _bitmap[w] ^ flip;
        }
        return Math.Min(limit, (w << 6) + (ulong)System.Numerics.BitOperations.TrailingZeroCount(word));
    }

    private void SetBits(ulong from, ulong n, bool value)
    {
        // bitmap_set() / bitmap_clear(): whole words at a time, partial masks at the two ends
        ulong end = from + n;
        while (from < end)
        {
            int bit = (int)(from & 63);
            int len = (int)Math.Min(64UL - (ulong)bit, end - from);
            ulong mask = (len == 64 ? ulong.MaxValue : (1UL << len) - 1) << bit;
            if (value)
            {
                _bitmap[from >> 6] |= mask;
            }
            else
            {
                _bitmap[from >> 6] &= ~mask;
            }
            from += (ulong)len;
        }
    }
}
