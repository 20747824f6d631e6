using System.Diagnostics;

namespace ZoneLab.Designs;

/// <summary>
/// The one registration of every design: to add a design, add its <see cref="DesignKind"/> member, its
/// <see cref="IDesign"/> class (own file) and one line in <see cref="All"/>. A kind without a registration fails loudly
/// (<see cref="UnreachableException"/>), and a test checks that every kind is registered exactly once.
/// </summary>
public static class DesignRegistry
{
    /// <summary>Every design, in report order. Designs are stateless, so one instance serves every run.</summary>
    public static readonly IReadOnlyList<IDesign> All =
    [
        new MigrateCmaDesign(),
        new ZoneCmaDesign(),
        new CmaInMovableDesign(),
        new DmbDesign(),
        new CarveoutDesign(),
        new GcmaDesign(),
        new StickyMovableDesign(),
    ];

    private static readonly Dictionary<DesignKind, IDesign> s_byKind = All.ToDictionary(d => d.Kind);

    /// <summary>The registered design of <paramref name="kind"/>.</summary>
    /// <exception cref="UnreachableException">The kind has no registration in <see cref="All"/>.</exception>
    public static IDesign For(DesignKind kind) =>
        s_byKind.TryGetValue(kind, out IDesign? d) ? d : throw new UnreachableException($"design {kind} is not registered in DesignRegistry.All");
}
