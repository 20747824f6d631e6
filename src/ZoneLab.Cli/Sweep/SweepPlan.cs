using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// The points of a grid and how one runs. Point <c>p</c>'s parameters follow from <c>p</c> alone (mixed radix: axes in
/// file order, then design, then seed fastest), so any process, shard or retry computes the same point and row.
/// </summary>
internal sealed class SweepPlan
{
    private readonly ConcurrentDictionary<int, Lazy<Scenario>> _scenarios = new();

    public SweepPlan(SweepGrid grid)
    {
        Grid = grid;
        Columns = SweepColumns.For(grid);
        Count = grid.PointCount;
        Fingerprint = ComputeFingerprint(grid);
    }

    /// <summary>The grid.</summary>
    public SweepGrid Grid { get; }

    /// <summary>The row columns.</summary>
    public IReadOnlyList<SweepColumn> Columns { get; }

    /// <summary>Number of points.</summary>
    public int Count { get; }

    /// <summary>A hash of everything that decides the rows (scenario text, axes, designs, seeds, metrics, tick, tool version).</summary>
    public string Fingerprint { get; }

    /// <summary>The version of this zonelab, as the rows record it.</summary>
    public static string ToolVersion { get; } = typeof(SweepPlan).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The parameters of point <paramref name="p"/>.</summary>
    public SweepPoint Point(int p)
    {
        if (p < 0 || p >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(p));
        }
        int rest = p;
        int seed = rest % Grid.Seeds.Count;
        rest /= Grid.Seeds.Count;
        int design = rest % Grid.Designs.Count;
        rest /= Grid.Designs.Count;
        int combo = rest;
        var axisIndex = new int[Grid.Axes.Count];
        for (int a = Grid.Axes.Count - 1; a >= 0; a--)
        {
            axisIndex[a] = rest % Grid.Axes[a].Values.Count;
            rest /= Grid.Axes[a].Values.Count;
        }
        return new SweepPoint(p, combo, axisIndex, Grid.Designs[design], Grid.Seeds[seed]);
    }

    /// <summary>"cmdline.cma=256M, design=dmb, seed=3".</summary>
    public string Describe(SweepPoint pt)
    {
        var parts = new List<string>();
        for (int a = 0; a < Grid.Axes.Count; a++)
        {
            parts.Add($"{Grid.Axes[a].Key}={Grid.Axes[a].Values[pt.AxisIndex[a]]}");
        }
        parts.Add("design=" + pt.Design);
        parts.Add("seed=" + pt.Seed.ToString(CultureInfo.InvariantCulture));
        return string.Join(", ", parts);
    }

    /// <summary>The scenario of a point's axis values (shared by its designs and seeds); a value the scenario rejects names the point.</summary>
    public Scenario Scenario(SweepPoint pt)
    {
        Lazy<Scenario> lazy = _scenarios.GetOrAdd(pt.Combination, _ => new Lazy<Scenario>(() =>
        {
            var values = new List<(SweepAxis, string)>();
            for (int a = 0; a < Grid.Axes.Count; a++)
            {
                values.Add((Grid.Axes[a], Grid.Axes[a].Values[pt.AxisIndex[a]]));
            }
            return SweepScenarios.Build(Grid, values);
        }));
        try
        {
            return lazy.Value;
        }
        catch (ZoneLabInputException e)
        {
            throw PointError(pt, e);
        }
    }

    /// <summary>
    /// Checks, before anything runs, that every axis combination loads and boots (the kernel command line parsed, the
    /// layout computed, as <see cref="SimulationRunner"/> does first) for each design, so that a value the scenario or
    /// the kernel rejects stops the sweep at once, naming its first point. Returns what those boots warned about (a
    /// CMA area the kernel refuses, so that every cma_alloc() of those points fails), once per warning with its first
    /// point and the number of points it applies to.
    /// </summary>
    public List<string> Validate()
    {
        var warned = new Dictionary<string, (SweepPoint First, int Points)>(StringComparer.Ordinal);
        var order = new List<string>();
        int perCombo = Grid.Designs.Count * Grid.Seeds.Count;
        for (int c = 0; c < Count / perCombo; c++)
        {
            for (int d = 0; d < Grid.Designs.Count; d++)
            {
                SweepPoint pt = Point((c * perCombo) + (d * Grid.Seeds.Count));
                foreach (string w in BootWarnings(pt))
                {
                    if (warned.TryGetValue(w, out (SweepPoint First, int Points) seen))
                    {
                        warned[w] = (seen.First, seen.Points + Grid.Seeds.Count);
                    }
                    else
                    {
                        warned[w] = (pt, Grid.Seeds.Count);
                        order.Add(w);
                    }
                }
            }
        }
        return order.Select(w => warned[w].Points == 1
            ? $"point {warned[w].First.Index} ({Describe(warned[w].First)}): boot: {w}"
            : $"{warned[w].Points} points, the first {warned[w].First.Index} ({Describe(warned[w].First)}): boot: {w}").ToList();
    }

    /// <summary>
    /// Boots the layout of <paramref name="pt"/> as <see cref="SimulationRunner"/> does first (the dmb kernel takes
    /// movablecore=size@base entries) and returns what the boot warned about; a value the kernel rejects is an error
    /// naming the point.
    /// </summary>
    public IReadOnlyList<string> BootWarnings(SweepPoint pt)
    {
        Scenario s = Scenario(pt);
        ScenarioVariant? variant = s.Variants.FirstOrDefault(v => v.Name == pt.Design);
        DesignKind kind = DesignNames.Parse(variant?.Design ?? pt.Design, "designs");
        try
        {
            BootLayout layout = ScenarioBoot.Layout((variant?.Apply(s) ?? s).Machine, Grid.ScenarioBaseDirectory,
                DesignRegistry.For(kind).Features);
            return layout.Warnings;
        }
        catch (ZoneLabInputException e)
        {
            throw PointError(pt, e);
        }
    }

    /// <summary>Runs point <paramref name="p"/> and returns its row.</summary>
    public SweepRow Run(int p, Action<double>? progress = null)
    {
        SweepPoint pt = Point(p);
        Scenario s = Scenario(pt);
        var options = new SimulationOptions { Seed = pt.Seed, BaseDirectory = Grid.ScenarioBaseDirectory, TickSeconds = Grid.TickSeconds };
        DesignReport report;
        try
        {
            report = s.Variants.FirstOrDefault(v => v.Name == pt.Design) is ScenarioVariant variant
                ? SimulationRunner.Run(s, variant, options, progress)
                : SimulationRunner.Run(s, DesignNames.Parse(pt.Design, "designs"), options, progress);
        }
        catch (ZoneLabInputException e)
        {
            throw PointError(pt, e);
        }
        if (!report.Available)
        {
            throw new ZoneLabInputException(Grid.Source, $"point {p} ({Describe(pt)}): the design does not run: {report.SkipReason}");
        }
        return Row(pt, report);
    }

    /// <summary>The row of a point from its report.</summary>
    public SweepRow Row(SweepPoint pt, DesignReport report)
    {
        var values = new object?[Columns.Count];
        int i = 0;
        values[i++] = pt.Index;
        values[i++] = Grid.ScenarioName;
        values[i++] = pt.Design;
        values[i++] = pt.Seed;
        for (int a = 0; a < Grid.Axes.Count; a++)
        {
            string v = Grid.Axes[a].Values[pt.AxisIndex[a]];
            values[i++] = v;
            if (Grid.Axes[a].IsSize)
            {
                SweepValues.TryBytes(v, out ulong b);
                values[i++] = (long)b;
            }
        }
        foreach (SweepMetric m in Grid.Metrics)
        {
            values[i++] = m.Value(report) is double d && double.IsFinite(d) ? d : null;
        }
        values[i++] = ToolVersion;
        return new SweepRow(values);
    }

    private ZoneLabInputException PointError(SweepPoint pt, ZoneLabInputException e) =>
        new(Grid.Source, $"point {pt.Index} ({Describe(pt)}): {e.Message}");

    private static string ComputeFingerprint(SweepGrid g)
    {
        var sb = new StringBuilder();
        sb.Append(ToolVersion).Append('\n').Append(g.ScenarioYaml).Append('\n').Append(g.ScenarioSource).Append('\n');
        foreach (SweepAxis a in g.Axes)
        {
            sb.Append("axis ").Append(a.Key).Append('=').AppendJoin('\u0001', a.Values).Append('\n');
        }
        sb.Append("designs ").AppendJoin(',', g.Designs).Append('\n');
        sb.Append("seeds ").AppendJoin(',', g.Seeds).Append('\n');
        sb.Append("metrics ").AppendJoin(',', g.Metrics.Select(m => m.Name)).Append('\n');
        sb.Append("tick ").Append(g.TickSeconds.ToString("R", CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }
}

/// <summary>One point: its index, the index of its axis combination, each axis's value index, the design and the seed.</summary>
internal sealed record SweepPoint(int Index, int Combination, int[] AxisIndex, string Design, long Seed);

/// <summary>One row of results, values in <see cref="SweepPlan.Columns"/> order (index 0 is the point).</summary>
internal sealed record SweepRow(object?[] Values)
{
    /// <summary>The point.</summary>
    public int Point => (int)Values[0]!;

    /// <summary>Whether two rows hold the same values.</summary>
    public bool SameAs(SweepRow other) => Values.Length == other.Values.Length && Values.Zip(other.Values).All(p => Equals(p.First, p.Second));
}
