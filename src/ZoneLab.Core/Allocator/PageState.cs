using System.Runtime.CompilerServices;

namespace ZoneLab.Allocator;

/// <summary>
/// The engine's <c>mm/internal.h</c> for one page: the two state bytes a block head carries, decoded by name instead
/// of by shifts and masks (as Tsavorite's <c>RecordInfo</c> names its bits). Only block heads carry state; the tail
/// pages of a block are <see cref="Machine.KindTail"/> with order 0.
/// <code>
///   flags byte (Machine._flags[i]):      info byte (Machine._info[i]):
///   7   6   5   4   3   2   1   0        7        6        5   4   3   2   1   0
///   +---------------+---------------+    +--------+--------+-----------+-----------+
///   |     kind      |     order     |    | on LRU | active |    use    |  migrate  |
///   +---------------+---------------+    +--------+--------+-----------+-----------+
///   kind: Tail 0, Hole 1, Reserved 2,    migrate: the free list of a free head (may be Isolate),
///   Free 3, Alloc 4, Pcp 5               the allocation's migratetype of an allocated head;
///   order: 0..MAX_ORDER of the block     use: PageUse of an allocated head (anon, file, slab, ...);
///                                        active/on LRU: PG_active / PG_lru of an allocated head
/// </code>
/// The pageblock bits (<c>pageblock_flags</c>: a migratetype per pageblock, half a byte each) are separate, in
/// <c>Machine._pageblock</c>.
/// </summary>
internal readonly struct PageState
{
    private const int KindShift = 4;
    private const int OrderMask = 0xF;

    /// <summary>The largest value the order bits hold: kind K's flags bytes are Flags(K, 0)..Flags(K, MaxOrderBits).</summary>
    public const int MaxOrderBits = OrderMask;
    private const int MigrateMask = 0x7;
    private const int UseShift = 3;
    private const int UseMask = 0x7;

    /// <summary>PG_active.</summary>
    public const byte Active = 0x40;

    /// <summary>PG_lru: the head is on one of the node's LRU lists.</summary>
    public const byte OnLru = 0x80;

    /// <summary>The two state bits a migrated page does not keep (it joins the LRU afresh).</summary>
    private const byte LruBits = Active | OnLru;

    public PageState(byte flags, byte info)
    {
        FlagsByte = flags;
        InfoByte = info;
    }

    /// <summary>The flags byte.</summary>
    public byte FlagsByte { get; }

    /// <summary>The info byte.</summary>
    public byte InfoByte { get; }

    /// <summary>The head's kind (<see cref="Machine.KindFree"/>, <see cref="Machine.KindAlloc"/>, ...).</summary>
    public int Kind => KindOf(FlagsByte);

    /// <summary>The block's order.</summary>
    public int Order => OrderOf(FlagsByte);

    /// <summary>The migratetype (free list, or allocation type).</summary>
    public MigrateType MigrateType => MigrateTypeOf(InfoByte);

    /// <summary>What the allocated block is used for.</summary>
    public PageUse Use => UseOf(InfoByte);

    /// <summary>The kind of a flags byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KindOf(byte flags) => flags >> KindShift;

    /// <summary>The order of a flags byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int OrderOf(byte flags) => flags & OrderMask;

    /// <summary>The flags byte of a head of <paramref name="kind"/> and <paramref name="order"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Flags(int kind, int order) => (byte)((kind << KindShift) | order);

    /// <summary>The migratetype of an info byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MigrateType MigrateTypeOf(byte info) => (MigrateType)(info & MigrateMask);

    /// <summary>The use of an info byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PageUse UseOf(byte info) => (PageUse)((info >> UseShift) & UseMask);

    /// <summary>Whether the info byte has PG_active.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsActive(byte info) => (info & Active) != 0;

    /// <summary>Whether the info byte has PG_lru.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsOnLru(byte info) => (info & OnLru) != 0;

    /// <summary>The info byte without PG_active and PG_lru (migratetype and use kept).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte WithoutLru(byte info) => (byte)(info & ~LruBits);
}
