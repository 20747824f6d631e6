using System.Reflection;
using ZoneLab.Workloads;

namespace ZoneLab.Cli;

/// <summary>The scenarios of <c>scenarios/</c>, embedded in the tool so that they work from any directory.</summary>
internal static class BuiltInScenarios
{
    /// <summary>The scenario <c>zonelab compare</c> runs without an argument.</summary>
    public const string Default = "android-camera";

    private const string Prefix = "scenarios/";

    /// <summary>Names of the built-in scenarios, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(BuiltInScenarios).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^".yaml".Length]).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// A file path, or the name of a built-in scenario (with or without <c>.yaml</c>); an existing file wins. Errors
    /// (bad YAML, unknown names) are one-line <see cref="ZoneLabInputException"/>s.
    /// </summary>
    /// <param name="spec">The argument, or null for <see cref="Default"/>.</param>
    /// <param name="baseDir">The folder relative machine files are resolved against (null for built-ins).</param>
    public static Scenario Resolve(string? spec, out string? baseDir)
    {
        spec ??= Default;
        if (File.Exists(spec))
        {
            baseDir = Path.GetDirectoryName(Path.GetFullPath(spec));
            return ScenarioLoader.LoadFile(spec);
        }
        baseDir = null;
        string name = spec.EndsWith(".yaml", StringComparison.Ordinal) ? spec[..^".yaml".Length] : spec;
        using Stream? s = typeof(BuiltInScenarios).Assembly.GetManifestResourceStream(Prefix + name + ".yaml");
        if (s == null || name.Contains('/'))
        {
            throw new ZoneLabInputException("SCENARIO", $"'{spec}' is neither a file nor a built-in scenario ({string.Join(", ", Names)})");
        }
        using var reader = new StreamReader(s);
        return ScenarioLoader.Load(reader.ReadToEnd(), name + ".yaml", null, name);
    }
}
