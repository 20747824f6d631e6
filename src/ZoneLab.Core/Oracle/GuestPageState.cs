using System.Globalization;
using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

/// <summary>
/// The guest's page state at step 0 of a <c>zonelab oracle run --page-state</c> recording (docs/oracle.md, "The page
/// state"): every pfn's <c>/proc/kpageflags</c> word (masked by zlguest to the flags that say what a page is) from
/// <c>step0.kpageflags.txt</c>, and every pageblock's four bits (migratetype, PB_migrate_skip) from
/// <c>step0.pageblocks.txt</c>. Both are runs <c>PFN COUNT VALUE</c> in hex, contiguous from pfn 0.
/// </summary>
public sealed class GuestPageState
{
    /// <summary>KPF_DIRTY (include/uapi/linux/kernel-page-flags.h).</summary>
    public const int KpfDirty = 4;

    /// <summary>KPF_LRU.</summary>
    public const int KpfLru = 5;

    /// <summary>KPF_ACTIVE.</summary>
    public const int KpfActive = 6;

    /// <summary>KPF_SLAB.</summary>
    public const int KpfSlab = 7;

    /// <summary>KPF_BUDDY: every page of a free buddy block (PageBuddy head, is_free_buddy_page tails).</summary>
    public const int KpfBuddy = 10;

    /// <summary>KPF_ANON.</summary>
    public const int KpfAnon = 12;

    /// <summary>KPF_SWAPBACKED.</summary>
    public const int KpfSwapBacked = 14;

    /// <summary>KPF_NOPAGE: no struct page (a hole outside the memory map).</summary>
    public const int KpfNoPage = 20;

    /// <summary>KPF_PGTABLE.</summary>
    public const int KpfPgTable = 26;

    /// <summary>KPF_RESERVED (include/linux/kernel-page-flags.h, kernel-internal).</summary>
    public const int KpfReserved = 32;

    /// <summary>The flags zlguest keeps (zlpagestate.h KPF_MASK): any other bit is not from zlguest.</summary>
    public const ulong Mask = 0x305f7fdf0UL;

    /// <summary>At most 2^24 pfns (64 GiB of 4 KiB pages, the largest oracle guest): bounds the reader's memory.</summary>
    public const ulong MaxPfns = 1UL << 24;

    /// <summary>A pageblock of a section the guest could not read (no mem_section).</summary>
    public const byte NoSection = 0x10;

    private readonly uint[] _flags;      // per pfn: the masked word, bits 32-33 folded to 28-29
    private readonly byte[] _pageblock;  // per pageblock: the 4 bits, or NoSection

    private GuestPageState(uint[] flags, byte[] pageblock)
    {
        _flags = flags;
        _pageblock = pageblock;
    }

    /// <summary>Pfns described (0 .. PfnCount - 1).</summary>
    public ulong PfnCount => (ulong)_flags.Length;

    /// <summary>True when kpageflags has <paramref name="bit"/> (a KPF_ number) set for <paramref name="pfn"/>.</summary>
    public bool Has(ulong pfn, int bit) => pfn < PfnCount && (_flags[pfn] & (1u << (bit >= 32 ? bit - 4 : bit))) != 0;

    /// <summary>The page's masked kpageflags word.</summary>
    public ulong Flags(ulong pfn) => pfn < PfnCount ? Unfold(_flags[pfn]) : 0;

    /// <summary>The pageblock bits of the block holding <paramref name="pfn"/> (<see cref="NoSection"/> when unknown).</summary>
    public byte PageblockBits(ulong pfn) => (pfn >> Pageblock.Order) < (ulong)_pageblock.Length ? _pageblock[pfn >> Pageblock.Order] : NoSection;

    /// <summary>Reads the two files of a recording's step 0.</summary>
    public static GuestPageState Read(string kpageflagsPath, string pageblocksPath)
        => Parse(InputFiles.ReadLines(kpageflagsPath), kpageflagsPath, InputFiles.ReadLines(pageblocksPath), pageblocksPath);

    /// <summary>Parses the lines of the two files (sources name them in errors).</summary>
    public static GuestPageState Parse(IReadOnlyList<string> kpageflags, string kpageflagsSource, IReadOnlyList<string> pageblocks, string pageblocksSource)
    {
        List<(ulong Start, ulong Count, ulong Value)> runs = Runs(kpageflags, kpageflagsSource, 1, MaxPfns, "pfn");
        var flags = new uint[runs.Count == 0 ? 0 : (int)(runs[^1].Start + runs[^1].Count)];
        foreach ((ulong start, ulong count, ulong value) in runs)
        {
            flags.AsSpan((int)start, (int)count).Fill(Fold(value));
        }

        List<(ulong Start, ulong Count, ulong Value)> blocks = Runs(pageblocks, pageblocksSource, Pageblock.NrPages, MaxPfns >> Pageblock.Order, "pageblock");
        var pb = new byte[blocks.Count == 0 ? 0 : (int)((blocks[^1].Start >> Pageblock.Order) + blocks[^1].Count)];
        foreach ((ulong start, ulong count, ulong value) in blocks)
        {
            pb.AsSpan((int)(start >> Pageblock.Order), (int)count).Fill((byte)value);
        }

        if ((ulong)pb.Length << Pageblock.Order < (ulong)flags.Length)
        {
            throw new ZoneLabInputException(pageblocksSource, pageblocks.Count, $"covers {pb.Length} pageblocks, fewer than the {flags.Length} pfns of the kpageflags file");
        }

        return new GuestPageState(flags, pb);
    }

    // Runs "START COUNT VALUE" (hex): contiguous from 0 in units of `unit` pfns, at most `max` units in all.
    private static List<(ulong Start, ulong Count, ulong Value)> Runs(IReadOnlyList<string> lines, string source, ulong unit, ulong max, string what)
    {
        var runs = new List<(ulong, ulong, ulong)>();
        ulong next = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            string l = lines[i];
            if (l.Length == 0 && i == lines.Count - 1)
            {
                break;
            }

            if (l.StartsWith('#'))
            {
                throw new ZoneLabInputException(source, i + 1, $"the guest could not read its state: '{Clip(l)}'");
            }

            string[] t = l.Split(' ');
            if (t.Length != 3)
            {
                throw new ZoneLabInputException(source, i + 1, $"expected 'PFN COUNT VALUE' in hex, not '{Clip(l)}'");
            }

            ulong start = Hex(t[0], source, i + 1, "PFN"), count = Hex(t[1], source, i + 1, "COUNT"), value = Hex(t[2], source, i + 1, "VALUE");
            if (start != next * unit)
            {
                throw new ZoneLabInputException(source, i + 1, $"run starts at pfn 0x{start:x}; expected 0x{next * unit:x} (runs are contiguous from pfn 0)");
            }

            if (count == 0 || count > max - next)
            {
                throw new ZoneLabInputException(source, i + 1, $"count 0x{count:x}: expected 1 to 0x{max - next:x} more {what}s (at most 0x{max:x} in all)");
            }

            if (unit != 1 && value > NoSection)
            {
                throw new ZoneLabInputException(source, i + 1, $"pageblock bits 0x{value:x}: expected 0-0xf, or 0x10 for a pageblock without a section");
            }

            if (unit == 1 && (value & ~Mask) != 0)
            {
                throw new ZoneLabInputException(source, i + 1, $"flags 0x{value:x} have bits outside zlguest's mask 0x{Mask:x}");
            }

            runs.Add((start, count, value));
            next += count;
        }

        if (runs.Count == 0)
        {
            throw new ZoneLabInputException(source, 1, $"no runs: expected 'PFN COUNT VALUE' lines (zonelab oracle run --page-state)");
        }

        return runs;
    }

    private static ulong Hex(string s, string source, int line, string what)
        => s.Length is > 0 and <= 16 && ulong.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong v)
            ? v
            : throw new ZoneLabInputException(source, line, $"{what} '{Clip(s)}' is not a hex number");

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private static uint Fold(ulong v) => (uint)(v & 0x0fffffff) | (uint)((v >> 32) & 3) << 28;

    private static ulong Unfold(uint v) => (v & 0x0fffffffUL) | ((ulong)(v >> 28) & 3) << 32;
}
