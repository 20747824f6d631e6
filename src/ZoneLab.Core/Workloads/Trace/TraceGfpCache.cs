using System.Buffers.Binary;
using System.Numerics;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// <c>gfp_flags=</c> text to mask, parsed once per distinct text (a trace has a few dozen distinct masks,
/// interleaved). Three levels, cheapest first: a small direct-mapped table indexed by a hash of the text (the
/// kernel-layout fast path), the last text seen (consecutive lines of one task), and a map of every text seen; a
/// miss in all three parses the text with <see cref="TraceGfpFlags"/>.
/// </summary>
internal sealed class TraceGfpCache
{
    private const int SlotBits = 7;

    private readonly Utf8Cache<GfpFlags> _all = new();
    private readonly byte[]?[] _slotText = new byte[]?[1 << SlotBits];
    private readonly GfpFlags[] _slotFlags = new GfpFlags[1 << SlotBits];
    private byte[]? _lastText;
    private int _lastLength;
    private GfpFlags _last;

    /// <summary>
    /// Through the direct-mapped table, indexed by a hash of the length and three 8-byte words of the text: one
    /// compare on a hit. A miss goes to <see cref="TryGet"/> and takes the slot. False, with no error, for a text
    /// that does not parse (the general parser then reports it).
    /// </summary>
    public bool TryGetHashed(ReadOnlySpan<byte> text, out GfpFlags flags)
    {
        if (text.Length < 8)
        {
            return TryGet(text, out flags);
        }

        ulong a = BinaryPrimitives.ReadUInt64LittleEndian(text);
        ulong b = BinaryPrimitives.ReadUInt64LittleEndian(text[(text.Length - 8)..]);
        ulong c = BinaryPrimitives.ReadUInt64LittleEndian(text[((text.Length / 2) - 4)..]);
        ulong h = (a ^ BitOperations.RotateLeft(b, 21) ^ BitOperations.RotateLeft(c, 42) ^ (ulong)text.Length) * 0x9E3779B97F4A7C15UL;
        int slot = (int)(h >> (64 - SlotBits));
        byte[]? key = _slotText[slot];
        if (key is not null && text.SequenceEqual(key))
        {
            flags = _slotFlags[slot];
            return true;
        }

        if (!TryGet(text, out flags))
        {
            return false;
        }

        _slotText[slot] = text.ToArray(); // once per distinct mask (and per collision): not per line
        _slotFlags[slot] = flags;
        return true;
    }

    /// <summary>Through the last text seen, then the map; false, with no error, for a text that does not parse.</summary>
    public bool TryGet(ReadOnlySpan<byte> text, out GfpFlags flags)
    {
        if (_lastText is not null && text.SequenceEqual(_lastText.AsSpan(0, _lastLength)))
        {
            flags = _last;
            return true;
        }

        if (!_all.TryGetValue(text, out flags))
        {
            if (!TraceGfpFlags.TryParse(text, out flags, out _))
            {
                return false;
            }

            _all.Add(text, flags);
        }

        if (_lastText is null || _lastText.Length < text.Length)
        {
            _lastText = new byte[Math.Max(128, text.Length)];
        }

        text.CopyTo(_lastText);
        _lastLength = text.Length;
        _last = flags;
        return true;
    }

    /// <summary>Through the map; a text that does not parse is an error on the line of <paramref name="f"/>.</summary>
    public GfpFlags Parse(ReadOnlySpan<byte> text, ref TraceFields f)
    {
        if (_all.TryGetValue(text, out GfpFlags flags))
        {
            return flags;
        }

        if (!TraceGfpFlags.TryParse(text, out flags, out string? error))
        {
            throw f.Error($"gfp_flags= {error}");
        }

        _all.Add(text, flags);
        return flags;
    }
}
