using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ZoneLab.Tests.Oracle;

namespace ZoneLab.Tests.Registrations;

/// <summary>
/// src/ZoneLab.Core compiled by Roslyn from its source (once per test run), so that tests can ask which symbol each
/// name in a file binds to: the contract tests check what one folder uses of another by meaning, not by text.
/// </summary>
internal static class CoreSource
{
    private static readonly Lazy<(CSharpCompilation Compilation, string Root)> s_core = new(Compile);

    /// <summary>The compilation of every .cs file under src/ZoneLab.Core (obj/ and bin/ left out).</summary>
    public static CSharpCompilation Compilation => s_core.Value.Compilation;

    /// <summary>The absolute path of src/ZoneLab.Core.</summary>
    public static string Root => s_core.Value.Root;

    /// <summary>The top folder of src/ZoneLab.Core a tree's file is in ("Allocator", "Layout", ...), "" for the root.</summary>
    public static string FolderOf(SyntaxTree tree)
    {
        string rel = Path.GetRelativePath(Root, tree.FilePath).Replace('\\', '/');
        int slash = rel.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : rel[..slash];
    }

    /// <summary>The path of a tree's file relative to src/ZoneLab.Core, with '/' separators.</summary>
    public static string RelativePath(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static (CSharpCompilation, string) Compile()
    {
        string? csproj = RepoFiles.Find("src/ZoneLab.Core/ZoneLab.Core.csproj");
        Assert.NotNull(csproj); // the tests run from the repository
        string root = Path.GetDirectoryName(csproj)!;
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = new List<SyntaxTree>();
        foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string rel = RelativePath(file, root);
            if (rel.StartsWith("obj/", StringComparison.Ordinal) || rel.StartsWith("bin/", StringComparison.Ordinal))
            {
                continue;
            }
            trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(file), options, file));
        }

        // the SDK's implicit usings (ImplicitUsings=enable in Directory.Build.props); source generators do not run,
        // which leaves generated members (regexes, JSON contexts) unbound: the tests ask only about ZoneLab's own names
        trees.Add(CSharpSyntaxTree.ParseText(
            "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; "
            + "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;", options, Path.Combine(root, "obj", "ImplicitUsings.g.cs")));

        // the framework the tests run on, and the packages Core uses (loaded beside the test assembly)
        var refs = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => MetadataReference.CreateFromFile(p)).ToList();
        refs.Add(MetadataReference.CreateFromFile(typeof(YamlDotNet.Serialization.Deserializer).Assembly.Location));
        var compilation = CSharpCompilation.Create("ZoneLab.Core.Source", trees, refs,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        return (compilation, root);
    }

    private static string RelativePath(string path, string root) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
