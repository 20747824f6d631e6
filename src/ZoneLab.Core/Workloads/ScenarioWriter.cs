using System.Globalization;
using System.Text;

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

        switch (a)
        {
            case AnonActor x:
                Dist(w, "rate", x.Rate);
                Dist(w, "lifetime", x.Lifetime);
                Num(w, "pinned", x.PinnedFraction, QuantityUnit.Fraction);
                Num(w, "limit", x.LimitBytes, QuantityUnit.Bytes);
                if (x.Mappers != 1)
                {
                    w.Append(I).Append("mappers: ").Append(x.Mappers.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                break;
            case PageCacheActor x:
                Dist(w, "rate", x.Rate);
                Dist(w, "lifetime", x.Lifetime);
                Num(w, "dirty", x.DirtyFraction, QuantityUnit.Fraction);
                w.Append(I).Append("highmem: ").Append(x.Highmem ? "true" : "false").Append('\n');
                Num(w, "limit", x.LimitBytes, QuantityUnit.Bytes);
                break;
            case SlabActor x:
                w.Append(I).Append("kind: ").Append(x.Reclaimable ? "reclaimable" : "unmovable").Append('\n');
                Dist(w, "rate", x.Rate);
                w.Append(I).Append("orders: [").Append(string.Join(", ", x.OrderWeights.Select(o => o.ToString("R", CultureInfo.InvariantCulture)))).Append("]\n");
                Dist(w, "lifetime", x.Lifetime);
                Num(w, "limit", x.LimitBytes, QuantityUnit.Bytes);
                break;
            case AtomicActor x:
                w.Append(I).Append("order: ").Append(x.Order.ToString(CultureInfo.InvariantCulture)).Append('\n');
                Dist(w, "burst", x.Burst);
                Dist(w, "interval", x.Interval);
                Dist(w, "lifetime", x.Lifetime);
                break;
            case ThpActor x:
                Dist(w, "rate", x.Rate);
                Dist(w, "lifetime", x.Lifetime);
                break;
            case CmaActor x:
                w.Append(I).Append("device: ").Append(Q(x.Device)).Append('\n');
                Opt(w, I + "area", x.Area);
                Num(w, "size", x.SizeBytes, QuantityUnit.Bytes);
                w.Append(I).Append("count: ").Append(x.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                Num(w, "period", x.PeriodSeconds, QuantityUnit.Seconds);
                Dist(w, "hold", x.Hold);
                Num(w, "deadline", x.DeadlineSeconds, QuantityUnit.Seconds);
                break;
            case GiganticActor x:
                w.Append(I).Append("count: ").Append(x.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                Num(w, "size", x.SizeBytes, QuantityUnit.Bytes);
                Dist(w, "hold", x.Hold);
                break;
            case OfflineActor x:
                w.Append(I).Append("blocks: ").Append(x.Blocks.Count > 0 ? $"[{string.Join(", ", x.Blocks)}]" : x.BlockCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
                break;
            case OnlineActor x:
                w.Append(I).Append("blocks: ").Append(x.Blocks.Count > 0 ? $"[{string.Join(", ", x.Blocks)}]" : x.BlockCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
                w.Append(I).Append("zone: ").Append(x.Movable ? "movable" : "kernel").Append('\n');
                break;
            case DropCachesActor x:
                w.Append(I).Append("mode: ").Append(x.Mode.ToString(CultureInfo.InvariantCulture)).Append('\n');
                break;
        }
    }

    private static void Num(StringBuilder w, string key, double? v, QuantityUnit unit)
    {
        if (v is double d)
        {
            w.Append("        ").Append(key).Append(": ").Append(Quantities.Format(d, unit)).Append('\n');
        }
    }

    private static void Dist(StringBuilder w, string key, ScenarioDistribution? d)
    {
        if (d is null)
        {
            return;
        }

        w.Append("        ").Append(key).Append(": ");
        string F(double v) => Quantities.Format(v, d.Unit);
        w.Append(d.Kind switch
        {
            DistributionKind.Constant => F(d.A),
            DistributionKind.Uniform => $"{{dist: uniform, min: {F(d.A)}, max: {F(d.B)}}}",
            DistributionKind.Exponential => $"{{dist: exponential, mean: {F(d.A)}}}",
            DistributionKind.LogNormal => $"{{dist: lognormal, median: {F(d.A)}, sigma: {d.B.ToString("R", CultureInfo.InvariantCulture)}}}",
            _ => d.File is not null
                ? $"{{dist: histogram, file: {Q(d.File)}}}"
                : $"{{dist: histogram, buckets: [{string.Join(", ", d.Buckets.Select(b => $"[{F(b.Value)}, {b.Weight.ToString("R", CultureInfo.InvariantCulture)}]"))}]}}",
        });
        w.Append('\n');
    }

    private static void Opt(StringBuilder w, string key, string? value)
    {
        if (value is not null)
        {
            w.Append(key).Append(": ").Append(Q(value)).Append('\n');
        }
    }

    /// <summary>A double-quoted YAML string.</summary>
    private static string Q(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";
}
