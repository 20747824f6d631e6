using System.Collections;
using System.Numerics;

namespace ZoneLab.Contiguous;

/// <summary>
/// The pfns of allocated blocks that hold a pin (a short-term GUP reference; <c>folio_maybe_dma_pinned</c>), as
/// <c>alloc_contig_range</c>'s migration finds them. A set with one bit per pfn of the machine's map (pfns outside the
/// map, which no allocation returns, go to an ordinary hash set): the workload removes every page it frees from the
/// set and the migration passes test every head of a window, so membership is a bit test, not a hash lookup.
/// Enumeration is in pfn order (map pfns first, then the others in insertion order).
/// </summary>
public sealed class PinnedPages : IReadOnlySet<ulong>
{
    private readonly ulong _base;
    private readonly ulong[] _bits;
    private readonly ulong _length;
    private readonly HashSet<ulong> _outside = new();
    private int _inMap;

    /// <summary>A set covering the map [<paramref name="basePfn"/>, <paramref name="basePfn"/> + <paramref name="length"/>).</summary>
    public PinnedPages(ulong basePfn, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _base = basePfn;
        _length = (ulong)length;
        _bits = new ulong[(length + 63) / 64];
    }

    /// <inheritdoc/>
    public int Count => _inMap + _outside.Count;

    /// <summary>Adds a pfn; false when it was already there.</summary>
    public bool Add(ulong pfn)
    {
        if (!InMap(pfn, out ulong i))
        {
            return _outside.Add(pfn);
        }
        ref ulong w = ref _bits[i >> 6];
        ulong bit = 1UL << (int)(i & 63);
        if ((w & bit) != 0)
        {
            return false;
        }
        w |= bit;
        _inMap++;
        return true;
    }

    /// <summary>Removes a pfn; false when it was not there.</summary>
    public bool Remove(ulong pfn)
    {
        if (!InMap(pfn, out ulong i))
        {
            return _outside.Remove(pfn);
        }
        ref ulong w = ref _bits[i >> 6];
        ulong bit = 1UL << (int)(i & 63);
        if ((w & bit) == 0)
        {
            return false;
        }
        w &= ~bit;
        _inMap--;
        return true;
    }

    /// <inheritdoc/>
    public bool Contains(ulong pfn) => InMap(pfn, out ulong i) ? (_bits[i >> 6] & (1UL << (int)(i & 63))) != 0 : _outside.Contains(pfn);

    /// <summary>Empties the set.</summary>
    public void Clear()
    {
        Array.Clear(_bits);
        _inMap = 0;
        _outside.Clear();
    }

    /// <summary>Adds every pfn of <paramref name="pfns"/>.</summary>
    public void UnionWith(IEnumerable<ulong> pfns)
    {
        foreach (ulong pfn in pfns)
        {
            Add(pfn);
        }
    }

    /// <summary>Removes the pfns that match; returns how many.</summary>
    public int RemoveWhere(Predicate<ulong> match)
    {
        var gone = new List<ulong>();
        foreach (ulong pfn in this)
        {
            if (match(pfn))
            {
                gone.Add(pfn);
            }
        }
        foreach (ulong pfn in gone)
        {
            Remove(pfn);
        }
        return gone.Count;
    }

    /// <inheritdoc/>
    public IEnumerator<ulong> GetEnumerator()
    {
        for (int w = 0; w < _bits.Length; w++)
        {
            for (ulong word = _bits[w]; word != 0; word &= word - 1)
            {
                yield return _base + ((ulong)w << 6) + (ulong)BitOperations.TrailingZeroCount(word);
            }
        }
        foreach (ulong pfn in _outside)
        {
            yield return pfn;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool IsProperSubsetOf(IEnumerable<ulong> other) => new HashSet<ulong>(this).IsProperSubsetOf(other);

    /// <inheritdoc/>
    public bool IsProperSupersetOf(IEnumerable<ulong> other) => new HashSet<ulong>(this).IsProperSupersetOf(other);

    /// <inheritdoc/>
    public bool IsSubsetOf(IEnumerable<ulong> other) => new HashSet<ulong>(this).IsSubsetOf(other);

    /// <inheritdoc/>
    public bool IsSupersetOf(IEnumerable<ulong> other) => new HashSet<ulong>(this).IsSupersetOf(other);

    /// <inheritdoc/>
    public bool Overlaps(IEnumerable<ulong> other) => new HashSet<ulong>(this).Overlaps(other);

    /// <inheritdoc/>
    public bool SetEquals(IEnumerable<ulong> other) => new HashSet<ulong>(this).SetEquals(other);

    private bool InMap(ulong pfn, out ulong i)
    {
        i = pfn - _base;
        return pfn >= _base && i < _length;
    }
}
