namespace ZoneLab.Designs;

/// <summary>The implementation of each design.</summary>
public static class DesignFactory
{
    /// <summary>The design object for a kind; throws a one-line input error for designs not implemented yet.</summary>
    public static IDesign For(DesignKind kind) => kind switch
    {
        DesignKind.MigrateCma => new MigrateCmaDesign(),
        DesignKind.Carveout => new CarveoutDesign(),
        _ => throw new ZoneLabInputException("--design", $"design '{DesignNames.Name(kind)}' has no engine model yet; available: migrate-cma, carveout"),
    };
}
