using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using ZoneLab.Contiguous;
using ZoneLab.Workloads.Actors;

namespace ZoneLab.Workloads;

/// <summary>
/// Prints a <see cref="Scenario"/> as scenario YAML that <see cref="ScenarioLoader"/> reads back to an equal
/// scenario (every key written explicitly, quantities in their base units), through YamlDotNet's emitter; each actor
/// kind writes its own keys (<see cref="ActorKind"/>).
/// </summary>
public static class ScenarioWriter
{
    /// <summary>The YAML text.</summary>
    public static string Write(Scenario s)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(text, EmitterSettings.Default.WithBestIndent(2).WithBestWidth(int.MaxValue).WithIndentedSequences());
        var w = new ScenarioYamlWriter(emitter);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, true));
        w.BeginMapping();
        w.String("name", s.Name);
        w.String("description", s.Description);
        w.String("kernel", s.Kernel);
        w.Integer("seed", s.Seed);
        WriteMachine(w, s.Machine);
        if (s.Variants.Count == 0)
        {
            w.List("designs", s.Designs);
        }
        else
        {
            w.BeginSequence("variants");
            foreach (ScenarioVariant v in s.Variants)
            {
                w.BeginMapping();
                w.String("name", v.Name);
                w.Plain("design", v.Design);
                if (v.Cmdline.Length > 0)
                {
                    w.String("cmdline", v.Cmdline);
                }
                if (v.NumaPerController)
                {
                    w.Plain("numa", "controllers");
                }
                w.EndMapping();
            }
            w.EndSequence();
        }

        w.BeginSequence("phases");
        foreach (ScenarioPhase p in s.Phases)
        {
            w.BeginMapping();
            w.String("name", p.Name);
            w.Quantity("duration", p.DurationSeconds, QuantityUnit.Seconds);
            w.BeginSequence("actors", empty: p.Actors.Count == 0);
            foreach (ScenarioActor a in p.Actors)
            {
                WriteActor(w, a);
            }
            w.EndSequence();
            w.EndMapping();
        }
        w.EndSequence();
        w.EndMapping();
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void WriteMachine(ScenarioYamlWriter w, ScenarioMachine m)
    {
        w.BeginMapping("machine");
        w.Quantity("mem", m.Mem, QuantityUnit.Bytes);
        if (m.Numa.Count > 0)
        {
            w.List("numa", m.Numa.Select(n => Quantities.Format(n, QuantityUnit.Bytes)));
        }

        w.String("type", m.Type);
        w.String("dmesg", m.Dmesg);
        w.String("dtb", m.Dtb);
        if (m.Memory.Count > 0)
        {
            w.List("memory", m.Memory.Select(r => r.ToString()));
        }
        if (m.MemoryControllers.Count > 0)
        {
            w.BeginSequence("memory_controllers");
            foreach (MemoryController c in m.MemoryControllers)
            {
                w.BeginMapping();
                w.String("name", c.Name);
                w.List("ranges", c.Ranges.Select(r => r.ToString()));
                w.Quantity("bandwidth", c.BandwidthBytesPerSecond, QuantityUnit.BytesPerSecond);
                w.EndMapping();
            }
            w.EndSequence();
        }
        if (m.KernelTraffic is KernelTraffic kt)
        {
            w.BeginMapping("kernel_traffic");
            w.Quantity("slab", kt.SlabBytesPerSecond, QuantityUnit.BytesPerSecond);
            w.Quantity("page_tables", kt.PageTableFraction, QuantityUnit.Fraction);
            w.Quantity("memmap", kt.MemmapFraction, QuantityUnit.Fraction);
            w.EndMapping();
        }

        w.String("cmdline", m.Cmdline);
        if (m.Swap > 0)
        {
            w.Quantity("swap", m.Swap, QuantityUnit.Bytes);
        }

        if (m.ContigCosts != ContigCostModel.Default)
        {
            ContigCostModel c = m.ContigCosts;
            w.BeginMapping("contig_costs");
            w.Quantity("migrate", c.MigrateUsPerPage / 1e6, QuantityUnit.Seconds);
            w.Quantity("discard", c.DiscardUsPerPage / 1e6, QuantityUnit.Seconds);
            w.Quantity("writeback", c.WritebackUsPerPage / 1e6, QuantityUnit.Seconds);
            w.Quantity("swap_out", c.SwapOutUsPerPage / 1e6, QuantityUnit.Seconds);
            w.Quantity("attempt", c.AttemptUs / 1e6, QuantityUnit.Seconds);
            w.Quantity("pageblock", c.IsolateUsPerPageblock / 1e6, QuantityUnit.Seconds);
            w.EndMapping();
        }

        if (m.Sysctls.Count > 0)
        {
            w.BeginMapping("sysctls");
            foreach ((string k, string v) in m.Sysctls)
            {
                w.String(k, v);
            }
            w.EndMapping();
        }
        w.EndMapping();
    }

    private static void WriteActor(ScenarioYamlWriter w, ScenarioActor a)
    {
        w.BeginMapping();
        w.Plain("type", a.Type);
        w.String("name", a.Name);
        w.Quantity("start", a.StartSeconds, QuantityUnit.Seconds);
        w.Quantity("stop", a.StopSeconds, QuantityUnit.Seconds);
        if (a.AccessBytesPerSecond > 0)
        {
            w.Quantity("access", a.AccessBytesPerSecond, QuantityUnit.BytesPerSecond);
        }
        if (a.Node > 0)
        {
            w.Integer("node", a.Node);
        }
        ActorKinds.For(a).Write(a, w);
        w.EndMapping();
    }
}
