using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace ZoneLab.Workloads;

/// <summary>
/// A YAML mapping of a scenario being validated: knows its key path (<c>phases[0].actors[1]</c>) and the keys it
/// allows, and turns every problem into a <see cref="ZoneLabInputException"/> at the node's line and column.
/// Unknown and duplicate keys are errors; an unknown key close to an allowed one gets a "did you mean".
/// </summary>
internal sealed class ScenarioNode
{
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    public ScenarioNode(YamlNode node, string source, string path, IReadOnlyCollection<string> allowed)
    {
        Source = source;
        Path = path;
        Node = node;
        if (node is not YamlMappingNode map)
        {
            throw Error(node, path, $"expected a mapping of {Join(allowed)}, found {Describe(node)}");
        }

        foreach (KeyValuePair<YamlNode, YamlNode> kv in map.Children)
        {
            if (kv.Key is not YamlScalarNode k || string.IsNullOrEmpty(k.Value))
            {
                throw Error(kv.Key, path, "expected a plain key");
            }

            string name = k.Value;
            if (!allowed.Contains(name))
            {
                string? near = ClosestName(name, allowed);
                string hint = near is null ? "" : $"; did you mean '{near}'?";
                throw Error(k, Child(name), $"unknown key{hint} (allowed here: {Join(allowed)})");
            }

            if (!_entries.TryAdd(name, (k, kv.Value)))
            {
                throw Error(k, Child(name), "duplicate key");
            }
        }
    }

    public string Source { get; }

    public string Path { get; }

    public YamlNode Node { get; }

    public bool Has(string key) => _entries.ContainsKey(key);

    public YamlNode? Get(string key) => _entries.TryGetValue(key, out var e) ? e.Value : null;

    public string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public YamlNode Required(string key)
    {
        if (!_entries.TryGetValue(key, out var e))
        {
            throw Error(Node, Path.Length == 0 ? key : Path, Path.Length == 0 ? $"missing required key '{key}'" : $"missing required key '{key}'");
        }

        return e.Value;
    }

    public string? String(string key) => Get(key) is YamlNode n ? Scalar(n, Child(key)) : null;

    public string RequiredString(string key) => Scalar(Required(key), Child(key));

    public string Scalar(YamlNode n, string path)
    {
        if (n is not YamlScalarNode s)
        {
            throw Error(n, path, $"expected a single value, found {Describe(n)}");
        }

        if (string.IsNullOrWhiteSpace(s.Value))
        {
            throw Error(n, path, "a value is required");
        }

        return s.Value!;
    }

    public double? Quantity(string key, QuantityUnit unit, double min = 0, double max = double.MaxValue, bool minExclusive = false) =>
        Get(key) is YamlNode n ? QuantityOf(n, Child(key), unit, min, max, minExclusive) : null;

    public double QuantityOf(YamlNode n, string path, QuantityUnit unit, double min = 0, double max = double.MaxValue, bool minExclusive = false)
    {
        string text = Scalar(n, path);
        if (!Quantities.TryParse(text, unit, out double v, out string expected))
        {
            throw Error(n, path, $"expected {expected}, found '{text}'");
        }

        if (v < min || v > max || (minExclusive && v == min))
        {
            string range = max == double.MaxValue
                ? (minExclusive ? $"greater than {Quantities.Format(min, unit)}" : $"at least {Quantities.Format(min, unit)}")
                : $"between {Quantities.Format(min, unit)} and {Quantities.Format(max, unit)}";
            throw Error(n, path, $"must be {range}, found '{text}'");
        }

        return v;
    }

    public long? Integer(string key, long min, long max) => Get(key) is YamlNode n ? IntegerOf(n, Child(key), min, max) : null;

    public long IntegerOf(YamlNode n, string path, long min, long max)
    {
        string text = Scalar(n, path);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
        {
            throw Error(n, path, $"expected an integer {min}..{max}, found '{text}'");
        }

        return v;
    }

    public bool? Bool(string key)
    {
        if (Get(key) is not YamlNode n)
        {
            return null;
        }

        string text = Scalar(n, Child(key));
        return text switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(n, Child(key), $"expected true or false, found '{text}'"),
        };
    }

    public string? Choice(string key, IReadOnlyCollection<string> choices)
    {
        if (Get(key) is not YamlNode n)
        {
            return null;
        }

        return ChoiceOf(n, Child(key), choices);
    }

    public string ChoiceOf(YamlNode n, string path, IReadOnlyCollection<string> choices)
    {
        string text = Scalar(n, path);
        if (!choices.Contains(text))
        {
            string? near = ClosestName(text, choices);
            string hint = near is null ? "" : $"; did you mean '{near}'?";
            throw Error(n, path, $"unknown value '{text}'{hint} (one of: {Join(choices)})");
        }

        return text;
    }

    public IReadOnlyList<YamlNode> List(string key, bool allowEmpty = true)
    {
        if (Get(key) is not YamlNode n)
        {
            return [];
        }

        if (n is not YamlSequenceNode seq)
        {
            throw Error(n, Child(key), $"expected a list, found {Describe(n)}");
        }

        if (!allowEmpty && seq.Children.Count == 0)
        {
            throw Error(n, Child(key), "the list is empty");
        }

        return seq.Children.ToList();
    }

    public ScenarioNode? Map(string key, IReadOnlyCollection<string> allowed) =>
        Get(key) is YamlNode n ? new ScenarioNode(n, Source, Child(key), allowed) : null;

    public ZoneLabInputException Error(YamlNode node, string path, string message) =>
        new(Source, (int)node.Start.Line, (int)node.Start.Column, $"{path}: {message}");

    public ZoneLabInputException Error(string key, string message) =>
        Error(Get(key) ?? Node, Child(key), message);

    public static string Describe(YamlNode n) => n switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "something else",
    };

    public static string Join(IEnumerable<string> names) => string.Join(", ", names);

    /// <summary>The allowed name closest to <paramref name="name"/> by edit distance, if close enough to be a typo.</summary>
    public static string? ClosestName(string name, IEnumerable<string> allowed)
    {
        if (name.Length < 3)
        {
            return null;
        }

        // A name that is part of an allowed one ("normal" of "lognormal") is the best hint.
        foreach (string a in allowed)
        {
            if (a.Contains(name, StringComparison.OrdinalIgnoreCase))
            {
                return a;
            }
        }

        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string a in allowed)
        {
            int d = EditDistance(name.ToLowerInvariant(), a.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = a;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, name.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        // Damerau-Levenshtein (optimal string alignment): a swap of two letters is one edit.
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
