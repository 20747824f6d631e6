using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Workloads.Actors;

namespace ZoneLab.Workloads;

/// <summary>
/// Reads a scenario YAML file (schema in docs/scenarios.md) into a <see cref="Scenario"/>, checking every key and
/// value: an error names the file, line and column, and the key path (<c>phases[1].actors[0].rate</c>).
/// </summary>
public static class ScenarioLoader
{
    private static readonly string[] s_topKeys = ["name", "description", "kernel", "seed", "machine", "designs", "variants", "phases"];
    private static readonly string[] s_machineKeys = ["mem", "numa", "type", "dmesg", "dtb", "memory", "memory_controllers", "kernel_traffic", "cmdline", "sysctls", "swap", "contig_costs"];
    private static readonly string[] s_kernelTrafficKeys = ["slab", "page_tables", "memmap"];
    private static readonly string[] s_controllerKeys = ["name", "ranges", "bandwidth"];
    private static readonly string[] s_variantKeys = ["name", "design", "cmdline", "numa"];
    private static readonly string[] s_phaseKeys = ["name", "duration", "actors"];
    private static readonly string[] s_commonActorKeys = ["type", "name", "start", "stop", "access", "node"];
    private static readonly string[] s_machineTypes = ["pc", "q35", "virt"];

    private static readonly Dictionary<string, string[]> s_distKeys = new(StringComparer.Ordinal)
    {
        ["constant"] = ["value"],
        ["uniform"] = ["min", "max"],
        ["exponential"] = ["mean"],
        ["lognormal"] = ["median", "sigma"],
        ["histogram"] = ["buckets", "file"],
    };

    /// <summary>Reads a scenario file; relative <c>dmesg</c>, <c>dtb</c> and histogram <c>file</c> paths are taken from its folder.</summary>
    public static Scenario LoadFile(string path)
    {
        string text;
        try
        {
            text = InputFiles.ReadAllText(path, 16L << 20); // a scenario is a page of YAML
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException(path, $"cannot read the scenario: {e.Message}");
        }

        string baseDir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return Load(text, path, baseDir, Path.GetFileNameWithoutExtension(path)) with { SourcePath = path };
    }

    /// <summary>
    /// Reads a scenario from <paramref name="yaml"/>; <paramref name="source"/> names it in errors. Referenced files
    /// are looked up under <paramref name="baseDir"/> (not checked when null).
    /// </summary>
    public static Scenario Load(string yaml, string source = "scenario.yaml", string? baseDir = null, string? defaultName = null)
    {
        CheckSyntax(yaml, source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // Semantic errors of the representation model (duplicate keys, anchors).
            int col = (int)Math.Max(1, e.Start.Column);
            throw new ZoneLabInputException(source, (int)Math.Max(1, e.Start.Line), col, $"not valid YAML: {StripMark(e.Message)}");
        }

        if (stream.Documents.Count != 1)
        {
            throw new ZoneLabInputException(source, 1, 1, stream.Documents.Count == 0 ? "the file is empty" : "expected one YAML document, found several");
        }

        var ctx = new Context(source, baseDir);
        var top = new ScenarioNode(stream.Documents[0].RootNode, source, "", s_topKeys);
        string name = top.String("name") ?? defaultName ?? "scenario";
        string kernel = "6.1";
        if (top.Get("kernel") is YamlNode kn)
        {
            string k = top.Scalar(kn, "kernel");
            try
            {
                kernel = KernelVersions.Name(KernelVersions.Parse(k));
            }
            catch (FormatException)
            {
                throw top.Error(kn, "kernel", $"expected a kernel version such as 4.10, 6.1 or 6.12, found '{k}'");
            }
        }

        ScenarioMachine machine = ReadMachine(new ScenarioNode(top.Required("machine"), source, "machine", s_machineKeys), ctx);
        return new Scenario
        {
            Name = name,
            Description = top.String("description"),
            Kernel = kernel,
            Seed = top.Integer("seed", long.MinValue, long.MaxValue) ?? 1,
            Machine = machine,
            Designs = ReadDesigns(top),
            Variants = ReadVariants(top, machine),
            Phases = ReadPhases(top, ctx),
        };
    }

    /// <summary>
    /// Runs the YAML parser alone so that a syntax error gets the parser's position; where YamlDotNet fails with
    /// something other than a <see cref="YamlException"/> (it can, on a flow mapping left open), the error is put
    /// after the last event that parsed.
    /// </summary>
    /// <summary>Deepest nesting of mappings and sequences accepted (a scenario uses 6).</summary>
    public const int MaxNesting = 64;

    /// <summary>Most phases accepted: each keeps its own statistics and pageblock census.</summary>
    public const int MaxPhases = 1000;

    internal static void CheckSyntax(string yaml, string source)
    {
        var parser = new Parser(new StringReader(yaml));
        Mark last = Mark.Empty;

        // Open collections: for a mapping, whether its next node is a key. Empty or non-scalar keys are rejected here,
        // where their position is known (YamlDotNet's representation model fails on some with an ArgumentException).
        var open = new Stack<(bool IsMapping, bool ExpectKey)>();
        void NodeDone()
        {
            if (open.Count > 0 && open.Peek().IsMapping)
            {
                (bool m, bool k) = open.Pop();
                open.Push((m, !k));
            }
        }

        try
        {
            while (parser.MoveNext())
            {
                ParsingEvent ev = parser.Current!;
                last = ev.End;
                if (ev is MappingEnd or SequenceEnd)
                {
                    open.Pop();
                    NodeDone();
                    continue;
                }

                if (ev is not (Scalar or AnchorAlias or MappingStart or SequenceStart))
                {
                    continue;
                }

                if (open.Count > 0 && open.Peek() is (true, true) && ev is not Scalar { Value.Length: > 0 })
                {
                    throw new ZoneLabInputException(source, (int)Math.Max(1, ev.Start.Line), (int)Math.Max(1, ev.Start.Column),
                        ev is Scalar ? "not valid here: a key is missing before ':'" : "not valid here: expected a plain key");
                }

                if (ev is MappingStart or SequenceStart && open.Count >= MaxNesting)
                {
                    // the representation model recurses per level: refuse deep nesting before it overflows the stack
                    throw new ZoneLabInputException(source, (int)Math.Max(1, ev.Start.Line), (int)Math.Max(1, ev.Start.Column),
                        $"nested deeper than {MaxNesting} levels; a scenario needs at most 6");
                }
                if (ev is MappingStart)
                {
                    open.Push((true, true));
                }
                else if (ev is SequenceStart)
                {
                    open.Push((false, false));
                }
                else
                {
                    NodeDone();
                }
            }
        }
        catch (YamlException e)
        {
            string what = e.InnerException?.Message ?? e.Message;
            throw new ZoneLabInputException(source, (int)Math.Max(1, e.Start.Line), (int)Math.Max(1, e.Start.Column), $"not valid YAML: {StripMark(what)}");
        }
        catch (InvalidOperationException)
        {
            throw new ZoneLabInputException(source, (int)Math.Max(1, last.Line), (int)Math.Max(1, last.Column), "not valid YAML: the text after here does not parse (an unclosed '{' or '['?)");
        }
    }

    private static string StripMark(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the location is printed already.
        int i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && i > 0 ? message[(i + 3)..] : message;
    }

    private static ScenarioMachine ReadMachine(ScenarioNode m, Context ctx)
    {
        // As zonelab layout: --mem [--numa] [--machine], or --dmesg alone (x86), or --dtb with an optional --mem (arm64).
        if (!m.Has("mem") && !m.Has("dmesg") && !m.Has("dtb") && !m.Has("memory"))
        {
            throw m.Error(m.Node, "machine", "give the memory with 'mem', 'dmesg', 'dtb' or 'memory'");
        }

        if (m.Has("memory"))
        {
            foreach (string k in new[] { "mem", "numa", "dmesg", "dtb" })
            {
                if (m.Has(k))
                {
                    throw m.Error(k, $"'{k}' does not go with 'memory' (the ranges are the arm64 machine's RAM)");
                }
            }

            if (m.String("type") is string mt && mt != "virt")
            {
                throw m.Error("type", $"'memory' describes arm64 RAM: 'type' must be virt, not '{mt}'");
            }
        }

        if (m.Has("dmesg"))
        {
            foreach (string k in new[] { "mem", "numa", "type", "dtb" })
            {
                if (m.Has(k))
                {
                    throw m.Error(k, $"'{k}' does not go with 'dmesg' (the boot log describes the machine itself)");
                }
            }
        }

        if (m.Has("numa") && !m.Has("mem"))
        {
            throw m.Error("numa", "'numa' goes with 'mem' (the node sizes split it)");
        }

        if (m.Has("dtb") && m.String("type") is string t && t != "virt")
        {
            throw m.Error("type", $"a device tree is arm64 boot input: 'type' must be virt, not '{t}'");
        }

        if (m.Has("type") && !m.Has("mem") && !m.Has("dtb") && !m.Has("memory"))
        {
            throw m.Error("type", "'type' goes with 'mem'");
        }

        ulong? mem = m.Quantity("mem", QuantityUnit.Bytes, 64 << 20) is double d ? (ulong)d : null;
        var numa = new List<ulong>();
        foreach (YamlNode n in m.List("numa", allowEmpty: false))
        {
            numa.Add((ulong)m.QuantityOf(n, $"machine.numa[{numa.Count}]", QuantityUnit.Bytes, 0, double.MaxValue, minExclusive: true));
        }

        if (numa.Count > 0 && numa.Aggregate(0UL, (a, b) => a + b) != mem)
        {
            throw m.Error("numa", $"node sizes add up to {Quantities.Format(numa.Aggregate(0UL, (a, b) => a + b), QuantityUnit.Bytes)} but mem is {Quantities.Format(mem!.Value, QuantityUnit.Bytes)}; QEMU requires them to be equal");
        }

        return new ScenarioMachine
        {
            Mem = mem,
            Numa = numa,
            Type = m.Choice("type", s_machineTypes),
            Dmesg = ReadPath(m, "dmesg", ctx),
            Dtb = ReadPath(m, "dtb", ctx),
            Memory = ReadMemory(m),
            MemoryControllers = ReadControllers(m),
            KernelTraffic = ReadKernelTraffic(m),
            Cmdline = m.Get("cmdline") is YamlNode c ? ((c as YamlScalarNode)?.Value ?? throw m.Error(c, "machine.cmdline", $"expected a string, found {ScenarioNode.Describe(c)}")) : "",
            Sysctls = ReadSysctls(m),
            // a swap device or file of this size (swapon); 0 = no swap, as the kernel without one
            Swap = m.Quantity("swap", QuantityUnit.Bytes) is double sw ? (ulong)sw : 0,
            ContigCosts = ReadContigCosts(m),
        };
    }

    // offline/online blocks: a list of distinct block numbers, or a count (1 or more)
    internal static (IReadOnlyList<int> Blocks, int Count) ReadBlocks(ScenarioNode a, string path)
    {
        YamlNode b = a.Required("blocks");
        if (b is YamlSequenceNode)
        {
            var blocks = new List<int>();
            foreach (YamlNode x in a.List("blocks", allowEmpty: false))
            {
                int blk = (int)a.IntegerOf(x, $"{path}.blocks[{blocks.Count}]", 0, int.MaxValue);
                if (blocks.Contains(blk))
                {
                    throw a.Error(x, $"{path}.blocks[{blocks.Count}]", $"memory block {blk} is listed twice");
                }

                blocks.Add(blk);
            }

            return (blocks, 0);
        }

        return ([], (int)a.IntegerOf(b, a.Child("blocks"), 1, int.MaxValue));
    }

    private static string? ReadPath(ScenarioNode m, string key, Context ctx)
    {
        string? p = m.String(key);
        if (p is not null && ctx.BaseDir is not null && !File.Exists(Path.Combine(ctx.BaseDir, p)))
        {
            throw m.Error(key, $"file not found: {p} (relative to the scenario's folder)");
        }

        return p;
    }

    // machine.memory: the RAM ranges of an arm64 /memory node, page aligned and disjoint
    private static IReadOnlyList<PhysicalRange> ReadMemory(ScenarioNode m)
    {
        var list = new List<PhysicalRange>();
        IReadOnlyList<YamlNode> nodes = m.List("memory", allowEmpty: false);
        for (int i = 0; i < nodes.Count; i++)
        {
            string path = $"machine.memory[{i}]";
            PhysicalRange r = ParseRange(m, nodes[i], path);
            if (r.Start % Layout.Page.Size != 0 || r.Size % Layout.Page.Size != 0)
            {
                throw m.Error(nodes[i], path, $"{r} is not page aligned; expected a base and size that are multiples of 4K");
            }

            foreach (PhysicalRange o in list)
            {
                if (r.Start < o.End && o.Start < r.End)
                {
                    throw m.Error(nodes[i], path, $"overlaps {o}");
                }
            }

            list.Add(r);
        }

        return list;
    }

    // kernel_traffic: {slab: 200MB/s, page_tables: 0.02, memmap: 0.01} (KernelTraffic); needs memory_controllers
    private static KernelTraffic? ReadKernelTraffic(ScenarioNode m)
    {
        if (m.Get("kernel_traffic") is not YamlNode n)
        {
            return null;
        }
        if (!m.Has("memory_controllers"))
        {
            throw m.Error("kernel_traffic", "'kernel_traffic' goes with 'memory_controllers' (it is part of the bandwidth model)");
        }
        var k = new ScenarioNode(n, m.Source, "machine.kernel_traffic", s_kernelTrafficKeys);
        return new KernelTraffic(
            k.Quantity("slab", QuantityUnit.BytesPerSecond) ?? 0,
            k.Quantity("page_tables", QuantityUnit.Fraction) ?? 0,
            k.Quantity("memmap", QuantityUnit.Fraction) ?? 0);
    }

    private static IReadOnlyList<MemoryController> ReadControllers(ScenarioNode m)
    {
        var list = new List<MemoryController>();
        IReadOnlyList<YamlNode> nodes = m.List("memory_controllers", allowEmpty: false);
        for (int i = 0; i < nodes.Count; i++)
        {
            var c = new ScenarioNode(nodes[i], m.Source, $"machine.memory_controllers[{i}]", s_controllerKeys);
            string name = c.String("name") ?? $"memc{i}";
            if (list.Any(x => x.Name == name))
            {
                throw c.Error("name", $"a second memory controller named '{name}'");
            }

            var ranges = new List<PhysicalRange>();
            IReadOnlyList<YamlNode> rn = c.List("ranges", allowEmpty: false);
            if (rn.Count == 0)
            {
                throw c.Error(c.Node, c.Path, "missing required key 'ranges'");
            }

            for (int r = 0; r < rn.Count; r++)
            {
                string path = $"{c.Path}.ranges[{r}]";
                PhysicalRange range = ParseRange(c, rn[r], path);
                foreach (MemoryController other in list)
                {
                    foreach (PhysicalRange o in other.Ranges)
                    {
                        if (range.Start < o.End && o.Start < range.End)
                        {
                            throw c.Error(rn[r], path, $"overlaps {o} of memory controller '{other.Name}'");
                        }
                    }
                }

                ranges.Add(range);
            }

            double bw = c.QuantityOf(c.Required("bandwidth"), $"{c.Path}.bandwidth", QuantityUnit.BytesPerSecond, 0, double.MaxValue, minExclusive: true);
            list.Add(new MemoryController(name, ranges, bw));
        }

        return list;
    }

    private static PhysicalRange ParseRange(ScenarioNode c, YamlNode n, string path)
    {
        // "SIZE@BASE" as the kernel's memmap=/movablecore= write it, or "START-END" inclusive as /proc/iomem does.
        string text = c.Scalar(n, path);
        int at = text.IndexOf('@');
        int dash = text.IndexOf('-');
        if (at > 0 && Quantities.TryParse(text[..at], QuantityUnit.Bytes, out double size, out _)
            && Quantities.TryParse(text[(at + 1)..], QuantityUnit.Bytes, out double start, out _) && size > 0)
        {
            return new PhysicalRange((ulong)start, (ulong)size);
        }

        if (dash > 0 && Quantities.TryParse(text[..dash], QuantityUnit.Bytes, out double s, out _)
            && Quantities.TryParse(text[(dash + 1)..], QuantityUnit.Bytes, out double e, out _) && e >= s)
        {
            return new PhysicalRange((ulong)s, (ulong)e - (ulong)s + 1);
        }

        throw c.Error(n, path, $"expected a range SIZE@BASE (1G@0x40000000) or START-END (0x40000000-0x7fffffff), found '{text}'");
    }

    private static readonly string[] s_contigCostKeys = ["migrate", "discard", "writeback", "swap_out", "attempt", "pageblock"];

    // contig_costs: {migrate: 3.88us, ...}: each a time (per page, per call or per pageblock) replacing that constant
    // of ContigCostModel.Default; at most 1 s, as no kernel takes a second to move one page
    private static ContigCostModel ReadContigCosts(ScenarioNode m)
    {
        if (m.Map("contig_costs", s_contigCostKeys) is not ScenarioNode c)
        {
            return ContigCostModel.Default;
        }

        ContigCostModel d = ContigCostModel.Default;
        double Us(string key, double current) => c.Quantity(key, QuantityUnit.Seconds, 0, 1) is double s ? s * 1e6 : current;
        return new ContigCostModel
        {
            MigrateUsPerPage = Us("migrate", d.MigrateUsPerPage),
            DiscardUsPerPage = Us("discard", d.DiscardUsPerPage),
            WritebackUsPerPage = Us("writeback", d.WritebackUsPerPage),
            SwapOutUsPerPage = Us("swap_out", d.SwapOutUsPerPage),
            AttemptUs = Us("attempt", d.AttemptUs),
            IsolateUsPerPageblock = Us("pageblock", d.IsolateUsPerPageblock),
        };
    }

    private static IReadOnlyList<KeyValuePair<string, string>> ReadSysctls(ScenarioNode m)
    {
        if (m.Get("sysctls") is not YamlNode node)
        {
            return [];
        }

        var s = new ScenarioNode(node, m.Source, "machine.sysctls", ScenarioSysctls.Names);
        var list = new List<KeyValuePair<string, string>>();
        foreach (KeyValuePair<YamlNode, YamlNode> kv in ((YamlMappingNode)node).Children)
        {
            string name = ((YamlScalarNode)kv.Key).Value!;
            string path = s.Child(name);
            string value = kv.Value is YamlSequenceNode seq
                ? string.Join(' ', seq.Children.Select((x, i) => s.Scalar(x, $"{path}[{i}]")))
                : s.Scalar(kv.Value, path);
            if (!ScenarioSysctls.TryValidate(name, value, out string normalized, out string expected))
            {
                throw s.Error(kv.Value, path, $"expected {expected}, found '{value}'");
            }

            list.Add(new(name, normalized));
        }

        return list;
    }

    // variants: [{name, design, cmdline}], run instead of 'designs' (the two do not go together)
    private static IReadOnlyList<ScenarioVariant> ReadVariants(ScenarioNode top, ScenarioMachine machine)
    {
        if (!top.Has("variants"))
        {
            return [];
        }

        if (top.Has("designs"))
        {
            throw top.Error("designs", "'designs' does not go with 'variants' (each variant names its design)");
        }

        var list = new List<ScenarioVariant>();
        IReadOnlyList<YamlNode> items = top.List("variants", allowEmpty: false);

        for (int i = 0; i < items.Count; i++)
        {
            var v = new ScenarioNode(items[i], top.Source, $"variants[{i}]", s_variantKeys);
            string name = v.RequiredString("name");
            if (name.Length == 0)
            {
                throw v.Error("name", "expected a non-empty name");
            }

            if (list.Any(x => x.Name == name))
            {
                throw v.Error("name", $"a second variant named '{name}'");
            }

            string design = v.ChoiceOf(v.Required("design"), v.Child("design"), [.. ScenarioDesigns.All]);
            string cmdline = v.String("cmdline") ?? "";
            bool numa = v.Get("numa") is YamlNode nn && v.ChoiceOf(nn, v.Child("numa"), ["controllers"]) == "controllers";
            if (numa)
            {
                CheckNumaControllers(machine, v);
            }
            list.Add(new ScenarioVariant(name, design, cmdline.Trim(), numa));
        }

        return list;
    }

    // numa: controllers needs arm64 memory ranges each inside one memory controller (ScenarioNumaNodes)
    private static void CheckNumaControllers(ScenarioMachine machine, ScenarioNode v)
    {
        if (machine.Memory.Count == 0 || machine.MemoryControllers.Count == 0)
        {
            throw v.Error("numa", "'numa: controllers' needs machine.memory and machine.memory_controllers (each controller becomes a node)");
        }
        foreach (PhysicalRange r in machine.Memory)
        {
            if (ScenarioNumaNodes.NodeOf(machine, r) < 0)
            {
                throw v.Error("numa", $"memory range {Quantities.Format(r.Size, QuantityUnit.Bytes)}@0x{r.Start:x} is not inside one memory controller, so it has no node");
            }
        }
    }

    private static IReadOnlyList<string> ReadDesigns(ScenarioNode top)
    {
        if (top.Get("designs") is not YamlNode n)
        {
            return ScenarioDesigns.All;
        }

        if (n is YamlScalarNode s && s.Value == "all")
        {
            return ScenarioDesigns.All;
        }

        var list = new List<string>();
        IReadOnlyList<YamlNode> items = top.List("designs", allowEmpty: false);
        for (int i = 0; i < items.Count; i++)
        {
            string d = top.ChoiceOf(items[i], $"designs[{i}]", [.. ScenarioDesigns.All]);
            if (list.Contains(d))
            {
                throw top.Error(items[i], $"designs[{i}]", $"'{d}' is listed twice");
            }

            list.Add(d);
        }

        return list;
    }

    private static IReadOnlyList<ScenarioPhase> ReadPhases(ScenarioNode top, Context ctx)
    {
        top.Required("phases");
        IReadOnlyList<YamlNode> nodes = top.List("phases", allowEmpty: false);
        if (nodes.Count > MaxPhases)
        {
            throw top.Error(nodes[MaxPhases], $"phases[{MaxPhases}]", $"{nodes.Count} phases; at most {MaxPhases} are accepted (each keeps its own statistics)");
        }
        var phases = new List<ScenarioPhase>();
        for (int i = 0; i < nodes.Count; i++)
        {
            var p = new ScenarioNode(nodes[i], top.Source, $"phases[{i}]", s_phaseKeys);
            string name = p.String("name") ?? $"phase{i + 1}";
            if (phases.Any(x => x.Name == name))
            {
                throw p.Error("name", $"a second phase named '{name}'");
            }

            double duration = p.QuantityOf(p.Required("duration"), p.Child("duration"), QuantityUnit.Seconds, 0, double.MaxValue, minExclusive: true);
            var actors = new List<ScenarioActor>();
            IReadOnlyList<YamlNode> an = p.List("actors");
            for (int a = 0; a < an.Count; a++)
            {
                ScenarioActor actor = ReadActor(an[a], $"{p.Path}.actors[{a}]", duration, top.Source, ctx);
                if (actors.Any(x => x.Name == actor.Name))
                {
                    throw new ScenarioNode(an[a], top.Source, $"{p.Path}.actors[{a}]", [.. s_commonActorKeys, .. ActorKinds.For(actor.Type).Keys])
                        .Error("name", $"a second actor named '{actor.Name}' in this phase");
                }

                actors.Add(actor);
            }

            phases.Add(new ScenarioPhase(name, duration, actors));
        }

        return phases;
    }

    private static ScenarioActor ReadActor(YamlNode node, string path, double phaseDuration, string source, Context ctx)
    {
        // Read the type first, so that the allowed keys are those of the type.
        if (node is not YamlMappingNode map)
        {
            throw new ZoneLabInputException(source, (int)node.Start.Line, (int)node.Start.Column, $"{path}: expected a mapping with 'type', found {ScenarioNode.Describe(node)}");
        }

        var typeNode = map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: "type" }).Value;
        var probe = new ScenarioNode(new YamlMappingNode(), source, path, s_commonActorKeys);
        if (typeNode is null)
        {
            throw probe.Error(node, path, $"missing required key 'type' (one of: {ScenarioNode.Join(ActorKinds.Names)})");
        }

        string type = probe.ChoiceOf(typeNode, $"{path}.type", ActorKinds.Names);
        ActorKind kind = ActorKinds.For(type);
        var a = new ScenarioNode(node, source, path, [.. s_commonActorKeys, .. kind.Keys]);
        double start = a.Quantity("start", QuantityUnit.Seconds) ?? 0;
        if (start >= phaseDuration)
        {
            throw a.Error("start", $"starts at or after the end of the phase ({Quantities.Format(phaseDuration, QuantityUnit.Seconds)})");
        }

        double? stop = a.Quantity("stop", QuantityUnit.Seconds, start, phaseDuration, minExclusive: true);
        string name = a.String("name") ?? type;
        double access = a.Quantity("access", QuantityUnit.BytesPerSecond) ?? 0;
        int cpuNode = (int)(a.Integer("node", 0, 1023) ?? 0); // MAX_NUMNODES - 1 of Debian's builds
        // the kind reads its own keys; the keys every actor has are set here, once
        return kind.Read(new ActorReader(a, name, ctx)) with { StartSeconds = start, StopSeconds = stop, AccessBytesPerSecond = access, Node = cpuNode };
    }

    internal static IReadOnlyList<double> ReadOrders(ScenarioNode a)
    {
        // orders: {0: 0.7, 3: 0.3} or [0.7, 0, 0, 0.3]
        if (a.Get("orders") is not YamlNode n)
        {
            return [1, 0, 0, 0];
        }

        var w = new double[4];
        string path = a.Child("orders");
        if (n is YamlSequenceNode seq)
        {
            if (seq.Children.Count is 0 or > 4)
            {
                throw a.Error(n, path, $"expected 1 to 4 weights for orders 0..3, found {seq.Children.Count}");
            }

            for (int i = 0; i < seq.Children.Count; i++)
            {
                w[i] = a.QuantityOf(seq.Children[i], $"{path}[{i}]", QuantityUnit.Count);
            }
        }
        else
        {
            var m = new ScenarioNode(n, a.Source, path, ["0", "1", "2", "3"]);
            for (int i = 0; i < 4; i++)
            {
                w[i] = m.Quantity(i.ToString(CultureInfo.InvariantCulture), QuantityUnit.Count) ?? 0;
            }
        }

        if (w.Sum() <= 0)
        {
            throw a.Error(n, path, "the weights add up to 0");
        }

        return w;
    }

    internal static ScenarioDistribution RequiredDist(ScenarioNode a, string key, QuantityUnit unit, Context ctx) =>
        Dist(a, key, unit, ctx) ?? throw a.Error(a.Node, a.Path, $"missing required key '{key}'");

    internal static ScenarioDistribution? Dist(ScenarioNode a, string key, QuantityUnit unit, Context ctx)
    {
        if (a.Get(key) is not YamlNode n)
        {
            return null;
        }

        string path = a.Child(key);
        if (n is YamlScalarNode)
        {
            return ScenarioDistribution.Constant(a.QuantityOf(n, path, unit), unit);
        }

        if (n is not YamlMappingNode map)
        {
            throw a.Error(n, path, $"expected {Quantities.Expected(unit)} or a distribution {{dist: ...}}, found {ScenarioNode.Describe(n)}");
        }

        var distNode = map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: "dist" }).Value;
        if (distNode is null)
        {
            throw a.Error(n, path, $"missing required key 'dist' (one of: {ScenarioNode.Join(s_distKeys.Keys)})");
        }

        string kind = a.ChoiceOf(distNode, $"{path}.dist", s_distKeys.Keys);
        var d = new ScenarioNode(n, a.Source, path, ["dist", .. s_distKeys[kind]]);
        double Req(string k, double min = 0, bool exclusive = false) =>
            d.QuantityOf(d.Required(k), d.Child(k), unit, min, double.MaxValue, exclusive);
        switch (kind)
        {
            case "constant":
                return ScenarioDistribution.Constant(Req("value"), unit);
            case "uniform":
                double lo = Req("min"), hi = Req("max");
                if (hi < lo)
                {
                    throw d.Error("max", $"is smaller than min ({Quantities.Format(lo, unit)})");
                }

                return new ScenarioDistribution(DistributionKind.Uniform, unit, lo, hi, [], null);
            case "exponential":
                return new ScenarioDistribution(DistributionKind.Exponential, unit, Req("mean", 0, true), 0, [], null);
            case "lognormal":
                double median = Req("median", 0, true);
                double sigma = d.QuantityOf(d.Required("sigma"), d.Child("sigma"), QuantityUnit.Count);
                return new ScenarioDistribution(DistributionKind.LogNormal, unit, median, sigma, [], null);
            default:
                return ReadHistogram(d, unit, ctx);
        }
    }

    private static ScenarioDistribution ReadHistogram(ScenarioNode d, QuantityUnit unit, Context ctx)
    {
        if (d.Has("buckets") == d.Has("file"))
        {
            throw d.Error(d.Node, d.Path, "a histogram needs exactly one of 'buckets' or 'file'");
        }

        var buckets = new List<HistogramBucket>();
        string? file = d.String("file");
        if (file is null)
        {
            IReadOnlyList<YamlNode> items = d.List("buckets", allowEmpty: false);
            for (int i = 0; i < items.Count; i++)
            {
                string p = $"{d.Path}.buckets[{i}]";
                if (items[i] is not YamlSequenceNode { Children.Count: 2 } pair)
                {
                    throw d.Error(items[i], p, $"expected a pair [value, weight], found {ScenarioNode.Describe(items[i])}");
                }

                buckets.Add(new HistogramBucket(d.QuantityOf(pair.Children[0], p + "[0]", unit), d.QuantityOf(pair.Children[1], p + "[1]", QuantityUnit.Count)));
            }
        }
        else if (ctx.BaseDir is not null)
        {
            string full = Path.Combine(ctx.BaseDir, file);
            if (!File.Exists(full))
            {
                throw d.Error("file", $"file not found: {file} (relative to the scenario's folder)");
            }

            buckets.AddRange(ReadHistogramFile(full, file, unit));
        }

        if (buckets.Count > 0 && buckets.Sum(b => b.Weight) <= 0)
        {
            throw d.Error(d.Get("buckets") ?? d.Node, d.Path, "the weights add up to 0");
        }

        return new ScenarioDistribution(DistributionKind.Histogram, unit, 0, 0, buckets, file);
    }

    /// <summary>A recorded histogram: one <c>VALUE,WEIGHT</c> per line, <c>#</c> comments and blank lines ignored.</summary>
    private static IEnumerable<HistogramBucket> ReadHistogramFile(string full, string name, QuantityUnit unit)
    {
        int line = 0;
        foreach (string raw in InputFiles.ReadLines(full))
        {
            line++;
            string t = raw.Trim();
            if (t.Length == 0 || t[0] == '#')
            {
                continue;
            }

            string[] parts = t.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !Quantities.TryParse(parts[0], unit, out double v, out string expected)
                || !Quantities.TryParse(parts[1], QuantityUnit.Count, out double w, out _))
            {
                throw new ZoneLabInputException(name, line, $"expected VALUE,WEIGHT with VALUE {Quantities.Expected(unit)} and WEIGHT a non-negative number, found '{t}'");
            }

            yield return new HistogramBucket(v, w);
        }
    }

    internal sealed record Context(string Source, string? BaseDir);
}
