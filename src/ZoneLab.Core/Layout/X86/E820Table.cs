namespace ZoneLab.Layout;

/// <summary>E820 entry types (arch/x86/include/asm/e820/types.h).</summary>
public enum E820Type : uint
{
    Ram = 1,
    Reserved = 2,
    Acpi = 3,
    Nvs = 4,
    Unusable = 5,
    Pmem = 7,
    Pram = 12,
    ReservedKern = 128,
    SoftReserved = 0xefffffff,
}

/// <summary>One entry of the firmware memory map: <c>[Start, End)</c> in bytes.</summary>
public readonly record struct E820Entry(ulong Start, ulong End, E820Type Type)
{
    /// <summary>The type as e820_print_type() prints it.</summary>
    public string TypeName => Type switch
    {
        E820Type.Ram or E820Type.ReservedKern => "usable",
        E820Type.Reserved => "reserved",
        E820Type.SoftReserved => "soft reserved",
        E820Type.Acpi => "ACPI data",
        E820Type.Nvs => "ACPI NVS",
        E820Type.Unusable => "unusable",
        E820Type.Pmem or E820Type.Pram => $"persistent (type {(uint)Type})",
        _ => $"type {(uint)Type}",
    };

    /// <summary>The line e820__print_table() prints, without its prefix: <c>[mem 0x...-0x...] usable</c>.</summary>
    public override string ToString() => $"[mem {KernelNumber.Hex18(Start)}-{KernelNumber.Hex18(End - 1)}] {TypeName}";
}

/// <summary>
/// The x86 firmware memory map with the kernel's editing operations (arch/x86/kernel/e820.c).
/// Entries are kept sanitized: sorted, non-overlapping, adjacent entries of one type merged.
/// </summary>
public sealed class E820Table
{
    private List<E820Entry> _entries = new();

    public E820Table() { }

    public E820Table(IEnumerable<E820Entry> entries)
    {
        _entries.AddRange(entries);
        UpdateTable();
    }

    /// <summary>Sanitized entries in address order.</summary>
    public IReadOnlyList<E820Entry> Entries => _entries;

    /// <summary>mirrors e820__range_add(): appends an entry; callers sanitize with <see cref="UpdateTable"/>.</summary>
    public void RangeAdd(ulong start, ulong size, E820Type type)
    {
        if (size == 0)
        {
            return;
        }
        ulong end = start + size < start ? ulong.MaxValue : start + size;
        _entries.Add(new E820Entry(start, end, type));
    }

    /// <summary>
    /// mirrors e820__update_table(): where entries overlap the one with the larger type value wins
    /// (the change-point algorithm keeps the maximum type over each overlap); merges adjacent same-type entries.
    /// </summary>
    public void UpdateTable()
    {
        if (_entries.Count == 0)
        {
            return;
        }
        var points = new List<ulong>(_entries.Count * 2);
        foreach (E820Entry e in _entries)
        {
            if (e.End > e.Start)
            {
                points.Add(e.Start);
                points.Add(e.End);
            }
        }
        points.Sort();
        var result = new List<E820Entry>();
        for (int i = 0; i + 1 < points.Count; i++)
        {
            ulong a = points[i], b = points[i + 1];
            if (a == b)
            {
                continue;
            }
            uint best = 0;
            foreach (E820Entry e in _entries)
            {
                if (e.Start <= a && e.End >= b && (uint)e.Type > best)
                {
                    best = (uint)e.Type;
                }
            }
            if (best == 0)
            {
                continue;
            }
            if (result.Count > 0 && result[^1].End == a && (uint)result[^1].Type == best)
            {
                result[^1] = result[^1] with { End = b };
            }
            else
            {
                result.Add(new E820Entry(a, b, (E820Type)best));
            }
        }
        _entries = result;
    }

    /// <summary>mirrors e820__range_update(): the part of [start, start+size) that has <paramref name="oldType"/> becomes <paramref name="newType"/>.</summary>
    public void RangeUpdate(ulong start, ulong size, E820Type oldType, E820Type newType)
    {
        ulong end = start + size < start ? ulong.MaxValue : start + size;
        var result = new List<E820Entry>(_entries.Count + 2);
        foreach (E820Entry e in _entries)
        {
            if (e.Type != oldType || e.End <= start || e.Start >= end)
            {
                result.Add(e);
                continue;
            }
            if (e.Start < start)
            {
                result.Add(e with { End = start });
            }
            result.Add(new E820Entry(Math.Max(e.Start, start), Math.Min(e.End, end), newType));
            if (e.End > end)
            {
                result.Add(e with { Start = end });
            }
        }
        _entries = result;
        UpdateTable();
    }

    /// <summary>mirrors e820__range_remove(): drops [start, start+size) from entries (of <paramref name="oldType"/> when <paramref name="checkType"/>).</summary>
    public void RangeRemove(ulong start, ulong size, E820Type oldType, bool checkType)
    {
        ulong end = start + size < start ? ulong.MaxValue : start + size;
        var result = new List<E820Entry>(_entries.Count + 2);
        foreach (E820Entry e in _entries)
        {
            if ((checkType && e.Type != oldType) || e.End <= start || e.Start >= end)
            {
                result.Add(e);
                continue;
            }
            if (e.Start < start)
            {
                result.Add(e with { End = start });
            }
            if (e.End > end)
            {
                result.Add(e with { Start = end });
            }
        }
        _entries = result;
        UpdateTable();
    }

    /// <summary>Removes every entry (memmap=exactmap).</summary>
    public void Clear() => _entries.Clear();

    /// <summary>mirrors e820_end_pfn(limit_pfn, E820_TYPE_RAM): the end pfn of RAM below <paramref name="limitPfn"/>.</summary>
    public ulong EndPfn(ulong limitPfn)
    {
        ulong last = 0;
        foreach (E820Entry e in _entries)
        {
            if (e.Type != E820Type.Ram)
            {
                continue;
            }
            ulong s = e.Start >> Page.Shift;
            ulong t = e.End >> Page.Shift;
            if (s >= limitPfn)
            {
                continue;
            }
            if (t > limitPfn)
            {
                last = limitPfn;
                break;
            }
            if (t > last)
            {
                last = t;
            }
        }
        return last;
    }

    /// <summary>A copy of this table.</summary>
    public E820Table Clone() => new() { _entries = new List<E820Entry>(_entries) };
}
