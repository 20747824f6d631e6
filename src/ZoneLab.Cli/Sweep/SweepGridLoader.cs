using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using ZoneLab.Workloads;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// Reads a sweep grid file (docs/sweeps.md). Every problem is one line <c>FILE:LINE:COL: key: message</c>
/// (<see cref="ZoneLabInputException"/>, exit 2); every axis value is applied to the scenario once here, so a value
/// the scenario rejects is reported at its own line before anything runs.
/// </summary>
internal static class SweepGridLoader
{
    private static readonly string[] s_keys = ["scenario", "designs", "seeds", "axes", "metrics", "tick"];

    /// <summary>Reads the grid file at <paramref name="path"/>.</summary>
    public static SweepGrid LoadFile(string path)
    {
        string text;
        try
        {
            text = InputFiles.ReadAllText(path, 16L << 20); // a grid is a page of YAML; /dev/zero must not fill memory
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException(path, $"cannot read the grid: {e.Message}");
        }
        return Load(text, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Reads a grid from <paramref name="yaml"/>; <paramref name="source"/> names it in errors, scenario paths are taken from <paramref name="baseDir"/>.</summary>
    public static SweepGrid Load(string yaml, string source, string? baseDir)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ZoneLabInputException(source, (int)Math.Max(1, e.Start.Line), (int)Math.Max(1, e.Start.Column), $"not valid YAML: {StripMark(e.InnerException?.Message ?? e.Message)}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner fails this way on some broken flow collections (found by fuzzing): put the error
            // after the last event that parsed
            var parser = new Parser(new StringReader(yaml));
            Mark last = Mark.Empty;
            try
            {
                while (parser.MoveNext())
                {
                    last = parser.Current!.End;
                }
            }
            catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
            {
                // the same failure; `last` is where parsing stopped
            }
            throw new ZoneLabInputException(source, (int)Math.Max(1, last.Line), (int)Math.Max(1, last.Column), "not valid YAML: the text after here does not parse (an unclosed '{' or '['?)");
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ZoneLabInputException(source, 1, 1, "expected one YAML mapping with scenario, designs, seeds, axes, metrics");
        }

        var entries = new Dictionary<string, (YamlScalarNode Key, YamlNode Value)>(StringComparer.Ordinal);
        foreach (KeyValuePair<YamlNode, YamlNode> kv in root.Children)
        {
            if (kv.Key is not YamlScalarNode { Value: string k } key || !s_keys.Contains(k))
            {
                throw Error(source, kv.Key, (kv.Key as YamlScalarNode)?.Value ?? "?", $"unknown key (allowed: {string.Join(", ", s_keys)})");
            }
            if (!entries.TryAdd(k, (key, kv.Value)))
            {
                throw Error(source, kv.Key, k, "duplicate key");
            }
        }

        if (!entries.TryGetValue("scenario", out var scenarioEntry))
        {
            throw new ZoneLabInputException(source, 1, 1, "scenario: missing: name a built-in scenario or a scenario file");
        }
        string spec = Scalar(source, scenarioEntry.Value, "scenario");
        (string scenarioYaml, string scenarioSource, string? scenarioBase, string defaultName) = ReadScenario(spec, baseDir, source, scenarioEntry.Value);
        Scenario baseScenario;
        try
        {
            baseScenario = ScenarioLoader.Load(scenarioYaml, scenarioSource, scenarioBase, defaultName);
        }
        catch (ZoneLabInputException e)
        {
            throw Error(source, scenarioEntry.Value, "scenario", $"the scenario does not load: {e.Message}");
        }

        IReadOnlyList<string> designs = entries.TryGetValue("designs", out var d) ? Designs(source, d.Value, baseScenario)
            : baseScenario.Variants.Count > 0 ? [.. baseScenario.Variants.Select(v => v.Name)] : baseScenario.Designs;
        IReadOnlyList<long> seeds = entries.TryGetValue("seeds", out var s) ? Seeds(source, s.Value) : [baseScenario.Seed];
        IReadOnlyList<SweepMetric> metrics = entries.TryGetValue("metrics", out var m) ? Metrics(source, m.Value) : SweepMetrics.Headline;
        double tick = 0.1;
        if (entries.TryGetValue("tick", out var t))
        {
            string tt = Scalar(source, t.Value, "tick");
            if (!Quantities.TryParse(tt, QuantityUnit.Seconds, out tick, out _) && !double.TryParse(tt, NumberStyles.Float, CultureInfo.InvariantCulture, out tick) || tick <= 0 || tick > 10)
            {
                throw Error(source, t.Value, "tick", $"expected simulated seconds per step such as 0.1 or 100ms (at most 10 s), found '{tt}'");
            }
        }
        var axes = new List<SweepAxis>();
        if (entries.TryGetValue("axes", out var a))
        {
            if (a.Value is not YamlMappingNode axesMap)
            {
                throw Error(source, a.Value, "axes", "expected a mapping of key path to a list of values (cmdline.cma: [128M, 256M])");
            }
            foreach (KeyValuePair<YamlNode, YamlNode> kv in axesMap.Children)
            {
                string key = Scalar(source, kv.Key, "axes");
                if (axes.Any(x => x.Key == key))
                {
                    throw Error(source, kv.Key, "axes." + key, "duplicate axis");
                }
                axes.Add(Axis(source, key, kv.Key, kv.Value));
            }
        }

        var grid = new SweepGrid
        {
            Source = source,
            ScenarioSpec = spec,
            ScenarioYaml = scenarioYaml,
            ScenarioSource = scenarioSource,
            ScenarioBaseDirectory = scenarioBase,
            ScenarioName = baseScenario.Name,
            Axes = axes,
            Designs = designs,
            Seeds = seeds,
            Metrics = metrics,
            TickSeconds = tick,
        };
        if ((long)grid.Designs.Count * grid.Seeds.Count * axes.Aggregate(1L, (p, x) => p * x.Values.Count) > 10_000_000)
        {
            throw new ZoneLabInputException(source, 1, 1, "axes: more than 10,000,000 points; split the study into several grids");
        }

        // each value alone, so that a value the scenario rejects is reported at its own line
        for (int i = 0; i < axes.Count; i++)
        {
            YamlNode valuesNode = ((YamlMappingNode)entries["axes"].Value).Children.First(kv => ((YamlScalarNode)kv.Key).Value == axes[i].Key).Value;
            for (int k = 0; k < axes[i].Values.Count; k++)
            {
                try
                {
                    SweepScenarios.Build(grid, [(axes[i], axes[i].Values[k])]);
                }
                catch (ZoneLabInputException e)
                {
                    YamlNode at = valuesNode is YamlSequenceNode seq ? seq.Children[k] : valuesNode;
                    throw Error(source, at, $"axes.{axes[i].Key}", $"the value '{axes[i].Values[k]}' is rejected: {e.Detail}");
                }
            }
        }
        return grid;
    }

    /// <summary>The YAML of a scenario spec: a file (relative to the grid first), else a built-in scenario.</summary>
    private static (string Yaml, string Source, string? BaseDir, string DefaultName) ReadScenario(string spec, string? gridDir, string source, YamlNode node)
    {
        foreach (string candidate in gridDir is null || Path.IsPathRooted(spec) ? [spec] : new[] { Path.Combine(gridDir, spec), spec })
        {
            if (File.Exists(candidate))
            {
                try
                {
                    return (InputFiles.ReadAllText(candidate, 16L << 20), candidate, Path.GetDirectoryName(Path.GetFullPath(candidate)), Path.GetFileNameWithoutExtension(candidate));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw Error(source, node, "scenario", $"cannot read '{candidate}': {e.Message}");
                }
            }
        }
        string name = spec.EndsWith(".yaml", StringComparison.Ordinal) ? spec[..^".yaml".Length] : spec;
        using Stream? s = name.Contains('/') ? null : typeof(BuiltInScenarios).Assembly.GetManifestResourceStream("scenarios/" + name + ".yaml");
        if (s == null)
        {
            throw Error(source, node, "scenario", $"'{spec}' is neither a file nor a built-in scenario ({string.Join(", ", BuiltInScenarios.Names)})");
        }
        using var reader = new StreamReader(s);
        return (reader.ReadToEnd(), name + ".yaml", null, name);
    }

    private static List<string> Designs(string source, YamlNode node, Scenario s)
    {
        if (node is YamlScalarNode { Value: "all" })
        {
            return [.. ScenarioDesigns.All];
        }
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            throw Error(source, node, "designs", "expected 'all' or a list of designs or scenario variants");
        }
        var list = new List<string>();
        foreach (YamlNode n in seq.Children)
        {
            string v = Scalar(source, n, "designs");
            bool known = ScenarioDesigns.All.Contains(v) || s.Variants.Any(x => x.Name == v);
            if (!known)
            {
                string variants = s.Variants.Count > 0 ? $"; the scenario's variants: {string.Join(", ", s.Variants.Select(x => x.Name))}" : "";
                throw Error(source, n, "designs", $"'{v}' is not a design ({string.Join(", ", ScenarioDesigns.All)}){variants}");
            }
            if (list.Contains(v))
            {
                throw Error(source, n, "designs", $"'{v}' is listed twice");
            }
            list.Add(v);
        }
        return list;
    }

    private static List<long> Seeds(string source, YamlNode node)
    {
        var list = new List<long>();
        if (node is YamlMappingNode map)
        {
            long from = 1, count = 0;
            foreach (KeyValuePair<YamlNode, YamlNode> kv in map.Children)
            {
                string k = Scalar(source, kv.Key, "seeds");
                string v = Scalar(source, kv.Value, "seeds." + k);
                if (k is not ("from" or "count") || !long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long x))
                {
                    throw Error(source, kv.Key, "seeds." + k, "expected {from: FIRST, count: N} with integers");
                }
                if (k == "from")
                {
                    from = x;
                }
                else
                {
                    count = x;
                }
            }
            if (count < 1 || count > 100_000)
            {
                throw Error(source, node, "seeds.count", "expected a count of 1 to 100000 seeds");
            }
            for (long i = 0; i < count; i++)
            {
                list.Add(from + i);
            }
            return list;
        }
        if (node is YamlScalarNode one && long.TryParse(one.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long single))
        {
            // `seeds: 7` is one seed, as a scenario's own `seed: 7` is
            list.Add(single);
            return list;
        }
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            throw Error(source, node, "seeds", "expected an integer, a list of integers or {from: 1, count: 5}");
        }
        foreach (YamlNode n in seq.Children)
        {
            string v = Scalar(source, n, "seeds");
            if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long x))
            {
                throw Error(source, n, "seeds", $"expected an integer seed, found '{v}'");
            }
            if (list.Contains(x))
            {
                throw Error(source, n, "seeds", $"seed {x} is listed twice");
            }
            list.Add(x);
        }
        return list;
    }

    private static List<SweepMetric> Metrics(string source, YamlNode node)
    {
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            throw Error(source, node, "metrics", "expected a list of metric names");
        }
        var list = new List<SweepMetric>();
        foreach (YamlNode n in seq.Children)
        {
            string v = Scalar(source, n, "metrics");
            SweepMetric m = SweepMetrics.Find(v) ?? throw Error(source, n, "metrics", $"unknown metric '{v}' (known: {SweepMetrics.Known})");
            if (list.Contains(m))
            {
                throw Error(source, n, "metrics", $"'{v}' is listed twice");
            }
            list.Add(m);
        }
        return list;
    }

    private static SweepAxis Axis(string source, string key, YamlNode keyNode, YamlNode node)
    {
        string path = "axes." + key;
        SweepScenarios.CheckKey(key, msg => Error(source, keyNode, path, msg));
        var values = new List<string>();
        if (node is YamlSequenceNode seq && seq.Children.Count > 0)
        {
            foreach (YamlNode n in seq.Children)
            {
                string v = Scalar(source, n, path);
                if (values.Contains(v))
                {
                    throw Error(source, n, path, $"'{v}' is listed twice");
                }
                values.Add(v);
            }
        }
        else if (node is YamlMappingNode map)
        {
            values = SizeRange(source, path, map);
        }
        else
        {
            throw Error(source, node, path, "expected a list of values or a size range {from: 128M, to: 1G, step: 128M}");
        }
        var start = keyNode.Start;
        return new SweepAxis(key, values, (int)start.Line, (int)start.Column);
    }

    private static List<string> SizeRange(string source, string path, YamlMappingNode map)
    {
        var got = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (KeyValuePair<YamlNode, YamlNode> kv in map.Children)
        {
            string k = Scalar(source, kv.Key, path);
            string v = Scalar(source, kv.Value, $"{path}.{k}");
            if (k is not ("from" or "to" or "step"))
            {
                throw Error(source, kv.Key, $"{path}.{k}", "unknown key (allowed: from, to, step)");
            }
            if (!SweepValues.TryBytes(v, out ulong b) || b == 0)
            {
                throw Error(source, kv.Value, $"{path}.{k}", $"expected a size such as 128M or 1G, found '{v}'");
            }
            got[k] = b;
        }
        foreach (string k in new[] { "from", "to", "step" })
        {
            if (!got.ContainsKey(k))
            {
                throw Error(source, map, path, $"a size range needs from, to and step; '{k}' is missing");
            }
        }
        if (got["to"] < got["from"] || (got["to"] - got["from"]) / got["step"] >= 100_000)
        {
            throw Error(source, map, path, "expected from <= to and at most 100000 steps");
        }
        var list = new List<string>();
        for (ulong b = got["from"]; b <= got["to"]; b += got["step"])
        {
            list.Add(SweepValues.Format(b));
        }
        return list;
    }

    private static string Scalar(string source, YamlNode node, string key) =>
        node is YamlScalarNode { Value: string v } && v.Length > 0 ? v : throw Error(source, node, key, "expected a plain value");

    private static ZoneLabInputException Error(string source, YamlNode node, string key, string message) =>
        new(source, (int)Math.Max(1, node.Start.Line), (int)Math.Max(1, node.Start.Column), $"{key}: {message}");

    private static string StripMark(string message)
    {
        int i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && i > 0 ? message[(i + 3)..] : message;
    }
}
