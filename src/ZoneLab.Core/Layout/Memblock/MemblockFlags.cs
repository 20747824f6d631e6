namespace ZoneLab.Layout.Memblock;

/// <summary><c>enum memblock_flags</c> (include/linux/memblock.h, 6.1).</summary>
[Flags]
public enum MemblockFlags
{
    /// <summary>MEMBLOCK_NONE.</summary>
    None = 0,

    /// <summary>MEMBLOCK_HOTPLUG: hotpluggable region (SRAT, DT <c>hotpluggable</c>).</summary>
    Hotplug = 0x1,

    /// <summary>MEMBLOCK_MIRROR: mirrored region.</summary>
    Mirror = 0x2,

    /// <summary>MEMBLOCK_NOMAP: not added to the kernel direct mapping (reserved-memory <c>no-map</c>).</summary>
    NoMap = 0x4,

    /// <summary>MEMBLOCK_DRIVER_MANAGED: always detected via a driver.</summary>
    DriverManaged = 0x8,
}

/// <summary>One <c>struct memblock_region</c>: bytes <c>[Base, Base + Size)</c>, flags and node.</summary>
public readonly record struct MemblockRange(ulong Base, ulong Size, MemblockFlags Flags, int Nid)
{
    /// <summary>End of the region (exclusive).</summary>
    public ulong End => Base + Size;

    /// <summary>True when <see cref="MemblockFlags.NoMap"/> is set.</summary>
    public bool IsNoMap => (Flags & MemblockFlags.NoMap) != 0;

    public override string ToString() => $"[0x{Base:x}-0x{End - 1:x}]{(Flags != 0 ? " " + Flags : string.Empty)}";
}
