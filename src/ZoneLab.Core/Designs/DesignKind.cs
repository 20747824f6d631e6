namespace ZoneLab.Designs;

/// <summary>The contiguous-memory designs ZoneLab compares (docs/kernel-facts.md §3, §6, §7, §8).</summary>
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

/// <summary>Names of designs as the command line takes them (from <see cref="DesignRegistry"/>).</summary>
public static class DesignNames
{
    /// <summary>All designs in report order.</summary>
    public static readonly DesignKind[] All = DesignRegistry.All.Select(d => d.Kind).ToArray();

    /// <summary>"migrate-cma", "zone-cma", "cma-in-movable", "dmb", "carveout", "gcma", "sticky-movable".</summary>
    public static string Name(DesignKind d) => DesignRegistry.For(d).Name;

    /// <summary>Parses a design name; throws a one-line input error naming <paramref name="source"/> otherwise.</summary>
    public static DesignKind Parse(string name, string source = "--design")
    {
        foreach (IDesign d in DesignRegistry.All)
        {
            if (string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return d.Kind;
            }
        }
        throw new ZoneLabInputException(source, $"'{name}' is not a design; expected one of {string.Join(", ", All.Select(Name))}");
    }
}
