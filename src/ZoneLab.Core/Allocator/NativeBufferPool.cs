namespace ZoneLab.Allocator;

/// <summary>
/// Mappings of disposed machines' per-pfn arrays, kept for the next machine of the same size. A sweep or a compare
/// boots one machine per run (six designs, many points): a fresh anonymous mapping costs one page fault per 4 KiB
/// page the run touches (~2,000 for a 4 GiB model, ~5 % of a run's CPU time), a reused one a memset of memory
/// already resident. Bounded: only mappings of up to <see cref="MaxBufferBytes"/>, at most <see cref="MaxPooledBytes"/>
/// in all (the oldest is unmapped first), so a large model's arrays are never held after it is disposed. Shared by
/// all threads under a lock (a machine takes six buffers; a run lasts a fraction of a second).
/// </summary>
internal static unsafe class NativeBufferPool
{
    /// <summary>The largest mapping kept: the 4-byte-per-pfn arrays of a 16 GiB model.</summary>
    public const long MaxBufferBytes = 16L << 20;

    /// <summary>All mappings kept, together: the per-pfn arrays of two 16 GiB models or eleven 4 GiB ones.</summary>
    public const long MaxPooledBytes = 128L << 20;

    private static readonly List<(nint Ptr, long Bytes)> s_free = [];
    private static readonly Lock s_lock = new();
    private static long s_pooledBytes;

    /// <summary>Takes a kept mapping of exactly <paramref name="bytes"/> (not zeroed), or false.</summary>
    public static bool TryTake(long bytes, out void* ptr)
    {
        lock (s_lock)
        {
            for (int k = s_free.Count - 1; k >= 0; k--)
            {
                if (s_free[k].Bytes == bytes)
                {
                    ptr = (void*)s_free[k].Ptr;
                    s_free.RemoveAt(k);
                    s_pooledBytes -= bytes;
                    return true;
                }
            }
        }

        ptr = null;
        return false;
    }

    /// <summary>Keeps a mapping the caller no longer uses; false (the caller unmaps it) when it is too large.</summary>
    public static bool TryGive(void* ptr, long bytes)
    {
        if (bytes > MaxBufferBytes)
        {
            return false;
        }

        List<(nint Ptr, long Bytes)>? evicted = null;
        lock (s_lock)
        {
            while (s_pooledBytes + bytes > MaxPooledBytes && s_free.Count > 0)
            {
                (evicted ??= []).Add(s_free[0]);
                s_pooledBytes -= s_free[0].Bytes;
                s_free.RemoveAt(0);
            }

            s_free.Add(((nint)ptr, bytes));
            s_pooledBytes += bytes;
        }

        foreach ((nint p, long b) in evicted ?? [])
        {
            NativeBuffer.Unmap((void*)p, b);
        }

        return true;
    }
}
