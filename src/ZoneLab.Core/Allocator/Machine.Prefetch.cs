using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    // Software prefetch of the per-pfn state a page's next alloc or free reads: its flags, info and zone bytes,
    // its two links and its LRU-age stamp sit in five arrays, so a page touched for the first time in a while costs
    // up to five cache misses, one after the other. The workload's order-0 paths know the next page early (the next
    // entry of a holding being freed; the successor on the free list just taken from), so the loads can be started
    // while the current page's work runs. A prefetch changes no state: results are the same with or without it, and
    // on hardware without the instruction (arm64 here: no portable intrinsic) it compiles to nothing.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrefetchPageState(int i)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(_flags + i);
            Sse.Prefetch0(_info + i);
            Sse.Prefetch0(_zoneOf + i);
            Sse.Prefetch0(Unsafe.AsPointer(ref _next[i]));
            LruAges?.PrefetchStamp(i);
        }
    }

    // The page at pfn will be freed soon (the workload's holdings free their pages in order); outside the map: nothing.
    internal partial void PrefetchForFree(ulong pfn)
    {
        ulong r = pfn - _base;
        if (r < (ulong)_length)
        {
            PrefetchPageState((int)r);
        }
    }

    // i has just left a free list: its old successor is the list's head now, the next order-0 allocation of that
    // type takes it, and unlinking it then writes the prev link of the page after it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrefetchFreeListSuccessor(int i)
    {
        if (Sse.IsSupported)
        {
            int a = _next[i];
            if (a != Nil)
            {
                PrefetchPageState(a);
                int b = _next[a];
                if (b != Nil)
                {
                    Sse.Prefetch0(Unsafe.AsPointer(ref _next[b]));
                }
            }
        }
    }
}
