using System.Text.RegularExpressions;
using ZoneLab.Tests.Oracle;

namespace ZoneLab.Tests.Registrations;

/// <summary>
/// Dependencies between the model's folders point one way (docs/architecture.md): Layout → Allocator → (Compaction,
/// Reclaim, Contiguous, Hotplug) → Procfs → Designs → Workloads → Metrics → CLI. A folder may use only folders of a
/// lower level. The edges that still point the wrong way are listed in <see cref="s_knownViolations"/>: a new one fails
/// the test, and so does a listed one that has been removed (so the list only shrinks).
/// </summary>
public partial class NamespaceDependencyTests
{
    private static readonly Dictionary<string, int> s_level = new()
    {
        ["Layout"] = 0,
        ["Allocator"] = 1,
        ["Compaction"] = 2,
        ["Reclaim"] = 2,
        ["Contiguous"] = 2,
        ["Hotplug"] = 2,
        ["Procfs"] = 3,
        ["Designs"] = 4,
        ["Workloads"] = 5,
        ["Metrics"] = 6,
    };

    // from -> to edges that still break the order, each to be removed by moving the type named
    private static readonly HashSet<string> s_knownViolations =
    [
        "Layout -> Contiguous",   // the CMA declaration (cma_declare_contiguous_nid) is boot layout code kept in Contiguous/
        "Allocator -> Hotplug",   // OnlineType used by Machine.Hotplug
        "Allocator -> Procfs",    // BootWatermarkReplay and LayoutWatermarks read zoneinfo text
        "Compaction -> Metrics",  // FragmentationIndex (vmstat code) still in Metrics/
        "Compaction -> Reclaim",  // compaction and reclaim call each other (should_continue_reclaim)
        "Reclaim -> Compaction",
        "Procfs -> Metrics",      // ExtfragWriter uses FragmentationIndex
        "Workloads -> Metrics",   // the simulation feeds MetricsCollector
    ];

    [GeneratedRegex(@"(?:using\s+ZoneLab\.([A-Z][A-Za-z]+)\s*;|\bZoneLab\.([A-Z][A-Za-z]+)\.)")]
    private static partial Regex Reference();

    [Fact]
    public void FoldersUseOnlyLowerFolders()
    {
        string? csproj = RepoFiles.Find("src/ZoneLab.Core/ZoneLab.Core.csproj");
        Assert.NotNull(csproj); // the tests run from the repository
        string core = Path.GetDirectoryName(csproj)!;
        var edges = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string folder in s_level.Keys)
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(core, folder), "*.cs", SearchOption.AllDirectories))
            {
                foreach (Match m in Reference().Matches(File.ReadAllText(file)))
                {
                    string to = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                    if (to != folder && s_level.TryGetValue(to, out int toLevel) && toLevel >= s_level[folder])
                    {
                        edges.Add($"{folder} -> {to}");
                    }
                }
            }
        }
        Assert.Empty(edges.Except(s_knownViolations));
        Assert.Empty(s_knownViolations.Except(edges));
    }
}
