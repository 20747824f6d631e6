using System.Buffers.Text;
using System.Text;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// The <c>key=value</c> words after <c>EVENT:</c> of one line (TP_printk output, or libtraceevent's raw field
/// dump after <c>[FAILED TO PARSE]</c>), looked up by key so that the order and extra fields do not matter.
/// Words without <c>=</c> are ignored. Every failure throws <see cref="ZoneLabInputException"/> naming the line.
/// </summary>
internal ref struct TraceFields
{
    private const int MaxFields = 16;

    private readonly ReadOnlySpan<byte> _text;
    private readonly string _source;
    private readonly long _line;
    private readonly string _event;
    private Span<int> _bounds; // per field: key start, key end (the '='), value end
    private int _count;

    public TraceFields(ReadOnlySpan<byte> text, Span<int> bounds, string source, long line, string eventName)
    {
        _text = text;
        _bounds = bounds;
        _source = source;
        _line = line;
        _event = eventName;
        _count = 0;
        int i = 0;
        while (i < text.Length && _count < MaxFields)
        {
            ReadOnlySpan<byte> rest = text[i..];
            int sp = rest.IndexOf((byte)' ');
            int len = sp < 0 ? rest.Length : sp;
            if (len > 0)
            {
                int eq = rest[..len].IndexOf((byte)'=');
                if (eq > 0)
                {
                    _bounds[_count * 3] = i;
                    _bounds[(_count * 3) + 1] = i + eq;
                    _bounds[(_count * 3) + 2] = i + len;
                    _count++;
                }
            }

            i += len + 1;
        }
    }

    /// <summary>The size of the bounds buffer the constructor needs.</summary>
    public static int BoundsLength => MaxFields * 3;

    public readonly bool TryGet(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        int f = Find(key);
        value = f < 0 ? default : _text[(_bounds[(f * 3) + 1] + 1).._bounds[(f * 3) + 2]];
        return f >= 0;
    }

    private readonly int Find(ReadOnlySpan<byte> key)
    {
        for (int f = 0; f < _count; f++)
        {
            int s = _bounds[f * 3];
            int e = _bounds[(f * 3) + 1];
            if (_text[s..e].SequenceEqual(key))
            {
                return f;
            }
        }

        return -1;
    }

    public readonly ReadOnlySpan<byte> Get(ReadOnlySpan<byte> key)
    {
        if (!TryGet(key, out ReadOnlySpan<byte> value))
        {
            throw Error($"expected a field '{Encoding.Latin1.GetString(key)}=' in '{Encoding.UTF8.GetString(_text).Trim()}'");
        }

        return value;
    }

    /// <summary>
    /// The <c>pfn=</c> of the CMA events, which every kernel printed in hex: <c>pfn=%lx</c> without a prefix from 4.1
    /// (<c>cma_alloc</c>, <c>cma_release</c>) until the 0x of later kernels (<c>pfn=0x%lx</c>); -1UL is -1.
    /// </summary>
    public readonly long HexPfn()
    {
        ReadOnlySpan<byte> v = Get("pfn"u8);
        ReadOnlySpan<byte> digits = v.Length > 2 && v[0] == (byte)'0' && (v[1] | 0x20) == (byte)'x' ? v[2..] : v;
        if (!Utf8Parser.TryParse(digits, out ulong value, out int used, 'x') || used != digits.Length
            || (value > long.MaxValue && value != ulong.MaxValue))
        {
            throw Bad("pfn"u8, v, "a page frame number in hex (%lx or 0x%lx)");
        }

        return value == ulong.MaxValue ? -1 : (long)value;
    }

    /// <summary>A pfn: <c>0x…</c> hex as 6.1 prints it, or decimal as kernels before 5.x and raw dumps do; -1UL is -1.</summary>
    public readonly long Pfn(ReadOnlySpan<byte> key = default)
    {
        if (key.IsEmpty)
        {
            key = "pfn"u8;
        }

        ReadOnlySpan<byte> v = Get(key);
        ulong value;
        int used;
        bool ok = v.Length > 2 && v[0] == (byte)'0' && (v[1] | 0x20) == (byte)'x'
            ? Utf8Parser.TryParse(v[2..], out value, out used, 'x') && used == v.Length - 2
            : Utf8Parser.TryParse(v, out value, out used) && used == v.Length;
        if (!ok || (value > long.MaxValue && value != ulong.MaxValue))
        {
            throw Bad(key, v, "a page frame number (0x hex or decimal)");
        }

        return value == ulong.MaxValue ? -1 : (long)value;
    }

    public readonly int Int(ReadOnlySpan<byte> key, int min, int max)
    {
        ReadOnlySpan<byte> v = Get(key);
        if (!Utf8Parser.TryParse(v, out int value, out int used) || used != v.Length || value < min || value > max)
        {
            throw Bad(key, v, $"an integer {min}..{max}");
        }

        return value;
    }

    public readonly long Long(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> v = Get(key);
        if (!Utf8Parser.TryParse(v, out ulong value, out int used) || used != v.Length || value > long.MaxValue)
        {
            throw Bad(key, v, "an unsigned decimal");
        }

        return (long)value;
    }

    public readonly bool Bool(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> v = Get(key);
        if (v.Length != 1 || (v[0] != (byte)'0' && v[0] != (byte)'1'))
        {
            throw Bad(key, v, "0 or 1");
        }

        return v[0] == (byte)'1';
    }

    /// <summary>A migratetype number, 0..MIGRATE_TYPES-1 (include/linux/mmzone.h).</summary>
    public readonly MigrateType MigrateType(ReadOnlySpan<byte> key) => (MigrateType)Int(key, 0, MigrateTypes.Count - 1);

    /// <summary>
    /// Whether the <c>page=</c> (or another pointer field) printed a NULL pointer: <c>%p</c> prints NULL unhashed as
    /// zeros (<c>ptr_to_id()</c>, lib/vsprintf.c); libtraceevent prints <c>(nil)</c> or <c>0x0</c>. A missing field is
    /// not NULL.
    /// </summary>
    public readonly bool IsNullPointer(ReadOnlySpan<byte> key)
    {
        int f = Find(key);
        if (f < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> v = _text[(_bounds[(f * 3) + 1] + 1).._bounds[(f * 3) + 2]];
        if (v.IsEmpty)
        {
            // Kernels before 4.15 pad NULL's "(null)" to the pointer width: "page=          (null)" (pointer()
            // in lib/vsprintf.c with field_width = 2 * sizeof(void *)), so the value is the next word.
            return _text[_bounds[(f * 3) + 2]..].TrimStart((byte)' ').StartsWith("(null)"u8);
        }

        if (v.SequenceEqual("(null)"u8) || v.SequenceEqual("(nil)"u8))
        {
            return true;
        }

        if (v.Length > 2 && v[0] == (byte)'0' && (v[1] | 0x20) == (byte)'x')
        {
            v = v[2..];
        }

        return !v.IsEmpty && v.IndexOfAnyExcept((byte)'0') < 0;
    }

    public readonly ZoneLabInputException Error(string message) =>
        new(_source, (int)Math.Min(_line, int.MaxValue), $"{_event}: {message}");

    private readonly ZoneLabInputException Bad(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, string expected) =>
        Error($"{Encoding.Latin1.GetString(key)}= expects {expected}, found '{Encoding.UTF8.GetString(value)}'");
}
