namespace ZoneLab.Layout.Memblock;

/// <summary>
/// A <c>struct memblock_type</c> (memblock.memory or memblock.reserved): sorted, non-overlapping regions, merged
/// when adjacent with the same node and flags, edited as mm/memblock.c edits them.
/// </summary>
public sealed class MemblockType
{
    private readonly List<MemblockRange> _regions = new();

    public MemblockType(string name)
    {
        Name = name;
    }

    /// <summary>"memory" or "reserved".</summary>
    public string Name { get; }

    /// <summary>The regions in address order.</summary>
    public IReadOnlyList<MemblockRange> Regions => _regions;

    /// <summary><c>total_size</c>.</summary>
    public ulong TotalSize => _regions.Aggregate(0UL, (s, r) => s + r.Size);

    // memblock_cap_size(): size clipped so that base + size does not overflow
    private static ulong CapSize(ulong b, ulong size) => Math.Min(size, ulong.MaxValue - b);

    /// <summary>mirrors memblock_add_range(): adds the parts of <c>[base, base+size)</c> not yet covered, then merges.</summary>
    public void AddRange(ulong b, ulong size, int nid, MemblockFlags flags)
    {
        size = CapSize(b, size);
        if (size == 0)
        {
            return;
        }
        ulong end = b + size;
        int idx = 0;
        for (; idx < _regions.Count; idx++)
        {
            MemblockRange r = _regions[idx];
            if (r.Base >= end)
            {
                break;
            }
            if (r.End <= b)
            {
                continue;
            }
            if (r.Base > b)
            {
                // @rgn overlaps: if it separates the lower part of the new area, insert that portion
                _regions.Insert(idx++, new MemblockRange(b, r.Base - b, flags, nid));
            }
            b = Math.Min(r.End, end);
        }
        if (b < end)
        {
            _regions.Insert(idx, new MemblockRange(b, end - b, flags, nid));
        }
        Merge();
    }

    /// <summary>mirrors memblock_remove_range().</summary>
    public void RemoveRange(ulong b, ulong size)
    {
        (int start, int end) = Isolate(b, size);
        _regions.RemoveRange(start, end - start);
    }

    /// <summary>mirrors memblock_setclr_flag(): sets or clears <paramref name="flag"/> on <c>[base, base+size)</c>.</summary>
    public void SetClearFlag(ulong b, ulong size, MemblockFlags flag, bool set)
    {
        (int start, int end) = Isolate(b, size);
        for (int i = start; i < end; i++)
        {
            MemblockRange r = _regions[i];
            _regions[i] = r with { Flags = set ? r.Flags | flag : r.Flags & ~flag };
        }
        Merge();
    }

    /// <summary>mirrors memblock_set_node(): assigns <paramref name="nid"/> to <c>[base, base+size)</c>.</summary>
    public void SetNode(ulong b, ulong size, int nid)
    {
        (int start, int end) = Isolate(b, size);
        for (int i = start; i < end; i++)
        {
            _regions[i] = _regions[i] with { Nid = nid };
        }
        Merge();
    }

    /// <summary>mirrors memblock_overlaps_region().</summary>
    public bool Overlaps(ulong b, ulong size)
    {
        size = CapSize(b, size);
        foreach (MemblockRange r in _regions)
        {
            if (b < r.End && r.Base < b + size)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// mirrors memblock_isolate_range(): splits regions at the range's ends; returns the index range of the regions
    /// fully inside it.
    /// </summary>
    public (int Start, int End) Isolate(ulong b, ulong size)
    {
        size = CapSize(b, size);
        int startRgn = 0, endRgn = 0;
        if (size == 0)
        {
            return (0, 0);
        }
        ulong end = b + size;
        for (int idx = 0; idx < _regions.Count; idx++)
        {
            MemblockRange r = _regions[idx];
            if (r.Base >= end)
            {
                break;
            }
            if (r.End <= b)
            {
                continue;
            }
            if (r.Base < b)
            {
                // intersects from below: split, continue with the new top half
                _regions[idx] = r with { Base = b, Size = r.End - b };
                _regions.Insert(idx, r with { Size = b - r.Base });
            }
            else if (r.End > end)
            {
                // intersects from above: split and redo the new bottom half
                _regions[idx] = r with { Base = end, Size = r.End - end };
                _regions.Insert(idx, r with { Size = end - r.Base });
                idx--;
            }
            else
            {
                if (endRgn == 0)
                {
                    startRgn = idx;
                }
                endRgn = idx + 1;
            }
        }
        return (startRgn, endRgn);
    }

    // mirrors memblock_merge_regions()
    private void Merge()
    {
        int i = 0;
        while (i < _regions.Count - 1)
        {
            MemblockRange a = _regions[i], n = _regions[i + 1];
            if (a.End != n.Base || a.Nid != n.Nid || a.Flags != n.Flags)
            {
                i++;
                continue;
            }
            _regions[i] = a with { Size = a.Size + n.Size };
            _regions.RemoveAt(i + 1);
        }
    }

    public override string ToString() => $"{Name}: {string.Join(' ', _regions)}";
}
