using System.Text;
using YamlDotNet.RepresentationModel;
using ZoneLab.Workloads;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// Applies axis values to a grid's scenario. An axis key is one of:
/// <list type="bullet">
/// <item><c>kernel</c>: the kernel behaviour version (<c>4.10</c>, <c>6.1</c>, <c>6.12</c>);</item>
/// <item><c>cmdline.NAME</c>: the kernel command-line parameter NAME (<c>cmdline.cma</c>, <c>cmdline.movablecore</c>
/// with <c>SIZE@BASE</c> lists): every <c>NAME=</c> in the machine's and the variants' command lines is replaced by
/// <c>NAME=VALUE</c> on the machine's (the value <c>none</c> removes it);</item>
/// <item><c>actors.NAME.KEY...</c>: KEY of every actor called NAME, in every phase;</item>
/// <item>any other scenario key path: mapping keys separated by dots, <c>[i]</c> to index a list, or a list item's
/// <c>name</c> (<c>phases.camera.duration</c>, <c>machine.mem</c>, <c>variants.dmb-300M-each.cmdline</c>).</item>
/// </list>
/// The scenario loader then checks the result as it checks a file, so the sweep accepts exactly what a scenario may say.
/// </summary>
internal static class SweepScenarios
{
    /// <summary>Checks an axis key's syntax; <paramref name="error"/> builds the exception for a message.</summary>
    public static void CheckKey(string key, Func<string, Exception> error)
    {
        if (key == "kernel")
        {
            return;
        }
        if (key.StartsWith("cmdline.", StringComparison.Ordinal))
        {
            string p = key["cmdline.".Length..];
            if (p.Length == 0 || p.Any(c => char.IsWhiteSpace(c) || c == '='))
            {
                throw error("expected cmdline.PARAMETER, e.g. cmdline.cma or cmdline.movablecore");
            }
            return;
        }
        foreach (string seg in key.Split('.'))
        {
            if (seg.Length == 0 || seg.StartsWith('['))
            {
                throw error("expected a key path such as machine.mem, actors.camera.size or phases[1].duration");
            }
        }
    }

    /// <summary>The scenario with <paramref name="values"/> applied, validated by <see cref="ScenarioLoader"/>.</summary>
    public static Scenario Build(SweepGrid grid, IReadOnlyList<(SweepAxis Axis, string Value)> values)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(grid.ScenarioYaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        foreach ((SweepAxis axis, string value) in values)
        {
            Apply(root, axis.Key, value);
        }
        var sb = new StringBuilder();
        using (var w = new StringWriter(sb))
        {
            stream.Save(w, assignAnchors: false);
        }
        string defaultName = Path.GetFileNameWithoutExtension(grid.ScenarioSource);
        return ScenarioLoader.Load(sb.ToString(), grid.ScenarioSource, grid.ScenarioBaseDirectory, defaultName)
            with
        { SourcePath = grid.ScenarioBaseDirectory is null ? null : grid.ScenarioSource };
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> in the scenario document.</summary>
    public static void Apply(YamlMappingNode root, string key, string value)
    {
        if (key.StartsWith("cmdline.", StringComparison.Ordinal))
        {
            SetCmdline(root, key["cmdline.".Length..], value);
            return;
        }
        string[] segs = key.Split('.');
        int n;
        if (segs.Length >= 3 && segs[0] == "actors")
        {
            n = 0;
            foreach (YamlNode phase in Seq(root, "phases"))
            {
                if (phase is YamlMappingNode pm)
                {
                    foreach (YamlNode actor in Seq(pm, "actors"))
                    {
                        if (actor is YamlMappingNode am && Name(am) == segs[1])
                        {
                            n += Set(am, segs, 2, value);
                        }
                    }
                }
            }
            if (n == 0)
            {
                throw new ZoneLabInputException(key, $"no actor is called '{segs[1]}' in any phase");
            }
            return;
        }
        n = Set(root, segs, 0, value);
        if (n == 0)
        {
            throw new ZoneLabInputException(key, "the scenario has no such key path");
        }
    }

    private static IEnumerable<YamlNode> Seq(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? v) && v is YamlSequenceNode s ? s.Children : [];

    private static string? Name(YamlMappingNode m) =>
        m.Children.TryGetValue(new YamlScalarNode("name"), out YamlNode? v) && v is YamlScalarNode s ? s.Value : null;

    /// <summary>Sets the path <paramref name="segs"/>[<paramref name="i"/>..] under <paramref name="node"/>; the number of places set.</summary>
    private static int Set(YamlNode node, string[] segs, int i, string value)
    {
        string seg = segs[i];
        int? index = null;
        int br = seg.IndexOf('[');
        if (br > 0 && seg.EndsWith(']') && int.TryParse(seg[(br + 1)..^1], out int ix))
        {
            index = ix;
            seg = seg[..br];
        }
        bool last = i == segs.Length - 1 && index is null;
        if (node is YamlMappingNode map)
        {
            var k = new YamlScalarNode(seg);
            if (!map.Children.TryGetValue(k, out YamlNode? child))
            {
                if (index is not null)
                {
                    return 0;
                }
                if (!last)
                {
                    // a mapping the scenario leaves out (machine.contig_costs): the loader checks the key it gets
                    // as it checks one written in the file
                    var inner = new YamlMappingNode();
                    map.Children.Add(k, inner);
                    return Set(inner, segs, i + 1, value);
                }
                map.Children.Add(k, new YamlScalarNode(value));
                return 1;
            }
            if (index is int at)
            {
                if (child is not YamlSequenceNode seq || at < 0 || at >= seq.Children.Count)
                {
                    return 0;
                }
                if (i == segs.Length - 1)
                {
                    seq.Children[at] = new YamlScalarNode(value);
                    return 1;
                }
                return Set(seq.Children[at], segs, i + 1, value);
            }
            if (last)
            {
                map.Children[k] = new YamlScalarNode(value);
                return 1;
            }
            return Set(child, segs, i + 1, value);
        }
        if (node is YamlSequenceNode list)
        {
            // a list item by its name: phases.camera, variants.dmb-300M-each
            int n = 0;
            foreach (YamlNode item in list.Children)
            {
                if (item is YamlMappingNode im && Name(im) == seg && i < segs.Length - 1)
                {
                    n += Set(im, segs, i + 1, value);
                }
            }
            return n;
        }
        return 0;
    }

    private static void SetCmdline(YamlMappingNode root, string param, string value)
    {
        var machineKey = new YamlScalarNode("machine");
        if (!root.Children.TryGetValue(machineKey, out YamlNode? m) || m is not YamlMappingNode machine)
        {
            throw new ZoneLabInputException("cmdline." + param, "the scenario has no machine");
        }
        var cmdKey = new YamlScalarNode("cmdline");
        string current = machine.Children.TryGetValue(cmdKey, out YamlNode? c) && c is YamlScalarNode cs ? cs.Value ?? "" : "";
        string updated = Without(current, param);
        if (value != "none")
        {
            updated = updated.Length == 0 ? $"{param}={value}" : $"{updated} {param}={value}";
        }
        machine.Children[cmdKey] = new YamlScalarNode(updated) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted };
        foreach (YamlNode v in Seq(root, "variants"))
        {
            if (v is YamlMappingNode vm && vm.Children.TryGetValue(cmdKey, out YamlNode? vc) && vc is YamlScalarNode vs)
            {
                vm.Children[cmdKey] = new YamlScalarNode(Without(vs.Value ?? "", param)) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted };
            }
        }
    }

    /// <summary>The command line without any <c>param</c> or <c>param=...</c> word.</summary>
    internal static string Without(string cmdline, string param)
    {
        var kept = new List<string>();
        foreach (string w in cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (w != param && !w.StartsWith(param + "=", StringComparison.Ordinal))
            {
                kept.Add(w);
            }
        }
        return string.Join(' ', kept);
    }

    /// <summary>The value of <c>param=</c> in the scenario's machine command line or, when given, a variant's (the variant's wins: it comes later).</summary>
    internal static string? CmdlineValue(Scenario s, string param, string? variant)
    {
        string line = s.Machine.Cmdline;
        if (variant is not null && s.Variants.FirstOrDefault(v => v.Name == variant) is ScenarioVariant sv)
        {
            line = line + " " + sv.Cmdline;
        }
        string? found = null;
        foreach (string w in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (w.StartsWith(param + "=", StringComparison.Ordinal))
            {
                found = w[(param.Length + 1)..];
            }
        }
        return found;
    }
}
