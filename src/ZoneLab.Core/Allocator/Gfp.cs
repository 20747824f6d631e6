using System.Globalization;
using System.Text;
using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>
/// GFP masks and the kernel's derivations from them: <c>gfp_zone</c>, <c>gfp_migratetype</c>, parsing of
/// <c>GFP_KERNEL|__GFP_ZERO</c> or raw hex as ftrace prints them.
/// </summary>
public static class Gfp
{
    /// <summary><c>__GFP_RECLAIM</c>.</summary>
    public const GfpFlags Reclaim = GfpFlags.DirectReclaim | GfpFlags.KswapdReclaim;

    /// <summary><c>GFP_ATOMIC</c> (6.1: <c>__GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM</c>).</summary>
    public const GfpFlags Atomic = GfpFlags.High | GfpFlags.Atomic | GfpFlags.KswapdReclaim;

    /// <summary><c>GFP_KERNEL</c>.</summary>
    public const GfpFlags Kernel = Reclaim | GfpFlags.Io | GfpFlags.Fs;

    /// <summary><c>GFP_KERNEL_ACCOUNT</c>.</summary>
    public const GfpFlags KernelAccount = Kernel | GfpFlags.Account;

    /// <summary><c>GFP_NOWAIT</c>.</summary>
    public const GfpFlags NoWait = GfpFlags.KswapdReclaim;

    /// <summary><c>GFP_NOIO</c>.</summary>
    public const GfpFlags NoIo = Reclaim;

    /// <summary><c>GFP_NOFS</c>.</summary>
    public const GfpFlags NoFs = Reclaim | GfpFlags.Io;

    /// <summary><c>GFP_USER</c>.</summary>
    public const GfpFlags User = Reclaim | GfpFlags.Io | GfpFlags.Fs | GfpFlags.Hardwall;

    /// <summary><c>GFP_DMA</c>.</summary>
    public const GfpFlags Dma = GfpFlags.Dma;

    /// <summary><c>GFP_DMA32</c>.</summary>
    public const GfpFlags Dma32 = GfpFlags.Dma32;

    /// <summary><c>GFP_HIGHUSER</c>.</summary>
    public const GfpFlags HighUser = User | GfpFlags.Highmem;

    /// <summary><c>GFP_HIGHUSER_MOVABLE</c> (KASAN off: <c>__GFP_SKIP_KASAN_*</c> are 0 in Debian's build).</summary>
    public const GfpFlags HighUserMovable = HighUser | GfpFlags.Movable;

    /// <summary><c>GFP_TRANSHUGE_LIGHT</c>.</summary>
    public const GfpFlags TransHugeLight = (HighUserMovable | GfpFlags.Comp | GfpFlags.NoMemalloc | GfpFlags.NoWarn) & ~Reclaim;

    /// <summary><c>GFP_TRANSHUGE</c>.</summary>
    public const GfpFlags TransHuge = TransHugeLight | GfpFlags.DirectReclaim;

    /// <summary><c>GFP_ZONEMASK</c>.</summary>
    public const GfpFlags ZoneMask = GfpFlags.Dma | GfpFlags.Highmem | GfpFlags.Dma32 | GfpFlags.Movable;

    // The names of the 6.1 kernel (GfpTable): its masks in the kernel's order, and its single bits by value.
    private static readonly GfpName[] s_masks = Rows6_1(r => r.Kind != GfpNameKind.Bit);
    private static readonly GfpName[] s_bits = Rows6_1(r => r.Kind == GfpNameKind.Bit && r.Meaning != GfpFlags.None && ((uint)r.Meaning & ((uint)r.Meaning - 1)) == 0)
        .OrderBy(r => (uint)r.Meaning).ToArray();

    /// <summary>
    /// Parses a mask: names joined by <c>|</c> (<c>GFP_KERNEL|__GFP_ZERO</c>, with or without the leading
    /// underscores), a hex number (<c>0xcc0</c>, as ftrace's <c>gfp_flags=</c> prints when it cannot name them), or
    /// a mix. ftrace's <c>GFP_NOWAIT</c> spelling and <c>0x0</c>/<c>none</c> are accepted.
    /// </summary>
    public static GfpFlags Parse(string text)
    {
        GfpFlags result = GfpFlags.None;
        foreach (string raw in text.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (raw.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                result |= (GfpFlags)uint.Parse(raw.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                continue;
            }

            if (raw.Equals("none", StringComparison.OrdinalIgnoreCase) || raw == "0")
            {
                continue;
            }

            string name = raw.ToUpperInvariant();
            if (!name.StartsWith("GFP_", StringComparison.Ordinal) && !name.StartsWith("__GFP_", StringComparison.Ordinal))
            {
                name = "__GFP_" + name;
            }

            if (TryLookup(name, out GfpFlags v) || TryLookup("__" + name, out v) || TryLookup(name.TrimStart('_'), out v))
            {
                result |= v;
                continue;
            }

            throw new FormatException($"unknown GFP flag '{raw}'");
        }

        return result;
    }

    /// <summary>Formats a mask like ftrace's <c>show_gfp_flags</c>: the first composite that is contained, then bits.</summary>
    public static string Format(GfpFlags flags)
    {
        if (flags == GfpFlags.None)
        {
            return "0";
        }

        var sb = new StringBuilder();
        GfpFlags rest = flags;
        foreach ((string name, GfpFlags value, _, _, _, _, _) in s_masks)
        {
            if ((rest & value) == value)
            {
                sb.Append(name);
                rest &= ~value;
                break;
            }
        }

        foreach ((string name, GfpFlags value, _, _, _, _, _) in s_bits)
        {
            if ((rest & value) == value)
            {
                if (sb.Length > 0)
                {
                    sb.Append('|');
                }

                sb.Append(name);
                rest &= ~value;
            }
        }

        if (rest != GfpFlags.None)
        {
            sb.Append(sb.Length > 0 ? "|" : string.Empty).Append("0x").Append(((uint)rest).ToString("x", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>
    /// mirrors <c>gfp_zone</c>: the highest zone the request may use, from <c>GFP_ZONE_TABLE</c> (64-bit:
    /// HIGHMEM means NORMAL, and only <c>__GFP_MOVABLE|__GFP_HIGHMEM</c> reaches ZONE_MOVABLE). Invalid
    /// combinations (<c>GFP_ZONE_BAD</c>) throw. <paramref name="hasZoneDma"/>/<paramref name="hasZoneDma32"/>
    /// select OPT_ZONE_DMA/OPT_ZONE_DMA32 (NORMAL when the config lacks the zone).
    /// </summary>
    public static ZoneType Zone(GfpFlags gfp, bool hasZoneDma = true, bool hasZoneDma32 = true)
        => TryZone(gfp, out ZoneType z, hasZoneDma, hasZoneDma32)
            ? z
            : throw new ArgumentException($"GFP_ZONE_BAD combination 0x{(uint)(gfp & ZoneMask):x}", nameof(gfp));

    /// <summary>
    /// <see cref="Zone"/> without the exception: false for a <c>GFP_ZONE_BAD</c> combination (the table of every
    /// combination is built at each boot, and half of them are bad).
    /// </summary>
    public static bool TryZone(GfpFlags gfp, out ZoneType zone, bool hasZoneDma = true, bool hasZoneDma32 = true)
    {
        uint bits = (uint)(gfp & ZoneMask);
        ZoneType dma = hasZoneDma ? ZoneType.Dma : ZoneType.Normal;
        ZoneType dma32 = hasZoneDma32 ? ZoneType.Dma32 : ZoneType.Normal;
        ZoneType? z = bits switch
        {
            0x0 => ZoneType.Normal,
            0x1 => dma,
            0x2 => ZoneType.Normal, // OPT_ZONE_HIGHMEM = ZONE_NORMAL without CONFIG_HIGHMEM
            0x4 => dma32,
            0x8 => ZoneType.Normal, // __GFP_MOVABLE alone is a migratetype hint
            0x9 => dma,
            0xa => ZoneType.Movable,
            0xc => dma32,
            _ => null, // GFP_ZONE_BAD
        };
        zone = z.GetValueOrDefault();
        return z.HasValue;
    }

    /// <summary>
    /// mirrors <c>gfp_migratetype</c>: <c>(gfp &amp; GFP_MOVABLE_MASK) &gt;&gt; GFP_MOVABLE_SHIFT</c>;
    /// UNMOVABLE when mobility grouping is disabled.
    /// </summary>
    public static MigrateType MigrateTypeOf(GfpFlags gfp, bool groupingDisabled = false)
    {
        if (groupingDisabled)
        {
            return MigrateType.Unmovable;
        }

        return (MigrateType)(((uint)gfp & (uint)(GfpFlags.Reclaimable | GfpFlags.Movable)) >> 3);
    }

    private static bool TryLookup(string name, out GfpFlags value)
    {
        // Only the names of the 6.1 kernel, whose behaviour the engine models.
        foreach (GfpName row in GfpTable.Names)
        {
            if (row.Name == name && row.In(601))
            {
                value = row.Meaning;
                return true;
            }
        }

        value = GfpFlags.None;
        return false;
    }

    private static GfpName[] Rows6_1(Func<GfpName, bool> which)
    {
        var rows = new List<GfpName>();
        foreach (GfpName row in GfpTable.Names)
        {
            if (row.In(601) && which(row))
            {
                rows.Add(row);
            }
        }

        return [.. rows];
    }
}
