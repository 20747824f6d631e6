namespace ZoneLab.Designs;

/// <summary>The implementation of each design.</summary>
public static class DesignFactory
{
    /// <summary>The design object for a kind; every <see cref="DesignKind"/> has one.</summary>
    public static IDesign For(DesignKind kind) => kind switch
    {
        DesignKind.MigrateCma => new MigrateCmaDesign(),
        DesignKind.ZoneCma => new ZoneCmaDesign(),
        DesignKind.CmaInMovable => new CmaInMovableDesign(),
        DesignKind.Dmb => new DmbDesign(),
        DesignKind.Carveout => new CarveoutDesign(),
        DesignKind.Gcma => new GcmaDesign(),
        DesignKind.StickyMovable => new StickyMovableDesign(),
        _ => throw new ZoneLabInputException("--design", $"design '{kind}' is not known"),
    };
}
