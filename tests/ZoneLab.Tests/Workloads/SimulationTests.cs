using System.Text.Json;
using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

public class SimulationTests
{
    // 1 GiB, 128 MiB CMA: apps, slab and page cache for 6 s, then a device asks for 4 x 16 MiB every 2 s.
    private const string Mixed = """
        name: mixed
        seed: 7
        machine: {mem: 1G, cmdline: "cma=128M"}
        phases:
          - name: load
            duration: 6s
            actors:
              - {type: anon, rate: 48M/s, lifetime: {dist: exponential, mean: 3s}, pinned: 2%, limit: 400M}
              - {type: page_cache, rate: 32M/s, dirty: 0.2, lifetime: 1s}
              - {type: slab, kind: unmovable, rate: 100/s, orders: [0.7, 0.2, 0.1], lifetime: {dist: uniform, min: 1s, max: 4s}}
              - {type: atomic, order: 1, burst: {dist: uniform, min: 4, max: 32}, interval: 300ms, lifetime: 50ms}
              - {type: thp, rate: 2/s, lifetime: 2s}
              - {type: cma, device: isp, size: 16M, count: 4, period: 2s, hold: 1s, deadline: 200ms, start: 1s}
              - {type: drop_caches, mode: 1, start: 5s}
        """;

    private static Scenario Load(string yaml) => ScenarioLoader.Load(yaml, "test.yaml");

    private static string Json(DesignReport r) => JsonSerializer.Serialize(r);

    [Theory]
    [InlineData(DesignKind.MigrateCma)]
    [InlineData(DesignKind.Carveout)]
    public void SameScenarioAndSeedGiveTheSameReport(DesignKind design)
    {
        Scenario s = Load(Mixed);
        string a = Json(SimulationRunner.Run(s, design));
        string b = Json(SimulationRunner.Run(s, design));
        Assert.Equal(a, b);
        Assert.NotEqual(a, Json(SimulationRunner.Run(s, design, new SimulationOptions { Seed = 8 })));
    }

    [Fact]
    public void MixedLoadKeepsTheEngineConsistent()
    {
        // the invariant checker runs after every engine step: freeing only blocks the engine still shows as ours
        string small = Mixed.Replace("mem: 1G, cmdline: \"cma=128M\"", "mem: 256M, cmdline: \"cma=32M\"")
            .Replace("duration: 6s", "duration: 2s").Replace("size: 16M", "size: 4M").Replace("48M/s", "8M/s").Replace("32M/s", "4M/s").Replace("mode: 1, start: 5s", "mode: 1, start: 1.5s");
        DesignReport r = SimulationRunner.Run(Load(small), DesignKind.MigrateCma, new SimulationOptions { DebugChecks = true, TickSeconds = 0.5 });
        Assert.Equal(4, r.DeviceRequests);
        Assert.True(r.ThpAttempts > 0);
    }

    [Fact]
    public void CarveoutAlwaysSucceedsAtOnce()
    {
        // the device owns the carve-out: every request finds its window free, no work, no latency
        DesignReport r = SimulationRunner.Run(Load(Mixed), DesignKind.Carveout);
        Assert.Equal(12, r.DeviceRequests);
        Assert.Equal(12, r.DeviceSuccesses);
        Assert.Equal(0, r.DeviceLatency.MaxMs);
        Assert.Equal(0, r.PagesMigrated + r.PagesDiscarded);
        Assert.Equal(0, r.ReservedUtilisation);
        Assert.Equal(32768, r.ReservedPages);
    }

    [Fact]
    public void MigrateCmaDropsCleanPageCacheInsteadOfMigratingIt()
    {
        // 6.1 puts movable pages into CMA once it holds over half the free memory (v5.7): 12 s of clean page cache
        // at 64 MiB/s fills the 1 GiB machine including its 256 MiB area, then one 64 MiB cma_alloc. Clean,
        // unmapped cache is dropped (reclaim_clean_pages_from_list), never migrated: no anon pages exist to migrate.
        Scenario s = Load("""
            machine: {mem: 1G, cmdline: "cma=256M"}
            phases:
              - duration: 12s
                actors:
                  - {type: page_cache, rate: 64M/s}
                  - {type: cma, device: vpu, size: 64M, start: 11.5s}
            """);
        DesignReport r = SimulationRunner.Run(s, DesignKind.MigrateCma);
        Assert.Equal(1, r.DeviceSuccesses);
        Assert.Equal(0, r.PagesMigrated);
        Assert.InRange(r.PagesDiscarded, 1, 16384);
        double cost = new ZoneLab.Contiguous.ContigCostModel().DiscardUsPerPage * r.PagesDiscarded / 1000;
        Assert.True(r.DeviceLatency.MaxMs >= cost, $"latency {r.DeviceLatency.MaxMs} ms below the discard cost {cost} ms");
    }

    [Fact]
    public void UnavailableDesignIsReportedAsSkipped()
    {
        // the designs without an engine model answer with their one-line reason instead of failing the run
        foreach (DesignKind d in DesignNames.All)
        {
            DesignReport r = SimulationRunner.Run(Load(Mixed), d, new SimulationOptions { TickSeconds = 1 });
            Assert.Equal(DesignNames.Name(d), r.Design);
            Assert.True(r.Available || r.SkipReason != null);
        }
    }

    [Fact]
    public void LatencyPercentilesAreNearestRank()
    {
        var s = LatencySummary.Of([5, 1, 4, 2, 3, 100, 6, 7, 8, 9]);
        Assert.Equal((10, 5.0, 100.0, 100.0), (s.Count, s.P50Ms, s.P99Ms, s.MaxMs));
    }
}
