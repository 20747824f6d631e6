namespace ZoneLab.Workloads.Trace;

/// <summary>
/// The fast path for fields printed exactly as the kernel's TP_printk lays them out (<c>page=… pfn=0x… order=…</c>,
/// in that order): reads <c>key=value</c> words one after the other without tokenising the whole line first.
/// Any surprise returns false, and the caller falls back to <see cref="TraceFields"/>, which accepts other
/// layouts and reports errors.
/// </summary>
internal ref struct TraceFieldCursor
{
    private ReadOnlySpan<byte> _rest;

    public TraceFieldCursor(ReadOnlySpan<byte> text) => _rest = text;

    /// <summary>The value of the next word if it is <c><paramref name="key"/>=value</c>.</summary>
    public bool Next(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        int i = 0;
        while (i < _rest.Length && _rest[i] == (byte)' ')
        {
            i++;
        }

        ReadOnlySpan<byte> r = _rest[i..];
        if (r.Length <= key.Length || !r.StartsWith(key) || r[key.Length] != (byte)'=')
        {
            value = default;
            return false;
        }

        r = r[(key.Length + 1)..];

        // Values are short (order=0, pfn=0x44875): a plain loop beats a vectorised search's setup here.
        int sp = 0;
        while (sp < r.Length && r[sp] != (byte)' ')
        {
            sp++;
        }

        value = r[..sp];
        _rest = r[sp..];
        return true;
    }

    /// <summary>Skips the next word if it is <c>key=…</c> (the <c>page=%p</c> nobody needs).</summary>
    public bool Skip(ReadOnlySpan<byte> key) => Next(key, out _);

    public bool Pfn(out long pfn)
    {
        pfn = 0;
        if (!Next("pfn"u8, out ReadOnlySpan<byte> v) || v.Length < 3 || v[0] != (byte)'0' || v[1] != (byte)'x')
        {
            return false;
        }

        if (v.Length > 17)
        {
            return false;
        }

        ulong u = 0;
        for (int i = 2; i < v.Length; i++)
        {
            uint c = v[i];
            uint d = c - '0';
            if (d > 9)
            {
                d = (c | 0x20) - 'a';
                if (d > 5)
                {
                    return false;
                }

                d += 10;
            }

            u = (u << 4) | d;
        }

        if (u > long.MaxValue)
        {
            return false;
        }

        pfn = (long)u;
        return true;
    }

    /// <summary>A small non-negative decimal (order, migratetype, a 0/1 flag) no larger than <paramref name="max"/>.</summary>
    public bool Small(ReadOnlySpan<byte> key, int max, out int value)
    {
        value = 0;
        if (!Next(key, out ReadOnlySpan<byte> v) || v.IsEmpty || v.Length > 2)
        {
            return false;
        }

        foreach (byte b in v)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return value <= max;
    }

    /// <summary>Nothing but blanks is left.</summary>
    public readonly bool AtEnd => _rest.IndexOfAnyExcept((byte)' ') < 0;
}
