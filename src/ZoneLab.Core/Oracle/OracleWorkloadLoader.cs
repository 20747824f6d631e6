using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ZoneLab.Oracle;

/// <summary>
/// Reads an oracle workload file (docs/oracle.md): <c>description</c>, <c>archs</c>, <c>machine</c> (with optional
/// <c>x86_64</c>/<c>arm64</c> overrides) and <c>steps</c>. Every key and value is checked, and so are the names the
/// steps refer to and sizes the guest cannot hold; errors are <c>file:line:column: key path: what was expected</c>.
/// </summary>
public static class OracleWorkloadLoader
{
    /// <summary>The architectures a workload can name.</summary>
    public static readonly string[] Archs = ["x86_64", "arm64"];

    private static readonly string[] s_topKeys = ["description", "archs", "machine", "x86_64", "arm64", "steps"];
    private static readonly string[] s_machineKeys = ["mem", "numa", "disk", "swap", "cmdline", "icount"];

    /// <summary>Reads <paramref name="path"/>; the workload's name is the file name without extension.</summary>
    public static OracleWorkload LoadFile(string path)
    {
        string text;
        try
        {
            text = InputFiles.ReadAllText(path, 16L << 20); // a workload is a page of YAML
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException(path, $"cannot read the workload: {e.Message}");
        }
        return Load(text, path, Path.GetFileNameWithoutExtension(path));
    }

    /// <summary>Reads a workload from YAML text; <paramref name="source"/> names it in errors.</summary>
    public static OracleWorkload Load(string yaml, string source, string name)
    {
        // the scenario reader's syntax pass: positions for what YamlDotNet's representation model reports badly
        ZoneLab.Workloads.ScenarioLoader.CheckSyntax(yaml, source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ZoneLabInputException(source, (int)Math.Max(1, e.Start.Line), (int)Math.Max(1, e.Start.Column), "not valid YAML: " + e.Message.Split('\n')[0]);
        }
        var y = new OracleYaml(source);
        if (stream.Documents.Count != 1)
        {
            throw new ZoneLabInputException(source, 1, "expected one YAML document");
        }
        YamlMappingNode top = y.Map(stream.Documents[0].RootNode, "workload", s_topKeys);
        string description = y.Get(top, "description") is YamlNode d ? y.Scalar(d, "description") : string.Empty;

        List<string> archs = [.. Archs];
        if (y.Get(top, "archs") is YamlNode an)
        {
            if (an is not YamlSequenceNode seq || seq.Children.Count == 0)
            {
                throw y.Error(an, "archs: expected a list such as [x86_64, arm64]");
            }
            archs = [];
            foreach (YamlNode a in seq)
            {
                string v = y.Scalar(a, "archs");
                if (Array.IndexOf(Archs, v) < 0 || archs.Contains(v))
                {
                    throw y.Error(a, $"archs: expected x86_64 or arm64 (each once), not '{v}'");
                }
                archs.Add(v);
            }
        }

        YamlMappingNode machine = y.Get(top, "machine") is YamlNode mn ? y.Map(mn, "machine", s_machineKeys) : throw y.Error(top, "workload: 'machine' is required");
        var machines = new Dictionary<string, OracleMachine>(StringComparer.Ordinal);
        foreach (string arch in archs)
        {
            YamlMappingNode? over = y.Get(top, arch) is YamlNode o ? y.Map(o, arch, s_machineKeys) : null;
            machines[arch] = ReadMachine(y, machine, over, arch);
        }
        foreach (string arch in Archs)
        {
            if (!archs.Contains(arch) && y.Get(top, arch) is YamlNode o)
            {
                throw y.Error(o, $"{arch}: overrides for an architecture that is not in archs");
            }
        }

        if (y.Get(top, "steps") is not YamlSequenceNode steps || steps.Children.Count == 0)
        {
            throw y.Error(top, "workload: 'steps' is required: a list of steps such as '- anon: {name: a, size: 64M}'");
        }
        var list = new List<OracleStep>();
        for (int i = 0; i < steps.Children.Count; i++)
        {
            string path = $"steps[{i}]";
            if (steps.Children[i] is not YamlMappingNode sm || sm.Children.Count != 1)
            {
                throw y.Error(steps.Children[i], $"{path}: expected one 'kind: value' pair (kinds: {string.Join(", ", OracleStepKinds.Names)})");
            }
            (YamlNode k, YamlNode v) = sm.Children.Single();
            string kind = y.Scalar(k, path);
            list.Add(OracleStepKinds.Parse(y, kind, v, $"{path}.{kind}", (int)k.Start.Line));
        }
        var w = new OracleWorkload { Name = name, Description = description, Archs = archs, Machines = machines, Steps = list, Source = source };
        foreach (string arch in archs)
        {
            OracleWorkloadChecks.Check(w, arch);
        }
        return w;
    }

    private static OracleMachine ReadMachine(OracleYaml y, YamlMappingNode common, YamlMappingNode? over, string arch)
    {
        YamlMappingNode Pick(string key) => over != null && y.Get(over, key) != null ? over : common;
        string Where(string key) => over != null && y.Get(over, key) != null ? arch : "machine";
        ulong mem = y.Size(Pick("mem"), "mem", Where("mem"), required: true);
        if (mem < (128UL << 20) || mem > (64UL << 30))
        {
            throw y.Error(y.Get(Pick("mem"), "mem")!, $"{Where("mem")}.mem: expected 128M to 64G");
        }
        var numa = new List<ulong>();
        if (y.Get(Pick("numa"), "numa") is YamlNode nn)
        {
            if (nn is not YamlSequenceNode seq || seq.Children.Count < 2)
            {
                throw y.Error(nn, $"{Where("numa")}.numa: expected a list of at least two node sizes, e.g. [256M, 256M]");
            }
            foreach (YamlNode s in seq)
            {
                var tmp = new YamlMappingNode { { "size", s } };
                numa.Add(y.Size(tmp, "size", $"{Where("numa")}.numa", required: true));
            }
            if (numa.Aggregate(0UL, (a, b) => a + b) != mem)
            {
                throw y.Error(nn, $"{Where("numa")}.numa: the node sizes add up to {numa.Aggregate(0UL, (a, b) => a + b) >> 20} MiB, not mem ({mem >> 20} MiB)");
            }
        }
        ulong disk = y.Size(Pick("disk"), "disk", Where("disk"), required: false);
        ulong swap = y.Size(Pick("swap"), "swap", Where("swap"), required: false);
        if (swap != 0 && disk == 0)
        {
            throw y.Error(y.Get(Pick("swap"), "swap")!, $"{Where("swap")}.swap: swap is the second virtio disk: give a disk too");
        }
        string cmdline = y.Get(Pick("cmdline"), "cmdline") is YamlNode c ? y.Scalar(c, Where("cmdline") + ".cmdline") : string.Empty;
        // icount: QEMU's -icount shift=N, the guest clock advances 2^N ns per instruction (step times count work, not the host's load)
        int icount = y.Get(Pick("icount"), "icount") is YamlNode ic ? (int)y.ScalarCount(ic, Where("icount") + ".icount", 0, 10) : -1;
        return new OracleMachine(mem, numa, disk, swap, cmdline) { IcountShift = icount };
    }
}
