using System.Runtime.CompilerServices;

namespace ZoneLab.Allocator;

/// <summary>
/// One of the two list links of every pfn (<c>Machine._next</c> or <c>Machine._prev</c>), indexed like an array.
/// The two links of a pfn are stored side by side (next at 8·i, prev at 8·i + 4) rather than in two arrays: every
/// list operation on a page reads or writes both of its links (list_del, list_add, the LRU's and the free lists'),
/// and so does the walk of a neighbour's, so one cache line instead of two is fetched per page touched. The order-0
/// alloc and free paths touch four to six pages' links each (the page, its list neighbours, the list head).
/// </summary>
internal readonly unsafe struct PfnLinkArray
{
    private readonly int* _first;

    /// <summary>The links of one kind: <paramref name="first"/> points at the first pair's next (or prev) link.</summary>
    public PfnLinkArray(int* first)
    {
        _first = first;
    }

    /// <summary>The link of map index <paramref name="i"/> (0 ≤ i &lt; the map's length; not checked).</summary>
    public ref int this[int i]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _first[(nint)i << 1];
    }
}
