using System.Globalization;
using YamlDotNet.RepresentationModel;
using ZoneLab.Layout;

namespace ZoneLab.Oracle;

/// <summary>Checked reads of a workload file's YAML nodes: every error names the file, line, column and key path.</summary>
internal sealed class OracleYaml(string source)
{
    private static readonly string[] s_zones = ["DMA", "DMA32", "Normal", "Movable"];

    public ZoneLabInputException Error(YamlNode node, string message) =>
        new(source, (int)Math.Max(1, node.Start.Line), (int)Math.Max(1, node.Start.Column), message);

    public YamlMappingNode Map(YamlNode node, string path, string[] keys)
    {
        if (node is not YamlMappingNode m)
        {
            throw Error(node, $"{path}: expected a mapping with keys {string.Join(", ", keys)}");
        }
        foreach (YamlNode k in m.Children.Keys)
        {
            string key = ((YamlScalarNode)k).Value ?? string.Empty;
            if (Array.IndexOf(keys, key) < 0)
            {
                throw Error(k, $"{path}: unknown key '{key}' (expected one of: {string.Join(", ", keys)})");
            }
        }
        return m;
    }

    public string Scalar(YamlNode node, string path)
    {
        if (node is not YamlScalarNode { Value: { Length: > 0 } v })
        {
            throw Error(node, $"{path}: expected a value");
        }
        return v;
    }

    public YamlNode? Get(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? v) ? v : null;

    public string Name(YamlMappingNode m, string path) =>
        Get(m, "name") is YamlNode n ? NameScalar(n, path + ".name") : throw Error(m, $"{path}: 'name' is required");

    public string NameScalar(YamlNode node, string path)
    {
        string v = Scalar(node, path);
        if (v.Length > 60 || !v.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw Error(node, $"{path}: a name is 1-60 letters, digits, '_' or '-', not '{v}'");
        }
        return v;
    }

    public ulong Size(YamlMappingNode m, string key, string path, bool required)
    {
        if (Get(m, key) is not YamlNode n)
        {
            return required ? throw Error(m, $"{path}: '{key}' is required") : 0UL;
        }
        string v = Scalar(n, $"{path}.{key}");
        if (!KernelNumber.TryParseSize(v, out ulong bytes) || bytes == 0 || bytes % 4096 != 0 || bytes > (1UL << 44))
        {
            throw Error(n, $"{path}.{key}: expected a size in whole 4 KiB pages up to 16T (e.g. 64M), not '{v}'");
        }
        return bytes;
    }

    public bool Bool(YamlMappingNode m, string key, string path)
    {
        if (Get(m, key) is not YamlNode n)
        {
            return false;
        }
        return Scalar(n, $"{path}.{key}") switch
        {
            "true" => true,
            "false" => false,
            string v => throw Error(n, $"{path}.{key}: expected true or false, not '{v}'"),
        };
    }

    public bool OnDisk(YamlMappingNode m, string path)
    {
        if (Get(m, "on") is not YamlNode n)
        {
            return false;
        }
        return Scalar(n, path + ".on") switch
        {
            "disk" => true,
            "tmpfs" => false,
            string v => throw Error(n, $"{path}.on: expected disk or tmpfs, not '{v}'"),
        };
    }

    public string Zone(YamlMappingNode m, string path)
    {
        YamlNode n = Get(m, "zone") ?? throw Error(m, $"{path}: 'zone' is required");
        string v = Scalar(n, path + ".zone");
        return Array.IndexOf(s_zones, v) >= 0 ? v : throw Error(n, $"{path}.zone: expected one of {string.Join(", ", s_zones)}, not '{v}'");
    }

    public long Count(YamlMappingNode m, string key, string path, long min, long max)
    {
        YamlNode n = Get(m, key) ?? throw Error(m, $"{path}: '{key}' is required");
        return ScalarCount(n, $"{path}.{key}", min, max);
    }

    public long ScalarCount(YamlNode n, string path, long min, long max)
    {
        string v = Scalar(n, path);
        if (!long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long x) || x < min || x > max)
        {
            throw Error(n, $"{path}: expected a whole number from {min} to {max}, not '{v}'");
        }
        return x;
    }

    public void RequireScalar(YamlNode n, string path, string expected)
    {
        string v = Scalar(n, path);
        if (v != expected)
        {
            throw Error(n, $"{path}: expected '{expected}', not '{v}'");
        }
    }

    /// <summary>A duration: <c>2s</c>, <c>500ms</c> (0 to 600 s).</summary>
    public double Seconds(YamlNode n, string path)
    {
        string v = Scalar(n, path);
        double scale = v.EndsWith("ms", StringComparison.Ordinal) ? 1e-3 : v.EndsWith('s') ? 1 : double.NaN;
        string num = v.EndsWith("ms", StringComparison.Ordinal) ? v[..^2] : v.EndsWith('s') ? v[..^1] : v;
        if (double.IsNaN(scale) || !double.TryParse(num, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double x)
            || x * scale > 600)
        {
            throw Error(n, $"{path}: expected a duration such as 2s or 500ms (at most 600s), not '{v}'");
        }
        return x * scale;
    }
}
