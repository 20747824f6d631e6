namespace ZoneLab.Designs;

/// <summary>The contiguous-memory designs ZoneLab compares (kernel-semantics.md §3, §6, §7, §8).</summary>
public enum DesignKind
{
    /// <summary>Mainline MIGRATE_CMA pageblocks inside ordinary zones (behaviour by kernel version).</summary>
    MigrateCma,

    /// <summary>Joonsoo Kim's ZONE_CMA v7 (2017): a separate zone after ZONE_MOVABLE.</summary>
    ZoneCma,

    /// <summary>The 4.17-rc1 variant: CMA pages in ZONE_MOVABLE, pageblocks stay MIGRATE_CMA.</summary>
    CmaInMovable,

    /// <summary>Doug Berger's Designated Movable Blocks (v3/v4): CMA pools inside DMBs of ZONE_MOVABLE.</summary>
    Dmb,

    /// <summary>The same regions reserved no-map: device memory the kernel never uses.</summary>
    Carveout,

    /// <summary>Guaranteed CMA: the area only holds discardable clean page cache; allocation never migrates.</summary>
    Gcma,

    /// <summary>Designated pageblocks that stay MIGRATE_MOVABLE in the ordinary zones (Berger's alternative to DMBs).</summary>
    StickyMovable,
}

/// <summary>Names of designs as the command line takes them.</summary>
public static class DesignNames
{
    /// <summary>All designs in report order.</summary>
    public static readonly DesignKind[] All =
    {
        DesignKind.MigrateCma, DesignKind.ZoneCma, DesignKind.CmaInMovable, DesignKind.Dmb, DesignKind.Carveout, DesignKind.Gcma, DesignKind.StickyMovable,
    };

    /// <summary>"migrate-cma", "zone-cma", "cma-in-movable", "dmb", "carveout", "gcma", "sticky-movable".</summary>
    public static string Name(DesignKind d) => d switch
    {
        DesignKind.MigrateCma => "migrate-cma",
        DesignKind.ZoneCma => "zone-cma",
        DesignKind.CmaInMovable => "cma-in-movable",
        DesignKind.Dmb => "dmb",
        DesignKind.Carveout => "carveout",
        DesignKind.Gcma => "gcma",
        DesignKind.StickyMovable => "sticky-movable",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>Parses a design name; throws a one-line input error naming <paramref name="source"/> otherwise.</summary>
    public static DesignKind Parse(string name, string source = "--design")
    {
        foreach (DesignKind d in All)
        {
            if (string.Equals(Name(d), name, StringComparison.OrdinalIgnoreCase))
            {
                return d;
            }
        }
        throw new ZoneLabInputException(source, $"'{name}' is not a design; expected one of {string.Join(", ", All.Select(Name))}");
    }
}
