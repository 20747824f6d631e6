using ZoneLab.Cli.Sizing;
using ZoneLab.Cli.Sweep;
using ZoneLab.Metrics;

namespace ZoneLab.Tests.Sweep;

/// <summary>Goals and the bisection of <c>zonelab size</c>, on synthetic results (no simulation).</summary>
public class SizeSearchTests
{
    [Fact]
    public void GoalsReadUnitsPerMetric()
    {
        SizeGoal g = SizeGoal.Parse("cma_alloc.p99<=500ms and kernel_failures==0 and cma_alloc.success==100%");
        Assert.Equal(3, g.Conditions.Count);
        Assert.Equal(500, g.Conditions[0].Value);
        Assert.Equal(1.0, g.Conditions[2].Value);
        Assert.Equal(1500, SizeGoal.Parse("cma_alloc.max < 1.5s").Conditions[0].Value);
        Assert.Equal(11.5, SizeGoal.Parse("bandwidth.achieved>=11.5GB/s").Conditions[0].Value);
        Assert.Equal(0.5, SizeGoal.Parse("cma_use >= 50%").Conditions[0].Value);
        Assert.True(g.Holds(new Dictionary<string, double?> { ["cma_alloc.p99"] = 500, ["kernel_failures"] = 0, ["cma_alloc.success"] = 1 }));
        Assert.False(g.Holds(new Dictionary<string, double?> { ["cma_alloc.p99"] = 500.1, ["kernel_failures"] = 0, ["cma_alloc.success"] = 1 }));
        // no cma_alloc calls: no latency, the condition fails rather than passing vacuously
        Assert.False(g.Holds(new Dictionary<string, double?> { ["cma_alloc.p99"] = null, ["kernel_failures"] = 0, ["cma_alloc.success"] = 1 }));
    }

    [Theory]
    [InlineData("cma_alloc.p99<=fast", "expected a time")]
    [InlineData("cma_alloc.p98<=5ms", "unknown metric 'cma_alloc.p98'")]
    [InlineData("kernel_failures", "expected METRIC OP VALUE")]
    [InlineData("kernel_failures==0 and", "expected METRIC OP VALUE")]
    public void BadGoalsNameTheCondition(string goal, string expected)
    {
        var e = Assert.Throws<ZoneLabInputException>(() => SizeGoal.Parse(goal));
        Assert.StartsWith("--goal: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    private static readonly string s_scenario = Path.Combine(Path.GetTempPath(), "zonelab-size-" + Environment.ProcessId + ".yaml");

    /// <summary>Runs a search whose "run" is <paramref name="passes"/>(size index, seed) instead of a simulation.</summary>
    private static (DesignSearch D, List<int> Evaluated) Search(int sizes, Func<int, long, bool> passes)
    {
        File.WriteAllText(s_scenario, SweepGridLoaderTests.SmallScenario);
        SizeGoal goal = SizeGoal.Parse("cma_alloc.p99<=500ms");
        var s = ZoneLab.Workloads.ScenarioLoader.LoadFile(s_scenario);
        var sizeList = Enumerable.Range(1, sizes).Select(i => (ulong)i << 24).ToList(); // 16M steps
        DesignSearch d = SizeSearch.Plan(s_scenario, s, SizeKnob.Cma, ["migrate-cma"], sizeList, [1, 2], goal, 0.1)[0];
        var evaluated = new List<int>();
        while (d.Next() is int i)
        {
            evaluated.Add(i);
            var rows = new List<SweepRow>();
            for (int k = 0; k < 2; k++)
            {
                SweepPoint pt = d.Plan.Point((i * 2) + k);
                var report = new DesignReport { Design = "migrate-cma", DeviceRequests = 1, DeviceSuccesses = 1, DeviceLatency = new LatencySummary(1, 1, passes(i, pt.Seed) ? 100 : 900, 900) };
                rows.Add(d.Plan.Row(pt, report));
            }
            d.Record(i, rows, goal);
        }
        return (d, evaluated);
    }

    [Fact]
    public void BisectionFindsTheSmallestPassingSizeAndChecksTheSizeAbove()
    {
        // 32 sizes; from index 19 on both seeds pass, at 18 only seed 1 does (so 18 fails: every seed must pass)
        var (d, evaluated) = Search(32, (i, seed) => i >= 19 || (i == 18 && seed == 1));
        Assert.Equal(19, d.Answer);
        Assert.Empty(d.NonMonotone());
        // largest, smallest, then halving [0, 31]: 15 fail, 23 pass, 19 pass, 17 fail, 18 fail; then 20 (above the answer)
        Assert.Equal([31, 0, 15, 23, 19, 17, 18, 20], evaluated);
    }

    [Fact]
    public void WhatBisectionSawIsConsistentWhenTheAnswerIsOneOfTwoEdges()
    {
        // passes at 10..12 and from 20 on: 31 P, 0 F, 15 F, 23 P, 19 F, 21 P, 20 P; 21 is known: answer 20, and
        // nothing it evaluated contradicts monotony (it cannot see 10..12 without running every size)
        var (d, evaluated) = Search(32, (i, _) => (i >= 10 && i <= 12) || i >= 20);
        Assert.Equal(20, d.Answer);
        Assert.Equal([31, 0, 15, 23, 19, 21, 20], evaluated);
        Assert.Empty(d.NonMonotone());
    }

    [Fact]
    public void ASizeAboveTheAnswerThatFailsIsReportedAsNotMonotone()
    {
        // passes at 15 and from 28 on: 31 P, 0 F, 15 P, 7 F, 11 F, 13 F, 14 F: answer 15; its neighbour 16 fails
        var (d, evaluated) = Search(32, (i, _) => i == 15 || i >= 28);
        Assert.Equal(15, d.Answer);
        Assert.Equal([31, 0, 15, 7, 11, 13, 14, 16], evaluated);
        Assert.Equal([(16UL << 24, 17UL << 24)], d.NonMonotone()); // index 15 is 256M, index 16 is 272M
    }

    [Fact]
    public void NothingPassesEvenAtTheLargestSize()
    {
        var (d, evaluated) = Search(8, (_, _) => false);
        Assert.True(d.NoneMeets);
        Assert.Null(d.Answer);
        Assert.Equal([7], evaluated);
    }
}
