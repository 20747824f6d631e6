using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ZoneLab.Tests.Registrations;

/// <summary>
/// Machine.Internal.cs is the engine's <c>mm/internal.h</c>: every internal member of <c>Machine</c> that code outside
/// src/ZoneLab.Core/Allocator uses is declared there (a partial method or property implemented where it belongs, or
/// a constant). Checked on what each name binds to (Roslyn's semantic model), not on spelling.
/// </summary>
public class EngineContractTests
{
    private const string Header = "Allocator/Machine.Internal.cs";

    [Fact]
    public void OtherFoldersUseOnlyTheInternalHeader()
    {
        var misses = new SortedSet<string>(StringComparer.Ordinal);
        foreach ((string where, ISymbol member) in MachineInternalsUsedOutsideAllocator(CoreSource.Compilation))
        {
            if (!DeclaredIn(member, Header))
            {
                misses.Add($"{CoreSource.RelativePath(where)}: Machine.{member.Name}");
            }
        }
        Assert.True(misses.Count == 0, $"internal Machine members used outside Allocator/ but not declared in {Header}:\n" + string.Join("\n", misses));
    }

    [Fact]
    public void TheCheckSeesUses()
    {
        // the check is not vacuous: the compactor's IsolateFree and the hotplug code's uses are found and bound
        var used = MachineInternalsUsedOutsideAllocator(CoreSource.Compilation).Select(u => (CoreSource.RelativePath(u.Where[..u.Where.IndexOf(':', StringComparison.Ordinal)]), u.Member.Name)).ToHashSet();
        Assert.Contains(("Compaction/Compactor.FreeScanner.cs", "IsolateFree"), used);
        Assert.Contains(used, u => u.Item1.StartsWith("Hotplug/", StringComparison.Ordinal));
    }

    [Fact]
    public void AnUndeclaredUseFails()
    {
        // a file of the compaction folder that calls LruAdd (the engine's own, not in the header) is caught, and a
        // call of the declared OrderAt is not
        string probe = Path.Combine(CoreSource.Root, "Compaction", "Probe.cs");
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(
            "namespace ZoneLab.Compaction; using ZoneLab.Allocator; static class Probe { static void P(Machine m) { m.LruAdd(1, 0, LruList.InactiveAnon); _ = m.OrderAt(1); } }",
            (Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)CoreSource.Compilation.SyntaxTrees[0].Options, probe);
        var found = MachineInternalsUsedOutsideAllocator(CoreSource.Compilation.AddSyntaxTrees(tree))
            .Where(u => u.Where.StartsWith(probe, StringComparison.Ordinal)).ToList();
        Assert.Equal(["LruAdd", "OrderAt"], found.Select(u => u.Member.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["LruAdd"], found.Where(u => !DeclaredIn(u.Member, Header)).Select(u => u.Member.Name));
    }

    internal static IEnumerable<(string Where, ISymbol Member)> MachineInternalsUsedOutsideAllocator(Compilation compilation)
    {
        INamedTypeSymbol? machine = compilation.GetTypeByMetadataName("ZoneLab.Allocator.Machine");
        Assert.NotNull(machine);
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            if (CoreSource.FolderOf(tree) is "Allocator" or "obj")
            {
                continue;
            }
            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (SimpleNameSyntax name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                ISymbol? s = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                if (s == null || !SymbolEqualityComparer.Default.Equals(s.ContainingType?.OriginalDefinition, machine) || s is IMethodSymbol { MethodKind: MethodKind.Constructor })
                {
                    continue;
                }
                if (s.DeclaredAccessibility is Accessibility.Internal or Accessibility.ProtectedOrInternal or Accessibility.ProtectedAndInternal or Accessibility.Private)
                {
                    yield return ($"{tree.FilePath}:{name.GetLocation().GetLineSpan().StartLinePosition.Line + 1}", s);
                }
            }
        }
    }

    private static bool DeclaredIn(ISymbol s, string relativePath)
    {
        IEnumerable<Location> locations = s.Locations;
        if (s is IMethodSymbol m)
        {
            locations = locations.Concat(m.PartialDefinitionPart?.Locations ?? []).Concat(m.PartialImplementationPart?.Locations ?? []);
        }
        if (s is IPropertySymbol p)
        {
            locations = locations.Concat(p.PartialDefinitionPart?.Locations ?? []).Concat(p.PartialImplementationPart?.Locations ?? []);
        }
        return locations.Any(l => l.IsInSource && CoreSource.RelativePath(l.SourceTree!.FilePath) == relativePath);
    }
}
