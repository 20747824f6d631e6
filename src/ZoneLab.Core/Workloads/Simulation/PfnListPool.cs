using System.Numerics;

namespace ZoneLab.Workloads.Simulation;

/// <summary>
/// Emptied pfn lists of expired holdings (<see cref="Holding.Pfns"/>), kept for the next holdings. A run makes a
/// holding per actor and tick (about 4,000 on android-camera, two million pfns in all, ~17 MB of list arrays) and most
/// of them live for seconds, so without reuse the arrays reached gen 1 and gen 2 and each run paid collections for
/// them. Bounded: a list longer than <see cref="MaxListCapacity"/> is not kept, and at most
/// <see cref="MaxPooledPfns"/> entries of capacity are kept in all (a list that would go beyond is left to the GC).
/// Shared by all threads under a lock (a sweep runs one simulation per worker; a run takes and gives back a few
/// thousand lists).
/// </summary>
internal static class PfnListPool
{
    /// <summary>The longest list kept (8 MiB of pfns): a tick's anon pages of a very fast actor.</summary>
    public const int MaxListCapacity = 1 << 20;

    /// <summary>All kept lists' capacity together: 64 MiB of pfns, about six runs' worth of live holdings.</summary>
    public const long MaxPooledPfns = 8L << 20;

    // kept lists by size class: class b holds lists of capacity [2^b, 2^(b+1)), so a taker finds one big enough
    // without growing it (an anon tick's ~2,500 pfns next to a dirty page-cache list's ~150)
    private static readonly Stack<List<ulong>>[] s_free = NewClasses();
    private static readonly Lock s_lock = new();
    private static long s_pooledPfns;
    private static int s_lists;

    private static Stack<List<ulong>>[] NewClasses()
    {
        var c = new Stack<List<ulong>>[BitOperations.Log2(MaxListCapacity) + 1];
        for (int b = 0; b < c.Length; b++)
        {
            c[b] = new Stack<List<ulong>>();
        }
        return c;
    }

    /// <summary>An empty list with room for at least <paramref name="capacity"/> pfns: a kept one when there is one.</summary>
    public static List<ulong> Take(int capacity)
    {
        // the smallest class whose every list is big enough (2^b >= capacity)
        int first = capacity <= 1 ? 0 : BitOperations.Log2((uint)capacity - 1) + 1;
        if (first < s_free.Length)
        {
            lock (s_lock)
            {
                for (int b = first; b < s_free.Length; b++)
                {
                    if (s_free[b].TryPop(out List<ulong>? list))
                    {
                        s_pooledPfns -= list.Capacity;
                        s_lists--;
                        return list;
                    }
                }
            }
        }

        // a new list gets its class's full size, so it serves every later request of that class
        return new List<ulong>(first < s_free.Length && capacity > 0 ? 1 << first : capacity);
    }

    /// <summary>Keeps <paramref name="list"/> (emptied here) for a later <see cref="Take"/>; the caller must not use it again.</summary>
    public static void Give(List<ulong> list)
    {
        list.Clear();
        if (list.Capacity == 0 || list.Capacity > MaxListCapacity)
        {
            return;
        }

        lock (s_lock)
        {
            if (s_pooledPfns + list.Capacity <= MaxPooledPfns)
            {
                s_free[BitOperations.Log2((uint)list.Capacity)].Push(list);
                s_pooledPfns += list.Capacity;
                s_lists++;
            }
        }
    }

    /// <summary>Lists and total capacity kept now (tests).</summary>
    internal static (int Lists, long Pfns) Kept
    {
        get
        {
            lock (s_lock)
            {
                return (s_lists, s_pooledPfns);
            }
        }
    }
}
