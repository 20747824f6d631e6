using System.Buffers.Text;
using System.Text;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// Parses <c>gfp_flags=</c> as ftrace prints it: <c>show_gfp_flags()</c> of Linux 6.1
/// (include/trace/events/mmflags.h, <c>__def_gfpflag_names</c> and, with CONFIG_KASAN_HW_TAGS,
/// <c>__def_gfpflag_names_kasan</c>) joined by <c>|</c> through <c>__print_flags()</c>, with the bits no name
/// covers appended as <c>0x…</c>; <c>none</c> for 0. <c>trace-cmd report</c> may print the whole mask in hex, or in
/// decimal in its raw dump after <c>[FAILED TO PARSE]</c>.
/// Names are mapped to their meaning through <see cref="GfpTable"/> (6.1's names, then other kernels'); a hex value is
/// taken with the bit values of 6.1 (include/linux/gfp_types.h, <see cref="GfpTable.FromBits6_1"/>).
/// </summary>
internal static class TraceGfpFlags
{
    private static readonly (string Name, GfpFlags Value)[] s_composites = Composites6_1();

    /// <summary>
    /// The composite masks, which lead __def_gfpflag_names (GFP_TRANSHUGE … GFP_NOWAIT, before the zone names), in
    /// the kernel's order (<see cref="GfpTable"/>).
    /// </summary>
    public static ReadOnlySpan<(string Name, GfpFlags Value)> Composites => s_composites;

    /// <summary>
    /// Parses <paramref name="text"/>; on failure returns false with <paramref name="error"/> naming the bad part.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out GfpFlags flags, out string? error)
    {
        flags = GfpFlags.None;
        error = null;
        if (text.IsEmpty)
        {
            error = "an empty mask";
            return false;
        }

        if (text.SequenceEqual("none"u8))
        {
            return true;
        }

        while (!text.IsEmpty)
        {
            int bar = text.IndexOf((byte)'|');
            ReadOnlySpan<byte> part = bar < 0 ? text : text[..bar];
            text = bar < 0 ? default : text[(bar + 1)..];
            if (part.IsEmpty)
            {
                error = "an empty name between '|'";
                return false;
            }

            if (part.Length > 2 && part[0] == (byte)'0' && (part[1] | 0x20) == (byte)'x')
            {
                if (!Utf8Parser.TryParse(part[2..], out ulong hex, out int used, 'x') || used != part.Length - 2)
                {
                    error = $"bad hex '{Encoding.Latin1.GetString(part)}'";
                    return false;
                }

                flags |= GfpTable.FromBits6_1((uint)hex);
                continue;
            }

            if (part.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
            {
                // libtraceevent's raw field dump ("[FAILED TO PARSE] ... gfp_flags=3264") is decimal.
                if (!Utf8Parser.TryParse(part, out ulong dec, out int n) || n != part.Length)
                {
                    error = $"bad number '{Encoding.Latin1.GetString(part)}'";
                    return false;
                }

                flags |= GfpTable.FromBits6_1((uint)dec);
                continue;
            }

            if (!TryLookup(part, out GfpFlags v))
            {
                error = $"unknown GFP flag '{Encoding.Latin1.GetString(part)}' (not a name show_gfp_flags() prints, include/trace/events/mmflags.h)";
                return false;
            }

            flags |= v;
        }

        return true;
    }

    private static bool TryLookup(ReadOnlySpan<byte> name, out GfpFlags value)
    {
        Span<char> chars = stackalloc char[64];
        if (name.Length > chars.Length)
        {
            value = GfpFlags.None;
            return false;
        }

        for (int i = 0; i < name.Length; i++)
        {
            chars[i] = (char)name[i];
        }

        // A trace does not say its kernel: the names mean what they mean in 6.1, other kernels' names what they meant there.
        return GfpTable.TryLookup(chars[..name.Length], 601, out value);
    }

    private static (string Name, GfpFlags Value)[] Composites6_1()
    {
        var masks = new (string, GfpFlags)[GfpTable.MaskCount6_1];
        int n = 0;
        foreach (GfpName row in GfpTable.Names)
        {
            if (row.Kind == GfpNameKind.Mask && row.PrintedBy6_1)
            {
                masks[n++] = (row.Name, row.Meaning);
            }
        }

        return masks;
    }
}
