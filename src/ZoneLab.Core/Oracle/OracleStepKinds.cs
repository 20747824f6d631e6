using YamlDotNet.RepresentationModel;

namespace ZoneLab.Oracle;

/// <summary>
/// The registry of workload step kinds: the one place that knows every kind's name, its keys and how to read it.
/// The guest writer (<see cref="GuestStepScript"/>) and the engine (<see cref="OracleEngineRunner"/>) each switch
/// over the step types and throw on a type that is not handled, so a kind added here and not there fails loudly.
/// </summary>
public static class OracleStepKinds
{
    /// <summary>Every step kind, by name, with the parser of its value.</summary>
    private static readonly Dictionary<string, Func<OracleYaml, YamlNode, string, int, OracleStep>> s_kinds = new(StringComparer.Ordinal)
    {
        ["anon"] = (y, n, p, l) =>
        {
            YamlMappingNode m = y.Map(n, p, ["name", "size", "mlock", "thp", "nothp"]);
            var a = new AnonStep(l, y.Name(m, p), y.Size(m, "size", p, required: true), y.Bool(m, "mlock", p), y.Bool(m, "thp", p), y.Bool(m, "nothp", p));
            return a.Thp && a.NoThp ? throw y.Error(m, $"{p}: thp and nothp exclude each other") : a;
        },
        ["thin"] = (y, n, p, l) =>
        {
            YamlMappingNode m = y.Map(n, p, ["name", "keep"]);
            return new ThinStep(l, y.Name(m, p), (int)y.Count(m, "keep", p, 1, 1 << 20));
        },
        ["free"] = (y, n, p, l) => new FreeStep(l, y.NameScalar(n, p)),
        ["file"] = (y, n, p, l) =>
        {
            YamlMappingNode m = y.Map(n, p, ["name", "size", "on", "dirty"]);
            return new FileStep(l, y.Name(m, p), y.Size(m, "size", p, required: true), y.OnDisk(m, p), y.Bool(m, "dirty", p));
        },
        ["read"] = (y, n, p, l) => new ReadStep(l, y.NameScalar(n, p)),
        ["files"] = (y, n, p, l) =>
        {
            YamlMappingNode m = y.Map(n, p, ["name", "count", "on"]);
            return new FilesStep(l, y.Name(m, p), y.Count(m, "count", p, 1, 10_000_000), y.OnDisk(m, p));
        },
        ["pipes"] = (y, n, p, l) =>
        {
            YamlMappingNode m = y.Map(n, p, ["name", "count"]);
            // RLIMIT_NOFILE's default hard limit (1048576 = NR_OPEN) holds 2 fds per pipe
            return new PipesStep(l, y.Name(m, p), y.Count(m, "count", p, 1, 500_000));
        },
        ["drop_caches"] = (y, n, p, l) => new DropCachesStep(l, (int)y.ScalarCount(n, p, 1, 3)),
        ["compact_memory"] = (y, n, p, l) =>
        {
            y.RequireScalar(n, p, "all");
            return new CompactMemoryStep(l);
        },
        ["hugepages"] = (y, n, p, l) => new HugepagesStep(l, y.ScalarCount(n, p, 0, 1 << 20)),
        ["gigantic"] = (y, n, p, l) =>
        {
            if (n is not YamlMappingNode)
            {
                return new GiganticStep(l, y.ScalarCount(n, p, 0, 1 << 16));
            }
            // {count, size}: another gigantic hstate than the arch's default (arm64 4K: 1G besides 32M)
            YamlMappingNode m = y.Map(n, p, ["count", "size"]);
            return new GiganticStep(l, y.Count(m, "count", p, 0, 1 << 16), y.Size(m, "size", p, required: true));
        },
        ["offline"] = (y, n, p, l) =>
        {
            YamlMappingNode m = y.Map(n, p, ["name", "zone", "block"]);
            return new OfflineStep(l, y.Name(m, p), y.Zone(m, p), (int)y.Count(m, "block", p, -1024, 1024));
        },
        ["online"] = (y, n, p, l) => new OnlineStep(l, y.NameScalar(n, p)),
        ["sleep"] = (y, n, p, l) => new SleepStep(l, y.Seconds(n, p)),
    };

    /// <summary>The names of all step kinds, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_kinds.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Reads one step of kind <paramref name="kind"/>; an unknown kind is bad input naming the known ones.</summary>
    internal static OracleStep Parse(OracleYaml y, string kind, YamlNode value, string path, int line) =>
        s_kinds.TryGetValue(kind, out Func<OracleYaml, YamlNode, string, int, OracleStep>? parse)
            ? parse(y, value, path, line)
            : throw y.Error(value, $"{path}: unknown step '{kind}' (expected one of: {string.Join(", ", Names)})");

    /// <summary>The name of a step's kind.</summary>
    public static string NameOf(OracleStep step) => step switch
    {
        AnonStep => "anon",
        ThinStep => "thin",
        FreeStep => "free",
        FileStep => "file",
        ReadStep => "read",
        FilesStep => "files",
        PipesStep => "pipes",
        DropCachesStep => "drop_caches",
        CompactMemoryStep => "compact_memory",
        HugepagesStep => "hugepages",
        GiganticStep => "gigantic",
        OfflineStep => "offline",
        OnlineStep => "online",
        SleepStep => "sleep",
        _ => throw new InvalidOperationException($"step type {step.GetType().Name} is not registered in OracleStepKinds"),
    };
}
