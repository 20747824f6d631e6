using System.Globalization;
using System.Text;
using ZoneLab.Workloads.Actors;

namespace ZoneLab.Workloads;

/// <summary>
/// Prints a <see cref="Scenario"/> as scenario YAML that <see cref="ScenarioLoader"/> reads back to an equal
/// scenario (every key written explicitly, quantities in their base units).
/// </summary>
public static class ScenarioWriter
{
    /// <summary>The YAML text.</summary>
    public static string Write(Scenario s)
    {
        var w = new StringBuilder();
        w.Append("name: ").Append(Q(s.Name)).Append('\n');
        if (s.Description is not null)
        {
            w.Append("description: ").Append(Q(s.Description)).Append('\n');
        }

        w.Append("kernel: ").Append(Q(s.Kernel)).Append('\n');
        w.Append("seed: ").Append(s.Seed.ToString(CultureInfo.InvariantCulture)).Append('\n');
        WriteMachine(w, s.Machine);
        if (s.Variants.Count == 0)
        {
            w.Append("designs: [").Append(string.Join(", ", s.Designs)).Append("]\n");
        }
        else
        {
            w.Append("variants:\n");
            foreach (ScenarioVariant v in s.Variants)
            {
                w.Append("  - name: ").Append(Q(v.Name)).Append('\n');
                w.Append("    design: ").Append(v.Design).Append('\n');
                if (v.Cmdline.Length > 0)
                {
                    w.Append("    cmdline: ").Append(Q(v.Cmdline)).Append('\n');
                }
            }
        }

        w.Append("phases:\n");
        foreach (ScenarioPhase p in s.Phases)
        {
            w.Append("  - name: ").Append(Q(p.Name)).Append('\n');
            w.Append("    duration: ").Append(Quantities.Format(p.DurationSeconds, QuantityUnit.Seconds)).Append('\n');
            w.Append("    actors:").Append(p.Actors.Count == 0 ? " []\n" : "\n");
            foreach (ScenarioActor a in p.Actors)
            {
                WriteActor(w, a);
            }
        }

        return w.ToString();
    }

    private static void WriteMachine(StringBuilder w, ScenarioMachine m)
    {
        w.Append("machine:\n");
        if (m.Mem is ulong mem)
        {
            w.Append("  mem: ").Append(Quantities.Format(mem, QuantityUnit.Bytes)).Append('\n');
        }

        if (m.Numa.Count > 0)
        {
            w.Append("  numa: [").Append(string.Join(", ", m.Numa.Select(n => Quantities.Format(n, QuantityUnit.Bytes)))).Append("]\n");
        }

        Opt(w, "  type", m.Type);
        Opt(w, "  dmesg", m.Dmesg);
        Opt(w, "  dtb", m.Dtb);
        if (m.Memory.Count > 0)
        {
            w.Append("  memory: [").Append(string.Join(", ", m.Memory.Select(r => r.ToString()))).Append("]\n");
        }
        if (m.MemoryControllers.Count > 0)
        {
            w.Append("  memory_controllers:\n");
            foreach (MemoryController c in m.MemoryControllers)
            {
                w.Append("    - name: ").Append(Q(c.Name)).Append('\n');
                w.Append("      ranges: [").Append(string.Join(", ", c.Ranges.Select(r => r.ToString()))).Append("]\n");
                w.Append("      bandwidth: ").Append(Quantities.Format(c.BandwidthBytesPerSecond, QuantityUnit.BytesPerSecond)).Append('\n');
            }
        }

        w.Append("  cmdline: ").Append(Q(m.Cmdline)).Append('\n');
        if (m.Swap > 0)
        {
            w.Append("  swap: ").Append(Quantities.Format(m.Swap, QuantityUnit.Bytes)).Append('\n');
        }

        if (m.Sysctls.Count > 0)
        {
            w.Append("  sysctls:\n");
            foreach ((string k, string v) in m.Sysctls)
            {
                w.Append("    ").Append(k).Append(": ").Append(Q(v)).Append('\n');
            }
        }
    }

    private static void WriteActor(StringBuilder w, ScenarioActor a)
    {
        const string I = "        ";
        w.Append("      - type: ").Append(a.Type).Append('\n');
        w.Append(I).Append("name: ").Append(Q(a.Name)).Append('\n');
        w.Append(I).Append("start: ").Append(Quantities.Format(a.StartSeconds, QuantityUnit.Seconds)).Append('\n');
        if (a.StopSeconds is double stop)
        {
            w.Append(I).Append("stop: ").Append(Quantities.Format(stop, QuantityUnit.Seconds)).Append('\n');
        }

        if (a.AccessBytesPerSecond > 0)
        {
            w.Append(I).Append("access: ").Append(Quantities.Format(a.AccessBytesPerSecond, QuantityUnit.BytesPerSecond)).Append('\n');
        }

        ActorKinds.For(a).Write(a, new ScenarioYamlWriter(w, I));
    }

    /// <summary>A distribution's value: a constant as its quantity, else a <c>{dist: ...}</c> flow mapping.</summary>
    internal static string Distribution(ScenarioDistribution d)
    {
        string F(double v) => Quantities.Format(v, d.Unit);
        return d.Kind switch
        {
            DistributionKind.Constant => F(d.A),
            DistributionKind.Uniform => $"{{dist: uniform, min: {F(d.A)}, max: {F(d.B)}}}",
            DistributionKind.Exponential => $"{{dist: exponential, mean: {F(d.A)}}}",
            DistributionKind.LogNormal => $"{{dist: lognormal, median: {F(d.A)}, sigma: {d.B.ToString("R", CultureInfo.InvariantCulture)}}}",
            _ => d.File is not null
                ? $"{{dist: histogram, file: {Q(d.File)}}}"
                : $"{{dist: histogram, buckets: [{string.Join(", ", d.Buckets.Select(b => $"[{F(b.Value)}, {b.Weight.ToString("R", CultureInfo.InvariantCulture)}]"))}]}}",
        };
    }

    private static void Opt(StringBuilder w, string key, string? value)
    {
        if (value is not null)
        {
            w.Append(key).Append(": ").Append(Q(value)).Append('\n');
        }
    }

    /// <summary>A double-quoted YAML string.</summary>
    private static string Q(string s) => Quote(s);

    /// <summary>A double-quoted YAML string.</summary>
    internal static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";
}
