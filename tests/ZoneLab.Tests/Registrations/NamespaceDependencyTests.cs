using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZoneLab.Tests.Oracle;

namespace ZoneLab.Tests.Registrations;

/// <summary>
/// Dependencies between the model's folders point one way (docs/architecture.md): Layout → Allocator → (Compaction,
/// Contiguous, Hotplug, Procfs) → (Reclaim, Explain) → Designs → Workloads → (Metrics, Oracle) → CLI. A folder may use
/// only folders of a lower level. Checked on meaning, not spelling: every name in every file of src/ZoneLab.Core is
/// bound by Roslyn (<see cref="CoreSource"/>) and the namespace of the symbol it names decides the edge, so a name
/// relative to the current namespace (<c>Procfs.ZoneinfoReader</c> inside ZoneLab.Layout), an alias, <c>global::</c>
/// and a fully-qualified name are all seen, as is a member reached through a type of another folder.
/// </summary>
public class NamespaceDependencyTests
{
    private static readonly Dictionary<string, int> s_level = new()
    {
        ["Layout"] = 0,      // boot layout: e820/device tree, memblock, zones, CMA declaration (mm/mm_init.c, mm/cma.c)
        ["Allocator"] = 1,   // the engine: buddy, pcp, watermarks, LRU, vmstat (mm/page_alloc.c, mm/vmstat.c)
        ["Compaction"] = 2,  // mm/compaction.c
        ["Contiguous"] = 2,  // cma_alloc / alloc_contig_range at run time (mm/cma.c, mm/page_alloc.c)
        ["Hotplug"] = 2,     // mm/memory_hotplug.c
        ["Procfs"] = 2,      // /proc and debugfs text: writers read the engine, readers give plain values
        ["Reclaim"] = 3,     // mm/vmscan.c: calls compaction (compaction_suitable, wakeup_kcompactd), never the reverse
        ["Explain"] = 3,     // __zone_watermark_ok replayed on the numbers of a real allocation-failure report
        ["Designs"] = 4,
        ["Workloads"] = 5,   // scenarios and the simulation; it reports through ISimulationRecorder, which Metrics implements
        ["Metrics"] = 6,
        ["Oracle"] = 6,
    };

    [Fact]
    public void FoldersUseOnlyLowerFolders()
    {
        List<string> wrong = WrongWayUses(CoreSource.Compilation);
        Assert.True(wrong.Count == 0, "uses of a folder at the same or a higher level:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void EveryFileDeclaresItsFoldersNamespace()
    {
        // the edges are computed from namespaces, so a file must not leave its folder's namespace (Layout/X86 and
        // Layout/Cma declare ZoneLab.Layout, Workloads/Trace ZoneLab.Workloads.Trace: both fine)
        var misplaced = new List<string>();
        foreach (SyntaxTree tree in CoreSource.Compilation.SyntaxTrees)
        {
            string folder = CoreSource.FolderOf(tree);
            if (!s_level.ContainsKey(folder))
            {
                continue;
            }
            foreach (BaseNamespaceDeclarationSyntax ns in tree.GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
            {
                if (TopNamespace(ns.Name.ToString()) != folder)
                {
                    misplaced.Add($"{CoreSource.RelativePath(tree.FilePath)}: namespace {ns.Name}");
                }
            }
        }
        Assert.Empty(misplaced);
    }

    [Fact]
    public void EveryFolderHasALevel()
    {
        string? csproj = RepoFiles.Find("src/ZoneLab.Core/ZoneLab.Core.csproj");
        Assert.NotNull(csproj);
        string[] folders = Directory.GetDirectories(Path.GetDirectoryName(csproj)!)
            .Select(Path.GetFileName).Where(n => n is not ("obj" or "bin")).Select(n => n!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(folders, s_level.Keys.Order(StringComparer.Ordinal)); // a new folder must be placed in the order
    }

    [Fact]
    public void PlantedViolationsFail()
    {
        // probe files, one per way of naming another folder, each must give its edge; the fifth uses only lower folders
        (string Folder, string Source, string Edge)[] probes =
        [
            ("Layout", "namespace ZoneLab.Layout; static class P1 { static object F() => Procfs.ZoneinfoReader.ManagedCounts(\"z\"); }", "Layout -> Procfs"),
            ("Allocator", "using R = ZoneLab.Metrics.DesignReport; namespace ZoneLab.Allocator; static class P2 { static R? F() => null; }", "Allocator -> Metrics"),
            ("Designs", "namespace ZoneLab.Designs; static class P3 { static global::ZoneLab.Workloads.Scenario? F() => null; }", "Designs -> Workloads"),
            ("Compaction", "namespace ZoneLab.Compaction; static class P4 { static double F() => ZoneLab.Metrics.BandwidthModel.Balance([]); }", "Compaction -> Metrics"),
            ("Workloads", "using ZoneLab.Procfs; namespace ZoneLab.Workloads; static class P5 { static object F() => new ZoneLab.Layout.LayoutBuilder().WithZoneinfo(\"z\"); }", ""), // lower folders only
            ("Hotplug", "namespace ZoneLab.Hotplug; static class P6 { static int F(ZoneLab.Oracle.OracleRecording r) => r.GetHashCode(); }", "Hotplug -> Oracle"),
        ];
        var options = (CSharpParseOptions)CoreSource.Compilation.SyntaxTrees[0].Options;
        Compilation c = CoreSource.Compilation;
        foreach ((string folder, string source, string _) in probes)
        {
            c = c.AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, options, Path.Combine(CoreSource.Root, folder, "Probe" + folder + ".cs")));
        }
        List<string> wrong = WrongWayUses(c);
        Assert.All(wrong, w => Assert.Contains("/Probe", w, StringComparison.Ordinal)); // the tree itself has none
        string[] expected = probes.Select(p => p.Edge).Where(e => e.Length > 0).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, wrong.Select(w => w[(w.IndexOf(": ", StringComparison.Ordinal) + 2)..w.IndexOf(" (", StringComparison.Ordinal)]).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Every use of a folder at the same or a higher level, as "file:line: From -> To (symbol)". A name counts when
    /// it binds to a namespace, type or member of ZoneLab.X (X another folder); names that do not bind (generated
    /// members, the source generators do not run here) are skipped.
    /// </summary>
    internal static List<string> WrongWayUses(Compilation compilation)
    {
        var wrong = new List<string>();
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            string from = CoreSource.FolderOf(tree);
            if (!s_level.TryGetValue(from, out int fromLevel))
            {
                continue;
            }
            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (SimpleNameSyntax name in tree.GetRoot().DescendantNodes(descendIntoTrivia: true).OfType<SimpleNameSyntax>())
            {
                SymbolInfo info = model.GetSymbolInfo(name);
                ISymbol? s = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                INamespaceSymbol? ns = s as INamespaceSymbol ?? s?.ContainingNamespace;
                if (ns == null)
                {
                    continue;
                }
                string to = TopNamespace(ns.ToDisplayString());
                if (to != from && s_level.TryGetValue(to, out int toLevel) && toLevel >= fromLevel)
                {
                    int line = name.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    wrong.Add($"{CoreSource.RelativePath(tree.FilePath)}:{line}: {from} -> {to} ({s!.ToDisplayString()})");
                }
            }
        }
        return wrong;
    }

    // "ZoneLab.Layout.Arm64" -> "Layout"; "" for anything outside ZoneLab
    private static string TopNamespace(string ns)
    {
        if (!ns.StartsWith("ZoneLab.", StringComparison.Ordinal))
        {
            return "";
        }
        string rest = ns["ZoneLab.".Length..];
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }
}
