using System.Globalization;
using System.Text;

namespace ZoneLab.Allocator;

/// <summary>The kind of a GFP name.</summary>
public enum GfpNameKind
{
    /// <summary>A combination, <c>GFP_KERNEL</c> ... <c>GFP_NOWAIT</c> (and <c>GFP_TEMPORARY</c> of old kernels).</summary>
    Mask,

    /// <summary><c>GFP_DMA</c> and <c>GFP_DMA32</c>: one zone bit under a mask's name (<c>#define GFP_DMA __GFP_DMA</c>).</summary>
    ZoneMask,

    /// <summary>One <c>__GFP_</c> bit, or <c>__GFP_RECLAIM</c> (both reclaim bits).</summary>
    Bit,
}

/// <summary>
/// One GFP name: what it means, as a set of <see cref="GfpFlags"/> (the 6.1 encoding), in the kernels
/// <see cref="Since"/> to <see cref="Until"/> (major*100+minor, inclusive), its bit in the v4.4-v4.9 layout, and
/// whether 6.1's <c>show_gfp_flags()</c> prints it.
/// </summary>
public readonly record struct GfpName(string Name, GfpFlags Meaning, GfpNameKind Kind, int Since, int Until, uint BitV4_4, bool PrintedBy6_1)
{
    /// <summary>Whether kernel <paramref name="version"/> (major*100+minor) has the name with this meaning.</summary>
    public bool In(int version) => version >= Since && version <= Until;
}

/// <summary>
/// The one table of GFP flags by kernel version: every name the kernels print or define (include/linux/gfp.h,
/// include/linux/gfp_types.h from 6.0, include/trace/events/mmflags.h), with its meaning and the kernels that have
/// it, and the bit layouts the project decodes hex masks with. Used by the trace reader
/// (<c>TraceGfpFlags</c>: <c>gfp_flags=</c> of ftrace), by explain (<c>ReportGfp</c>: <c>%pGg</c> of
/// allocation-failure reports), by <see cref="Gfp.Parse"/>/<see cref="Gfp.Format"/>, and by the allocator through
/// <see cref="GfpFlags"/>, whose values are this table's 6.1 bits (<see cref="Gfp.Zone"/> is <c>gfp_zone()</c>,
/// <see cref="Gfp.MigrateTypeOf"/> is <c>gfp_migratetype()</c> over them).
/// </summary>
/// <remarks>
/// Bit layouts (the <c>___GFP_*</c> values):
/// <list type="bullet">
/// <item>v4.4-v4.9 (include/linux/gfp.h after the v4.4 split of __GFP_WAIT): DMA 0x1, HIGHMEM 0x2, DMA32 0x4, MOVABLE
/// 0x8, RECLAIMABLE 0x10, HIGH 0x20, IO 0x40, FS 0x80, COLD 0x100, NOWARN 0x200, REPEAT 0x400, NOFAIL 0x800, NORETRY
/// 0x1000, MEMALLOC 0x2000, COMP 0x4000, ZERO 0x8000, NOMEMALLOC 0x10000, HARDWALL 0x20000, THISNODE 0x40000, ATOMIC
/// 0x80000, NOACCOUNT (v4.4; ACCOUNT from v4.5) 0x100000, NOTRACK 0x200000, DIRECT_RECLAIM 0x400000, OTHER_NODE
/// 0x800000, WRITE 0x1000000, KSWAPD_RECLAIM 0x2000000. Column <see cref="GfpName.BitV4_4"/>.</item>
/// <item>6.1 (include/linux/gfp_types.h, CONFIG_LOCKDEP and KASAN off): the values of <see cref="GfpFlags"/>; ZERO
/// 0x100, ATOMIC 0x200, DIRECT_RECLAIM 0x400, KSWAPD_RECLAIM 0x800, WRITE 0x1000, ... SKIP_KASAN_POISON 0x4000000.
/// v6.3 dropped __GFP_ATOMIC (0x200 unused) and merged the two SKIP_KASAN bits into __GFP_SKIP_KASAN.</item>
/// </list>
/// A name is looked up for a kernel version: the row of that name whose kernels include the version, else any row
/// of that name (a trace or report of a kernel between the ones the table names), so <c>GFP_ATOMIC</c> means
/// <c>__GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM</c> up to v6.2 and <c>__GFP_HIGH|__GFP_KSWAPD_RECLAIM</c> from v6.3.
/// </remarks>
public static class GfpTable
{
    /// <summary>The oldest kernel the table describes (v4.4) and a version after every kernel.</summary>
    private const int First = 404, Last = int.MaxValue;

    private const GfpFlags Reclaim = GfpFlags.DirectReclaim | GfpFlags.KswapdReclaim;

    // Since is First where the table does not say when a name appeared (it is then at least as old as the kernels
    // that print it). The first 39 rows are 6.1's __def_gfpflag_names (with __def_gfpflag_names_kasan) in the kernel's order: the
    // masks first (show_gfp_flags() prints the first mask a value contains, then the bits left).
    private static readonly GfpName[] s_names =
    [
        new("GFP_TRANSHUGE", Gfp.TransHuge, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_TRANSHUGE_LIGHT", Gfp.TransHugeLight, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_HIGHUSER_MOVABLE", Gfp.HighUserMovable, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_HIGHUSER", Gfp.HighUser, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_USER", Gfp.User, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_KERNEL_ACCOUNT", Gfp.KernelAccount, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_KERNEL", Gfp.Kernel, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_NOFS", Gfp.NoFs, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_ATOMIC", Gfp.Atomic, GfpNameKind.Mask, First, 602, 0, true), // with __GFP_ATOMIC until "mm: discard __GFP_ATOMIC" (v6.3)
        new("GFP_NOIO", Gfp.NoIo, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_NOWAIT", Gfp.NoWait, GfpNameKind.Mask, First, Last, 0, true),
        new("GFP_DMA", GfpFlags.Dma, GfpNameKind.ZoneMask, First, Last, 0, true),
        new("__GFP_HIGHMEM", GfpFlags.Highmem, GfpNameKind.Bit, First, Last, 0x02, true),
        new("GFP_DMA32", GfpFlags.Dma32, GfpNameKind.ZoneMask, First, Last, 0, true),
        new("__GFP_HIGH", GfpFlags.High, GfpNameKind.Bit, First, Last, 0x20, true),
        new("__GFP_ATOMIC", GfpFlags.Atomic, GfpNameKind.Bit, First, 602, 0x80000, true),
        new("__GFP_IO", GfpFlags.Io, GfpNameKind.Bit, First, Last, 0x40, true),
        new("__GFP_FS", GfpFlags.Fs, GfpNameKind.Bit, First, Last, 0x80, true),
        new("__GFP_NOWARN", GfpFlags.NoWarn, GfpNameKind.Bit, First, Last, 0x200, true),
        new("__GFP_RETRY_MAYFAIL", GfpFlags.RetryMayfail, GfpNameKind.Bit, 413, Last, 0, true), // __GFP_REPEAT before v4.13
        new("__GFP_NOFAIL", GfpFlags.NoFail, GfpNameKind.Bit, First, Last, 0x800, true),
        new("__GFP_NORETRY", GfpFlags.NoRetry, GfpNameKind.Bit, First, Last, 0x1000, true),
        new("__GFP_COMP", GfpFlags.Comp, GfpNameKind.Bit, First, Last, 0x4000, true),
        new("__GFP_ZERO", GfpFlags.Zero, GfpNameKind.Bit, First, Last, 0x8000, true),
        new("__GFP_NOMEMALLOC", GfpFlags.NoMemalloc, GfpNameKind.Bit, First, Last, 0x10000, true),
        new("__GFP_MEMALLOC", GfpFlags.Memalloc, GfpNameKind.Bit, First, Last, 0x2000, true),
        new("__GFP_HARDWALL", GfpFlags.Hardwall, GfpNameKind.Bit, First, Last, 0x20000, true),
        new("__GFP_THISNODE", GfpFlags.ThisNode, GfpNameKind.Bit, First, Last, 0x40000, true),
        new("__GFP_RECLAIMABLE", GfpFlags.Reclaimable, GfpNameKind.Bit, First, Last, 0x10, true),
        new("__GFP_MOVABLE", GfpFlags.Movable, GfpNameKind.Bit, First, Last, 0x08, true),
        new("__GFP_ACCOUNT", GfpFlags.Account, GfpNameKind.Bit, 405, Last, 0, true), // 0x100000 in v4.5-v4.9: no report of those prints the mask without names
        new("__GFP_WRITE", GfpFlags.Write, GfpNameKind.Bit, First, Last, 0x1000000, true),
        new("__GFP_RECLAIM", Reclaim, GfpNameKind.Bit, First, Last, 0, true),
        new("__GFP_DIRECT_RECLAIM", GfpFlags.DirectReclaim, GfpNameKind.Bit, First, Last, 0x400000, true),
        new("__GFP_KSWAPD_RECLAIM", GfpFlags.KswapdReclaim, GfpNameKind.Bit, First, Last, 0x2000000, true),
        new("__GFP_ZEROTAGS", GfpFlags.ZeroTags, GfpNameKind.Bit, First, Last, 0, true),
        new("__GFP_SKIP_ZERO", GfpFlags.SkipZero, GfpNameKind.Bit, First, Last, 0, true),
        new("__GFP_SKIP_KASAN_POISON", GfpFlags.SkipKasanPoison, GfpNameKind.Bit, First, 602, 0, true),
        new("__GFP_SKIP_KASAN_UNPOISON", GfpFlags.SkipKasanUnpoison, GfpNameKind.Bit, First, 602, 0, true),

        // Defined in every version, printed under their GFP_ names.
        new("__GFP_DMA", GfpFlags.Dma, GfpNameKind.Bit, First, Last, 0x01, false),
        new("__GFP_DMA32", GfpFlags.Dma32, GfpNameKind.Bit, First, Last, 0x04, false),

        // Other kernels' names, mapped to their meaning in the 6.1 encoding; bits with no allocator meaning map to none.
        new("GFP_ATOMIC", GfpFlags.High | GfpFlags.KswapdReclaim, GfpNameKind.Mask, 603, Last, 0, false),
        new("GFP_TEMPORARY", Gfp.Kernel | GfpFlags.Reclaimable, GfpNameKind.Mask, First, 414, 0, false), // removed in 4.15
        new("__GFP_REPEAT", GfpFlags.RetryMayfail, GfpNameKind.Bit, First, 412, 0x400, false),        // renamed __GFP_RETRY_MAYFAIL in 4.13
        new("__GFP_COLD", GfpFlags.None, GfpNameKind.Bit, First, 414, 0x100, false),                  // a pcp list-tail hint, removed in 4.15
        new("__GFP_NOTRACK", GfpFlags.None, GfpNameKind.Bit, First, 414, 0x200000, false),            // kmemcheck, removed in 4.15
        new("__GFP_NOTRACK_FALSE_POSITIVE", GfpFlags.None, GfpNameKind.Bit, First, 414, 0, false),    // kmemcheck
        new("__GFP_OTHER_NODE", GfpFlags.None, GfpNameKind.Bit, First, 410, 0x800000, false),         // statistics only, removed in 4.11
        new("__GFP_NOACCOUNT", GfpFlags.None, GfpNameKind.Bit, First, 404, 0x100000, false),          // became __GFP_ACCOUNT in v4.5
        new("__GFP_SKIP_KASAN", GfpFlags.SkipKasanUnpoison | GfpFlags.SkipKasanPoison, GfpNameKind.Bit, 603, Last, 0, false),
        new("__GFP_NOLOCKDEP", GfpFlags.None, GfpNameKind.Bit, 412, Last, 0, false),                  // CONFIG_LOCKDEP kernels
        new("__GFP_NO_OBJ_EXT", GfpFlags.None, GfpNameKind.Bit, 610, Last, 0, false),                 // CONFIG_SLAB_OBJ_EXT
        new("__GFP_UNMAPPED", GfpFlags.None, GfpNameKind.Bit, First, Last, 0, false),                 // printed by some kernels; no zone or reserve meaning
    ];

    /// <summary>Every row, 6.1's printed names first in the kernel's order.</summary>
    public static ReadOnlySpan<GfpName> Names => s_names;

    /// <summary>The number of masks that lead 6.1's __def_gfpflag_names (GFP_TRANSHUGE ... GFP_NOWAIT).</summary>
    public const int MaskCount6_1 = 11;

    /// <summary>
    /// The meaning of <paramref name="name"/> (exact spelling) in kernel <paramref name="version"/>: the row of
    /// that kernel, else the name's row in another kernel; false for a name no kernel in the table has.
    /// </summary>
    public static bool TryLookup(ReadOnlySpan<char> name, int version, out GfpFlags meaning)
    {
        bool found = false;
        meaning = GfpFlags.None;
        foreach (ref readonly GfpName row in s_names.AsSpan())
        {
            if (name.SequenceEqual(row.Name))
            {
                if (row.In(version))
                {
                    meaning = row.Meaning;
                    return true;
                }

                if (!found)
                {
                    meaning = row.Meaning;
                    found = true;
                }
            }
        }

        return found;
    }

    /// <summary>The meanings of the bits of <paramref name="mask"/> in the v4.4-v4.9 layout; bits with no meaning are dropped.</summary>
    public static GfpFlags FromBitsV4_4(uint mask)
    {
        GfpFlags f = GfpFlags.None;
        foreach (ref readonly GfpName row in s_names.AsSpan())
        {
            if ((mask & row.BitV4_4) != 0)
            {
                f |= row.Meaning;
            }
        }

        return f;
    }

    /// <summary>
    /// The v4.4-v4.9 names of the bits of <paramref name="mask"/> (<c>__GFP_IO|__GFP_FS|...</c>, lowest bit first, bits
    /// without a name as one trailing hex value): what v4.5+'s <c>%pGg</c> would have printed bit by bit, for the
    /// reports of kernels that print only the hex mask. No composite names: GFP_TRANSHUGE and others changed since.
    /// </summary>
    public static string NamesV4_4(uint mask)
    {
        var sb = new StringBuilder();
        uint rest = mask;
        for (int bit = 0; bit < 32; bit++)
        {
            uint b = 1u << bit;
            if ((mask & b) == 0)
            {
                continue;
            }
            foreach (ref readonly GfpName row in s_names.AsSpan())
            {
                if (row.BitV4_4 == b && row.In(First))
                {
                    sb.Append(sb.Length > 0 ? "|" : "").Append(row.Name);
                    rest &= ~b;
                    break;
                }
            }
        }
        if (rest != 0)
        {
            sb.Append(sb.Length > 0 ? "|" : "").Append("0x").Append(rest.ToString("x", CultureInfo.InvariantCulture));
        }
        return sb.Length > 0 ? sb.ToString() : "0";
    }

    /// <summary>The meanings of the bits of <paramref name="mask"/> in the 6.1 layout: <see cref="GfpFlags"/> is that layout, every bit kept.</summary>
    public static GfpFlags FromBits6_1(uint mask) => (GfpFlags)mask;
}
