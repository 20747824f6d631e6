using ZoneLab.Allocator;

namespace ZoneLab.Explain;

/// <summary>
/// The gfp mask of an allocation-failure report as the allocator sees it. From v4.5 the kernel prints the flag names
/// after the hex mask (<c>%pGg</c>, include/trace/events/mmflags.h); their meaning is stable across versions except for
/// the composites whose definition changed, which are expanded here for the report's kernel. Before v4.5 only the hex
/// mask is printed, decoded with the bit layout of v4.4-v4.9 (include/linux/gfp.h after the v4.4 __GFP_WAIT split).
/// The result uses <see cref="GfpFlags"/> as a set of meanings, not as the bit values of the reporting kernel.
/// </summary>
public static class ReportGfp
{
    // Bit layout of v4.4 ... v4.9 (the only kernels in range that print the mask without names).
    private static readonly (uint Bit, GfpFlags Flag)[] LayoutV44 =
    [
        (0x01, GfpFlags.Dma), (0x02, GfpFlags.Highmem), (0x04, GfpFlags.Dma32), (0x08, GfpFlags.Movable),
        (0x10, GfpFlags.Reclaimable), (0x20, GfpFlags.High), (0x40, GfpFlags.Io), (0x80, GfpFlags.Fs),
        (0x200, GfpFlags.NoWarn), (0x400, GfpFlags.RetryMayfail), (0x800, GfpFlags.NoFail), (0x1000, GfpFlags.NoRetry),
        (0x2000, GfpFlags.Memalloc), (0x4000, GfpFlags.Comp), (0x8000, GfpFlags.Zero), (0x10000, GfpFlags.NoMemalloc),
        (0x20000, GfpFlags.Hardwall), (0x40000, GfpFlags.ThisNode), (0x80000, GfpFlags.Atomic),
        (0x400000, GfpFlags.DirectReclaim), (0x1000000, GfpFlags.Write), (0x2000000, GfpFlags.KswapdReclaim),
    ];

    private const GfpFlags Reclaim = GfpFlags.DirectReclaim | GfpFlags.KswapdReclaim;

    /// <summary>Decodes the report's mask for kernel <paramref name="version"/> (major*100+minor); unknown names are returned.</summary>
    public static GfpFlags Decode(uint mode, string? names, int version, out List<string> unknown)
    {
        unknown = [];
        if (names is null || names.Length == 0)
        {
            GfpFlags f = GfpFlags.None;
            foreach ((uint bit, GfpFlags flag) in LayoutV44)
            {
                if ((mode & bit) != 0)
                {
                    f |= flag;
                }
            }
            return f;
        }
        GfpFlags result = GfpFlags.None;
        foreach (string raw in names.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.StartsWith("0x", StringComparison.Ordinal))
            {
                continue; // bits %pGg could not name; they never select zones or reserves
            }
            if (Name(raw, version) is GfpFlags f)
            {
                result |= f;
            }
            else
            {
                unknown.Add(raw);
            }
        }
        return result;
    }

    /// <summary>One printed name for kernel <paramref name="version"/>, or null when unknown.</summary>
    public static GfpFlags? Name(string name, int version) => name switch
    {
        // GFP_ATOMIC carried __GFP_ATOMIC until v6.3 (commit "mm: discard __GFP_ATOMIC" removed it).
        "GFP_ATOMIC" => version >= 603 ? GfpFlags.High | GfpFlags.KswapdReclaim : GfpFlags.High | GfpFlags.Atomic | GfpFlags.KswapdReclaim,
        "GFP_KERNEL" => Reclaim | GfpFlags.Io | GfpFlags.Fs,
        "GFP_KERNEL_ACCOUNT" => Reclaim | GfpFlags.Io | GfpFlags.Fs | GfpFlags.Account,
        "GFP_NOWAIT" => GfpFlags.KswapdReclaim,
        "GFP_NOIO" => Reclaim,
        "GFP_NOFS" => Reclaim | GfpFlags.Io,
        "GFP_TEMPORARY" => Reclaim | GfpFlags.Io | GfpFlags.Fs | GfpFlags.Reclaimable,
        "GFP_USER" => Reclaim | GfpFlags.Io | GfpFlags.Fs | GfpFlags.Hardwall,
        "GFP_HIGHUSER" => Reclaim | GfpFlags.Io | GfpFlags.Fs | GfpFlags.Hardwall | GfpFlags.Highmem,
        "GFP_HIGHUSER_MOVABLE" => Reclaim | GfpFlags.Io | GfpFlags.Fs | GfpFlags.Hardwall | GfpFlags.Highmem | GfpFlags.Movable,
        "GFP_TRANSHUGE_LIGHT" => GfpFlags.Io | GfpFlags.Fs | GfpFlags.Hardwall | GfpFlags.Highmem | GfpFlags.Movable | GfpFlags.Comp | GfpFlags.NoMemalloc | GfpFlags.NoWarn,
        "GFP_TRANSHUGE" => GfpFlags.DirectReclaim | GfpFlags.Io | GfpFlags.Fs | GfpFlags.Hardwall | GfpFlags.Highmem | GfpFlags.Movable | GfpFlags.Comp | GfpFlags.NoMemalloc | GfpFlags.NoWarn,
        "GFP_DMA" or "__GFP_DMA" => GfpFlags.Dma,
        "GFP_DMA32" or "__GFP_DMA32" => GfpFlags.Dma32,
        "__GFP_HIGHMEM" => GfpFlags.Highmem,
        "__GFP_MOVABLE" => GfpFlags.Movable,
        "__GFP_RECLAIMABLE" => GfpFlags.Reclaimable,
        "__GFP_HIGH" => GfpFlags.High,
        "__GFP_IO" => GfpFlags.Io,
        "__GFP_FS" => GfpFlags.Fs,
        "__GFP_ZERO" => GfpFlags.Zero,
        "__GFP_ATOMIC" => GfpFlags.Atomic,
        "__GFP_RECLAIM" => Reclaim,
        "__GFP_DIRECT_RECLAIM" => GfpFlags.DirectReclaim,
        "__GFP_KSWAPD_RECLAIM" => GfpFlags.KswapdReclaim,
        "__GFP_WRITE" => GfpFlags.Write,
        "__GFP_NOWARN" => GfpFlags.NoWarn,
        "__GFP_RETRY_MAYFAIL" or "__GFP_REPEAT" => GfpFlags.RetryMayfail,
        "__GFP_NOFAIL" => GfpFlags.NoFail,
        "__GFP_NORETRY" => GfpFlags.NoRetry,
        "__GFP_MEMALLOC" => GfpFlags.Memalloc,
        "__GFP_COMP" => GfpFlags.Comp,
        "__GFP_NOMEMALLOC" => GfpFlags.NoMemalloc,
        "__GFP_HARDWALL" => GfpFlags.Hardwall,
        "__GFP_THISNODE" => GfpFlags.ThisNode,
        "__GFP_ACCOUNT" => GfpFlags.Account,
        "__GFP_ZEROTAGS" => GfpFlags.ZeroTags,
        "__GFP_SKIP_ZERO" => GfpFlags.SkipZero,
        "__GFP_SKIP_KASAN_UNPOISON" or "__GFP_SKIP_KASAN" => GfpFlags.SkipKasanUnpoison,
        "__GFP_SKIP_KASAN_POISON" => GfpFlags.SkipKasanPoison,
        // Printed by some versions but without effect on zone choice or reserves.
        "__GFP_COLD" or "__GFP_NOTRACK" or "__GFP_OTHER_NODE" or "__GFP_NOLOCKDEP" or "__GFP_NOACCOUNT"
            or "__GFP_NO_OBJ_EXT" or "__GFP_NOTRACK_FALSE_POSITIVE" or "__GFP_UNMAPPED" => GfpFlags.None,
        _ => null,
    };
}
