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
