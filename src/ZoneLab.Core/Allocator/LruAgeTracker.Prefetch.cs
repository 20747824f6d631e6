using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace ZoneLab.Allocator;

public sealed unsafe partial class LruAgeTracker
{
    // Starts loading the stamp of map index i (see Machine.PrefetchPageState): no state changes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PrefetchStamp(int i)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(_stamp + i);
        }
    }
}
