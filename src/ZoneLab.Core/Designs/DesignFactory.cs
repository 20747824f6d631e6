namespace ZoneLab.Designs;

/// <summary>The implementation of each design (the registered instance, <see cref="DesignRegistry"/>).</summary>
public static class DesignFactory
{
    /// <summary>The design object for a kind; every <see cref="DesignKind"/> has one.</summary>
    public static IDesign For(DesignKind kind) => DesignRegistry.For(kind);
}
