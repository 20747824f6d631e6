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
/// Names are mapped to their meaning; a hex value is taken with the bit values of 6.1 (include/linux/gfp_types.h).
/// </summary>
internal static class TraceGfpFlags
{
    private static readonly (string Name, GfpFlags Value)[] s_names =
    [
        ("GFP_TRANSHUGE", Gfp.TransHuge),
        ("GFP_TRANSHUGE_LIGHT", Gfp.TransHugeLight),
        ("GFP_HIGHUSER_MOVABLE", Gfp.HighUserMovable),
        ("GFP_HIGHUSER", Gfp.HighUser),
        ("GFP_USER", Gfp.User),
        ("GFP_KERNEL_ACCOUNT", Gfp.KernelAccount),
        ("GFP_KERNEL", Gfp.Kernel),
        ("GFP_NOFS", Gfp.NoFs),
        ("GFP_ATOMIC", Gfp.Atomic),
        ("GFP_NOIO", Gfp.NoIo),
        ("GFP_NOWAIT", Gfp.NoWait),
        ("GFP_DMA", Gfp.Dma),
        ("__GFP_HIGHMEM", GfpFlags.Highmem),
        ("GFP_DMA32", Gfp.Dma32),
        ("__GFP_HIGH", GfpFlags.High),
        ("__GFP_ATOMIC", GfpFlags.Atomic),
        ("__GFP_IO", GfpFlags.Io),
        ("__GFP_FS", GfpFlags.Fs),
        ("__GFP_NOWARN", GfpFlags.NoWarn),
        ("__GFP_RETRY_MAYFAIL", GfpFlags.RetryMayfail),
        ("__GFP_NOFAIL", GfpFlags.NoFail),
        ("__GFP_NORETRY", GfpFlags.NoRetry),
        ("__GFP_COMP", GfpFlags.Comp),
        ("__GFP_ZERO", GfpFlags.Zero),
        ("__GFP_NOMEMALLOC", GfpFlags.NoMemalloc),
        ("__GFP_MEMALLOC", GfpFlags.Memalloc),
        ("__GFP_HARDWALL", GfpFlags.Hardwall),
        ("__GFP_THISNODE", GfpFlags.ThisNode),
        ("__GFP_RECLAIMABLE", GfpFlags.Reclaimable),
        ("__GFP_MOVABLE", GfpFlags.Movable),
        ("__GFP_ACCOUNT", GfpFlags.Account),
        ("__GFP_WRITE", GfpFlags.Write),
        ("__GFP_RECLAIM", Gfp.Reclaim),
        ("__GFP_DIRECT_RECLAIM", GfpFlags.DirectReclaim),
        ("__GFP_KSWAPD_RECLAIM", GfpFlags.KswapdReclaim),
        ("__GFP_ZEROTAGS", GfpFlags.ZeroTags),
        ("__GFP_SKIP_ZERO", GfpFlags.SkipZero),
        ("__GFP_SKIP_KASAN_POISON", GfpFlags.SkipKasanPoison),
        ("__GFP_SKIP_KASAN_UNPOISON", GfpFlags.SkipKasanUnpoison),
    ];

    // Names other kernels print (4.x: include/trace/events/mmflags.h of v4.10; 6.3+: after __GFP_ATOMIC went and the
    // KASAN bits merged), mapped to their meaning in the 6.1 encoding; bits with no allocator meaning map to none.
    private static readonly (string Name, GfpFlags Value)[] s_otherKernels =
    [
        ("GFP_TEMPORARY", Gfp.Kernel | GfpFlags.Reclaimable), // v4.10 include/linux/gfp.h, removed in 4.15
        ("__GFP_REPEAT", GfpFlags.RetryMayfail),              // renamed __GFP_RETRY_MAYFAIL in 4.13
        ("__GFP_COLD", GfpFlags.None),                         // removed in 4.15: a pcp list-tail hint
        ("__GFP_NOTRACK", GfpFlags.None),                      // kmemcheck, removed in 4.15
        ("__GFP_OTHER_NODE", GfpFlags.None),                   // statistics only, removed in 4.11
        ("__GFP_SKIP_KASAN", GfpFlags.SkipKasanUnpoison | GfpFlags.SkipKasanPoison), // 6.3+
        ("__GFP_NOLOCKDEP", GfpFlags.None),                    // CONFIG_LOCKDEP kernels
        ("__GFP_NO_OBJ_EXT", GfpFlags.None),                   // 6.10+ CONFIG_SLAB_OBJ_EXT
    ];

    /// <summary>
    /// The composite masks, which lead __def_gfpflag_names (GFP_TRANSHUGE … GFP_NOWAIT, before the zone names), in
    /// the kernel's order.
    /// </summary>
    public static ReadOnlySpan<(string Name, GfpFlags Value)> Composites => s_names.AsSpan(0, CompositeCount);

    private const int CompositeCount = 11;

    /// <summary>The names 6.1 prints, in the kernel's order.</summary>
    public static IReadOnlyList<(string Name, GfpFlags Value)> Names => s_names;

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

                flags |= (GfpFlags)(uint)hex;
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

                flags |= (GfpFlags)(uint)dec;
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

        ReadOnlySpan<char> s = chars[..name.Length];
        foreach ((string n, GfpFlags v) in s_names)
        {
            if (s.SequenceEqual(n))
            {
                value = v;
                return true;
            }
        }

        foreach ((string n, GfpFlags v) in s_otherKernels)
        {
            if (s.SequenceEqual(n))
            {
                value = v;
                return true;
            }
        }

        value = GfpFlags.None;
        return false;
    }
}
