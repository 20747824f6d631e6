using System.Collections.Concurrent;
using System.Globalization;
using ZoneLab.Cli.Sweep;
using ZoneLab.Workloads;

namespace ZoneLab.Cli.Sizing;

/// <summary>What <c>zonelab size</c> varies: the CMA area (<c>cma=</c>), <c>movablecore=</c>, or the size of each Designated Movable Block (<c>movablecore=SIZE@BASE,...</c>, bases kept).</summary>
internal enum SizeKnob
{
    /// <summary><c>cma=SIZE</c>.</summary>
    Cma,

    /// <summary><c>movablecore=SIZE</c>.</summary>
    Movablecore,

    /// <summary>Every <c>SIZE@BASE</c> entry of <c>movablecore=</c> gets SIZE.</summary>
    Dmb,
}

/// <summary>
/// Finds, per design, the smallest size on a grid (min, min+step, ..., max) whose runs meet the goal on every seed, by
/// bisection: the search assumes bigger is never worse, checks the answer's neighbours (the size below must fail, the
/// size above must pass) and reports every evaluated size that contradicts the assumption. Each evaluation runs the
/// design on all seeds as points of a <see cref="SweepPlan"/> (one grid per design, its axis the sizes), the designs'
/// evaluations of a round in parallel.
/// </summary>
internal sealed class SizeSearch
{
    private readonly List<DesignSearch> _designs = [];
    private readonly int _jobs;
    /// <summary>Sets up the search.</summary>
    public SizeSearch(IReadOnlyList<DesignSearch> designs, SizeGoal goal, int jobs)
    {
        _designs = [.. designs];
        Goal = goal;
        _jobs = jobs;
    }

    /// <summary>The goal.</summary>
    public SizeGoal Goal { get; }

    /// <summary>The per-design searches.</summary>
    public IReadOnlyList<DesignSearch> Designs => _designs;

    /// <summary>Builds one grid per design over <paramref name="sizes"/>.</summary>
    public static List<DesignSearch> Plan(string scenarioSpec, Scenario s, SizeKnob knob, IReadOnlyList<string> designs, IReadOnlyList<ulong> sizes,
        IReadOnlyList<long> seeds, SizeGoal goal, double tick)
    {
        var list = new List<DesignSearch>();
        foreach (string d in designs)
        {
            string key = knob == SizeKnob.Cma ? "cmdline.cma" : "cmdline.movablecore";
            var values = new List<string>();
            string? dmb = knob == SizeKnob.Dmb ? SweepScenarios.CmdlineValue(s, "movablecore", s.Variants.Any(v => v.Name == d) ? d : null) : null;
            if (knob == SizeKnob.Dmb && (dmb is null || !dmb.Contains('@')))
            {
                throw new ZoneLabInputException("--vary dmb", $"design '{d}' boots without movablecore=SIZE@BASE (Designated Movable Blocks) to resize");
            }
            foreach (ulong size in sizes)
            {
                values.Add(knob switch
                {
                    SizeKnob.Dmb => string.Join(',', dmb!.Split(',').Select(e => SweepValues.Format(size) + e[e.IndexOf('@')..])),
                    _ => SweepValues.Format(size),
                });
            }
            string yaml = "scenario: " + Quote(scenarioSpec) + "\n"
                + "designs: [" + Quote(d) + "]\n"
                + "seeds: [" + string.Join(", ", seeds.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]\n"
                + "tick: " + tick.ToString("R", CultureInfo.InvariantCulture) + "\n"
                + "metrics: [" + string.Join(", ", goal.Metrics.Select(m => m.Name)) + "]\n"
                + "axes:\n  " + key + ": [" + string.Join(", ", values.Select(Quote)) + "]\n";
            SweepGrid grid = SweepGridLoader.Load(yaml, $"zonelab size ({d})", null);
            list.Add(new DesignSearch(d, new SweepPlan(grid), sizes));
        }
        return list;
    }

    private static string Quote(string v) => "\"" + v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>Runs the search to the end.</summary>
    /// <param name="progress">Called with a line per round.</param>
    public void Run(Action<string> progress)
    {
        int round = 0;
        while (true)
        {
            var want = new List<(DesignSearch D, int Index)>();
            foreach (DesignSearch d in _designs)
            {
                if (d.Next() is int i)
                {
                    want.Add((d, i));
                }
            }
            if (want.Count == 0)
            {
                return;
            }
            round++;
            progress($"round {round}: " + string.Join(", ", want.Select(w => $"{w.D.Design} {SweepValues.Format(w.D.Sizes[w.Index])}")));
            var work = new List<(DesignSearch D, int Index, int Point)>();
            foreach ((DesignSearch d, int i) in want)
            {
                for (int s = 0; s < d.Plan.Grid.Seeds.Count; s++)
                {
                    work.Add((d, i, (i * d.Plan.Grid.Seeds.Count) + s));
                }
            }
            var rows = new ConcurrentDictionary<(string, int), SweepRow>();
            try
            {
                // the round's runs longest design first (SweepQueue), so a slow design's seeds do not run alone at the end
                new SweepQueue(Enumerable.Range(0, work.Count), k => work[k].D.Design).Drain(_jobs, k => rows[(work[k].D.Design, work[k].Point)] = work[k].D.Plan.Run(work[k].Point));
            }
            catch (AggregateException ae) when (ae.InnerExceptions.FirstOrDefault(e => e is ZoneLabInputException) is Exception input)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(input).Throw();
            }
            foreach ((DesignSearch d, int i) in want)
            {
                var seedRows = new List<SweepRow>();
                for (int s = 0; s < d.Plan.Grid.Seeds.Count; s++)
                {
                    seedRows.Add(rows[(d.Design, (i * d.Plan.Grid.Seeds.Count) + s)]);
                }
                d.Record(i, seedRows, Goal);
            }
        }
    }
}

/// <summary>The bisection of one design: evaluated sizes, their runs, and the answer.</summary>
internal sealed class DesignSearch
{
    private readonly SortedDictionary<int, SizeEvaluation> _done = [];
    private int _lo = -1;
    private int _hi = -1;
    private bool _verifiedAbove;

    public DesignSearch(string design, SweepPlan plan, IReadOnlyList<ulong> sizes)
    {
        Design = design;
        Plan = plan;
        Sizes = sizes;
    }

    /// <summary>Design or variant name.</summary>
    public string Design { get; }

    /// <summary>The design's grid (axis: the sizes).</summary>
    public SweepPlan Plan { get; }

    /// <summary>The candidate sizes in bytes, ascending.</summary>
    public IReadOnlyList<ulong> Sizes { get; }

    /// <summary>Every evaluated size, by index.</summary>
    public IReadOnlyDictionary<int, SizeEvaluation> Evaluations => _done;

    /// <summary>The index of the smallest passing size, or null (none passes, or not done).</summary>
    public int? Answer { get; private set; }

    /// <summary>Whether the search found nothing passes even at the largest size.</summary>
    public bool NoneMeets { get; private set; }

    /// <summary>
    /// Evaluated sizes that contradict "bigger is never worse": a size that passes while a larger one fails. Empty when
    /// what was evaluated is consistent.
    /// </summary>
    public List<(ulong Passes, ulong FailsAbove)> NonMonotone()
    {
        var list = new List<(ulong, ulong)>();
        foreach ((int i, SizeEvaluation e) in _done)
        {
            if (!e.Passed)
            {
                continue;
            }
            foreach ((int j, SizeEvaluation f) in _done)
            {
                if (j > i && !f.Passed)
                {
                    list.Add((Sizes[i], Sizes[j]));
                }
            }
        }
        return list;
    }

    /// <summary>The next size index to evaluate, or null when the search is over.</summary>
    public int? Next()
    {
        int last = Sizes.Count - 1;
        if (!_done.ContainsKey(last))
        {
            return last; // first the largest: if it fails, no size on the grid does
        }
        if (!_done[last].Passed)
        {
            NoneMeets = true;
            return null;
        }
        if (!_done.ContainsKey(0))
        {
            return 0;
        }
        if (_hi < 0)
        {
            if (_done[0].Passed)
            {
                Answer = 0;
                return VerifyAbove(0);
            }
            _lo = 0;
            _hi = last;
        }
        while (_hi - _lo > 1)
        {
            int mid = _lo + ((_hi - _lo) / 2);
            if (!_done.TryGetValue(mid, out SizeEvaluation? e))
            {
                return mid;
            }
            if (e.Passed)
            {
                _hi = mid;
            }
            else
            {
                _lo = mid;
            }
        }
        Answer = _hi;
        return VerifyAbove(_hi);
    }

    // the size below the answer failed (bisection left it as lo); the size above must pass too
    private int? VerifyAbove(int answer)
    {
        if (_verifiedAbove || answer + 1 >= Sizes.Count || _done.ContainsKey(answer + 1))
        {
            _verifiedAbove = true;
            return null;
        }
        _verifiedAbove = true;
        return answer + 1;
    }

    /// <summary>Records the runs of size <paramref name="index"/>.</summary>
    public void Record(int index, IReadOnlyList<SweepRow> rows, SizeGoal goal)
    {
        var perSeed = new List<(long Seed, bool Passed, Dictionary<string, double?> Values)>();
        foreach (SweepRow r in rows)
        {
            var values = new Dictionary<string, double?>(StringComparer.Ordinal);
            foreach (SweepMetric m in Plan.Grid.Metrics)
            {
                values[m.Name] = (double?)r.Values[SweepSummary.MetricColumn(ShapeOf(Plan), m)];
            }
            perSeed.Add(((long)r.Values[3]!, goal.Holds(values), values));
        }
        _done[index] = new SizeEvaluation(Sizes[index], perSeed.All(p => p.Passed), perSeed, rows);
    }

    private static SweepShape ShapeOf(SweepPlan plan) => SweepManifest.Of(plan, null).ToShape();
}

/// <summary>The runs of one size: per seed whether the goal held and the goal's metrics.</summary>
internal sealed record SizeEvaluation(ulong Size, bool Passed, IReadOnlyList<(long Seed, bool Passed, Dictionary<string, double?> Values)> Seeds, IReadOnlyList<SweepRow> Rows);
