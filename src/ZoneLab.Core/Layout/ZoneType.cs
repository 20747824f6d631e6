namespace ZoneLab.Layout;

/// <summary>
/// Zone types in the kernel's index order (<c>enum zone_type</c>, include/linux/mmzone.h),
/// as configured in Debian's x86-64 and arm64 kernels (DMA, DMA32, NORMAL, MOVABLE, DEVICE; no HIGHMEM).
/// <see cref="Cma"/> exists only in the ZONE_CMA design (Joonsoo Kim's series placed it after MOVABLE).
/// </summary>
public enum ZoneType : byte
{
    Dma = 0,
    Dma32 = 1,
    Normal = 2,
    Movable = 3,
    Device = 4,
    Cma = 5,
}

/// <summary>Names and helpers for <see cref="ZoneType"/>.</summary>
public static class ZoneTypes
{
    /// <summary>Number of zone types the model knows (including the ZONE_CMA design's zone).</summary>
    public const int Count = 6;

    /// <summary>The zone's name as <c>/proc/zoneinfo</c> prints it (<c>zone_names[]</c> in mm/page_alloc.c).</summary>
    public static string Name(ZoneType z) => z switch
    {
        ZoneType.Dma => "DMA",
        ZoneType.Dma32 => "DMA32",
        ZoneType.Normal => "Normal",
        ZoneType.Movable => "Movable",
        ZoneType.Device => "Device",
        ZoneType.Cma => "CMA",
        _ => throw new ArgumentOutOfRangeException(nameof(z)),
    };

    /// <summary>Parses a zone name as printed by the kernel (case-insensitive).</summary>
    public static bool TryParse(string name, out ZoneType zone)
    {
        for (int i = 0; i < Count; i++)
        {
            if (string.Equals(Name((ZoneType)i), name, StringComparison.OrdinalIgnoreCase))
            {
                zone = (ZoneType)i;
                return true;
            }
        }
        zone = default;
        return false;
    }
}
