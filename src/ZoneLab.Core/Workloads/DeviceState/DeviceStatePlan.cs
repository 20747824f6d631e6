using ZoneLab.Allocator;

namespace ZoneLab.Workloads.DeviceState;

/// <summary>One free buddy block of a plan: first pfn, order and the free list (migratetype) it is on.</summary>
/// <param name="Pfn">First pfn.</param>
/// <param name="Order">Buddy order.</param>
/// <param name="Migratetype">The free list it is on (not always its pageblock's type, as in the kernel).</param>
public readonly record struct PlannedFreeBlock(ulong Pfn, byte Order, MigrateType Migratetype);

/// <summary>
/// A device's state at page granularity, worked out by <see cref="DeviceStatePlanner"/> on the device's own design:
/// the pageblock types, the free blocks with their free lists, and for every used page what it is used for. Applied to
/// any design's machine by <see cref="DeviceStateSeeder"/>. Immutable once built; shared across parallel runs.
/// </summary>
public sealed class DeviceStatePlan
{
    internal const byte StateNone = 0;
    internal const byte StateFree = 1;
    internal const byte StateUsed = 2;
    internal const byte NoType = 0xFF;

    internal DeviceStatePlan(ulong basePfn, byte[] state, byte[] use, byte[] pageblockType, PlannedFreeBlock[] free, IReadOnlyList<string> warnings)
    {
        BasePfn = basePfn;
        State = state;
        Use = use;
        PageblockType = pageblockType;
        FreeBlocks = free;
        Warnings = warnings;
    }

    /// <summary>First pfn of <see cref="State"/>.</summary>
    public ulong BasePfn { get; }

    /// <summary>Per pfn from <see cref="BasePfn"/>: none (not managed), free, or used.</summary>
    internal byte[] State { get; }

    /// <summary>Per used pfn: <see cref="PageUse"/> in bits 0-2, active (LRU) in bit 3, <see cref="KernelPageStat"/> + 1 in bits 4-6.</summary>
    internal byte[] Use { get; }

    /// <summary>Per pageblock from <see cref="BasePfn"/>: the migratetype to set, or <see cref="NoType"/> to keep the boot type.</summary>
    internal byte[] PageblockType { get; }

    /// <summary>The free blocks, in the order they are given to the buddy allocator.</summary>
    public IReadOnlyList<PlannedFreeBlock> FreeBlocks { get; }

    /// <summary>What could only be approximated (counters read at different moments, clamped), one line each.</summary>
    public IReadOnlyList<string> Warnings { get; }

    internal static byte EncodeUse(PageUse use, bool active, KernelPageStat? stat)
        => (byte)((int)use | (active ? 8 : 0) | ((stat is KernelPageStat s ? (int)s + 1 : 0) << 4));

    internal static (PageUse Use, bool Active, KernelPageStat? Stat) DecodeUse(byte b)
        => ((PageUse)(b & 7), (b & 8) != 0, (b >> 4) == 0 ? null : (KernelPageStat)((b >> 4) - 1));
}
