using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using ZoneLab.Cli.Sweep;
using ZoneLab.Workloads;

namespace ZoneLab.Cli.Sizing;

/// <summary>
/// <c>zonelab size SCENARIO --vary cma|movablecore|dmb --goal EXPR [--designs a,b] [--seeds N] [--min S] [--max S]
/// [--step S] [--plot FILE] [--format text|json]</c>: per design the smallest size meeting the goal on every seed
/// (docs/sweeps.md, "Sizing").
/// </summary>
internal static class SizeCommand
{
    public static Command Create()
    {
        var scenario = new Argument<string>("SCENARIO") { Description = $"A scenario file or built-in name ({string.Join(", ", BuiltInScenarios.Names)})." };
        var vary = new Option<string>("--vary") { Description = "What to size: cma (cma=SIZE), movablecore (movablecore=SIZE) or dmb (each movablecore=SIZE@BASE entry).", Required = true };
        vary.AcceptOnlyFromAmong("cma", "movablecore", "dmb");
        var goal = new Option<string>("--goal") { Description = "Conditions joined by 'and', e.g. \"cma_alloc.p99<=500ms and kernel_failures==0 and cma_alloc.success==100%\".", Required = true };
        var designs = new Option<string?>("--designs", "--design") { Description = "Comma-separated designs or scenario variants (default: the scenario's variants, else its designs)." };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per size, from the scenario's seed on (default 3).", DefaultValueFactory = _ => 3 };
        var min = new Option<string?>("--min") { Description = "Smallest size tried (default: the step)." };
        var max = new Option<string?>("--max") { Description = "Largest size tried (default: half the RAM for cma, 3/4 for movablecore, half the smallest RAM range for dmb)." };
        var step = new Option<string?>("--step") { Description = "Size granularity (default 32M; 16M for dmb)." };
        var plot = new Option<string?>("--plot") { Description = "The PNG of the goal's metrics against size (default size-SCENARIO-VARY.png)." };
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var jobs = new Option<int?>("--jobs") { Description = "Runs at once (default: the number of cores)." };
        var cmd = new Command("size", "Find per design the smallest CMA / movablecore / DMB size that meets a goal on every seed.");
        cmd.Arguments.Add(scenario);
        foreach (Option o in new Option[] { vary, goal, designs, seeds, min, max, step, plot, format, jobs })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(pr =>
        {
            string spec = pr.GetValue(scenario)!;
            Scenario s = BuiltInScenarios.Resolve(spec, out _);
            if (File.Exists(spec))
            {
                spec = Path.GetFullPath(spec);
            }
            SizeKnob knob = pr.GetValue(vary) switch
            {
                "cma" => SizeKnob.Cma,
                "movablecore" => SizeKnob.Movablecore,
                "dmb" => SizeKnob.Dmb,
                var other => throw new ZoneLabInputException("--vary", $"'{other}' is not cma, movablecore or dmb"),
            };
            SizeGoal g = SizeGoal.Parse(pr.GetValue(goal)!);
            int n = pr.GetValue(seeds);
            if (n < 1 || n > 1000)
            {
                throw new ZoneLabInputException("--seeds", "expected 1 to 1000 seeds");
            }
            List<string> names = Names(pr.GetValue(designs), s);
            List<ulong> sizes = Sizes(s, knob, pr.GetValue(min), pr.GetValue(max), pr.GetValue(step));
            var seedList = Enumerable.Range(0, n).Select(i => s.Seed + i).ToList();
            string png = pr.GetValue(plot) ?? $"size-{s.Name}-{pr.GetValue(vary)}.png";
            // checked before the search, which may take minutes, rather than when the plot is written after it
            AtomicOutput.CheckFile(png, "--plot");
            var search = new SizeSearch(SizeSearch.Plan(spec, s, knob, names, sizes, seedList, g, 0.1), g, pr.GetValue(jobs) ?? Environment.ProcessorCount);
            search.Run(line => Console.Error.WriteLine("zonelab: " + line));
            bool drawn = new PlotGuard().Try(() => AtomicOutput.File(png, p => SizePlot.Save(p, s.Name, pr.GetValue(vary)!, search), "--plot"));
            if (pr.GetValue(format) == "json")
            {
                Console.Out.Write(Json(s.Name, pr.GetValue(vary)!, search));
            }
            else
            {
                Print(s.Name, pr.GetValue(vary)!, search);
            }
            if (drawn)
            {
                Console.Error.WriteLine($"zonelab: wrote {png}");
            }
            return 0;
        });
        return cmd;
    }

    private static List<string> Names(string? option, Scenario s)
    {
        if (option is null)
        {
            return s.Variants.Count > 0 ? [.. s.Variants.Select(v => v.Name)] : [.. s.Designs];
        }
        var list = new List<string>();
        foreach (string d in option.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ScenarioDesigns.All.Contains(d) && !s.Variants.Any(v => v.Name == d))
            {
                throw new ZoneLabInputException("--designs", $"'{d}' is neither a design ({string.Join(", ", ScenarioDesigns.All)}) nor a variant of {s.Name}");
            }
            if (!list.Contains(d))
            {
                list.Add(d);
            }
        }
        return list;
    }

    private static ulong Size(string? text, string option, ulong fallback)
    {
        if (text is null)
        {
            return fallback;
        }
        return SweepValues.TryBytes(text, out ulong b) && b > 0 ? b : throw new ZoneLabInputException(option, $"expected a size such as 64M or 1G, found '{text}'");
    }

    private static List<ulong> Sizes(Scenario s, SizeKnob knob, string? minText, string? maxText, string? stepText)
    {
        ulong ram = s.Machine.Mem ?? (ulong)s.Machine.Memory.Sum(r => (decimal)r.Size);
        ulong smallestRange = s.Machine.Memory.Count > 0 ? s.Machine.Memory.Min(r => r.Size) : ram;
        ulong step = Size(stepText, "--step", knob == SizeKnob.Dmb ? 16UL << 20 : 32UL << 20);
        ulong min = Size(minText, "--min", step);
        ulong defMax = knob switch
        {
            SizeKnob.Cma => ram / 2,
            SizeKnob.Movablecore => ram / 4 * 3,
            _ => smallestRange / 2,
        };
        ulong max = Size(maxText, "--max", Math.Max(min, defMax / step * step));
        if (ram == 0 && maxText is null)
        {
            throw new ZoneLabInputException("--max", "the scenario's machine gives no RAM size (a boot log or device tree): give --max");
        }
        if (max < min || (max - min) / step > 4096)
        {
            throw new ZoneLabInputException("--max", $"expected --min <= --max and at most 4096 steps (min {SweepValues.Format(min)}, max {SweepValues.Format(max)}, step {SweepValues.Format(step)})");
        }
        var list = new List<ulong>();
        for (ulong v = min; v <= max; v += step)
        {
            list.Add(v);
        }
        return list;
    }

    private static string Cell(SizeEvaluation e, SweepMetric m)
    {
        SweepSummary.Spread sp = SweepSummary.Of(e.Seeds.Select(x => x.Values[m.Name]));
        return SweepSummary.Cell(sp, m.Unit);
    }

    private static void Print(string scenario, string vary, SizeSearch search)
    {
        IAnsiConsole c = ConsoleFactory.Create();
        c.WriteLine($"{scenario}: smallest {vary} size meeting \"{search.Goal.Text}\" on every seed");
        var answers = new Table().Title("answer");
        foreach (string h in new[] { "design", vary, "runs", "note" })
        {
            answers.AddColumn(h);
        }
        foreach (DesignSearch d in search.Designs)
        {
            answers.AddRow(Markup.Escape(d.Design), Answer(d), (d.Evaluations.Count * d.Plan.Grid.Seeds.Count).ToString(CultureInfo.InvariantCulture), Markup.Escape(Note(d)));
        }
        c.Write(answers);
        var ev = new Table().Title(Markup.Escape("evidence: every size evaluated (median [min, max] over the seeds)"));
        ev.AddColumn("design");
        ev.AddColumn(vary);
        ev.AddColumn("seeds meeting the goal");
        foreach (SweepMetric m in search.Goal.Metrics)
        {
            ev.AddColumn(new TableColumn(Markup.Escape($"{m.Name} ({SweepSummary.UnitLabel(m.Unit)})")).RightAligned());
        }
        foreach (DesignSearch d in search.Designs)
        {
            foreach (SizeEvaluation e in d.Evaluations.Values)
            {
                var cells = new List<string> { Markup.Escape(d.Design), SweepValues.Format(e.Size), $"{e.Seeds.Count(x => x.Passed)}/{e.Seeds.Count}" };
                cells.AddRange(search.Goal.Metrics.Select(m => Markup.Escape(Cell(e, m))));
                ev.AddRow([.. cells]);
            }
        }
        c.Write(ev);
    }

    private static string Answer(DesignSearch d) => d.NoneMeets ? $"none up to {SweepValues.Format(d.Sizes[^1])}" : d.Answer is int i ? SweepValues.Format(d.Sizes[i]) : "?";

    private static string Note(DesignSearch d)
    {
        var notes = new List<string>();
        if (d.Answer is int i)
        {
            if (i > 0 && d.Evaluations.TryGetValue(i - 1, out SizeEvaluation? below))
            {
                (long seed, _, _) = below.Seeds.First(x => !x.Passed);
                notes.Add($"{SweepValues.Format(below.Size)} fails (seed {seed})");
            }
            else if (i == 0)
            {
                notes.Add("the smallest size tried already meets it (lower --min to look further)");
            }
        }
        // a size the kernel cannot reserve fails for that reason, not for the workload's: say so
        var refused = d.Evaluations.Keys
            .Where(k => d.Plan.BootWarnings(d.Plan.Point(k * d.Plan.Grid.Seeds.Count)).Any(w => w.StartsWith("cma: Failed to reserve", StringComparison.Ordinal)))
            .Select(k => SweepValues.Format(d.Sizes[k])).ToList();
        if (refused.Count > 0)
        {
            notes.Add($"the kernel cannot reserve {string.Join(", ", refused)} on this machine ('cma: Failed to reserve'): no area, every cma_alloc() fails");
        }
        List<(ulong Passes, ulong FailsAbove)> nm = d.NonMonotone();
        if (nm.Count > 0)
        {
            notes.Add("NOT MONOTONE: " + string.Join("; ", nm.Select(x => $"{SweepValues.Format(x.Passes)} passes but {SweepValues.Format(x.FailsAbove)} fails")));
        }
        else if (d.Answer is int a && a + 1 < d.Sizes.Count)
        {
            notes.Add($"{SweepValues.Format(d.Sizes[a + 1])} passes too");
        }
        return string.Join("; ", notes);
    }

    private static string Json(string scenario, string vary, SizeSearch search)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("scenario", scenario);
            w.WriteString("vary", vary);
            w.WriteString("goal", search.Goal.Text);
            w.WriteStartArray("designs");
            foreach (DesignSearch d in search.Designs)
            {
                w.WriteStartObject();
                w.WriteString("design", d.Design);
                if (d.Answer is int i)
                {
                    w.WriteNumber("answer_bytes", d.Sizes[i]);
                    w.WriteString("answer", SweepValues.Format(d.Sizes[i]));
                }
                else
                {
                    w.WriteNull("answer_bytes");
                    w.WriteNull("answer");
                }
                w.WriteBoolean("monotone", d.NonMonotone().Count == 0);
                w.WriteString("note", Note(d));
                w.WriteStartArray("runs");
                foreach (SizeEvaluation e in d.Evaluations.Values)
                {
                    foreach ((long seed, bool passed, Dictionary<string, double?> values) in e.Seeds)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("size_bytes", e.Size);
                        w.WriteNumber("seed", seed);
                        w.WriteBoolean("meets_goal", passed);
                        foreach ((string k, double? v) in values)
                        {
                            if (v is double x)
                            {
                                w.WriteNumber(k, x);
                            }
                            else
                            {
                                w.WriteNull(k);
                            }
                        }
                        w.WriteEndObject();
                    }
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }
}
