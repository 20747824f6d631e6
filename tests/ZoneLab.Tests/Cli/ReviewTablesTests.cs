using System.Text.Json;

namespace ZoneLab.Tests.Cli;

/// <summary>The issue-13 tables in <c>zonelab compare</c>: device areas, reclaim per zone, LRU order.</summary>
public class ReviewTablesTests
{
    // 512 MiB x86 (scenarios boot the cma-amd64 build), a 64 MiB CMA area, anonymous memory filling the machine so reclaim runs
    private const string Scenario = """
        name: review-tables
        seed: 5
        machine: {mem: 512M, cmdline: "cma=64M", swap: 256M}
        designs: [zone-cma, sticky-movable]
        phases:
          - duration: 6s
            actors:
              - {type: anon, rate: 128M/s, lifetime: 20s}
              - {type: page_cache, rate: 64M/s}
        """;

    [Fact]
    public void CompareReportsAreasReclaimPerZoneAndLruOrder()
    {
        string path = ZonelabProcess.WriteTemp("review-tables.yaml", Scenario);
        var (exit, stdout, err) = ZonelabProcess.Run("compare", path, "--format", "json");
        Assert.True(exit == 0, err);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        foreach (JsonElement d in doc.RootElement.GetProperty("designs").EnumerateArray())
        {
            string design = d.GetProperty("design").GetString()!;
            JsonElement areas = d.GetProperty("areas");
            // cma=64M = 32 pageblocks of 2 MiB; ZONE_CMA v7 and sticky-movable both keep them MIGRATE_MOVABLE
            Assert.Equal(32, areas.GetProperty("pageblocks").GetInt64());
            Assert.Equal("Movable", areas.GetProperty("by_migratetype").EnumerateObject().Single().Name);
            if (design == "zone-cma")
            {
                Assert.Equal(0, areas.GetProperty("sticky_steals").GetInt64()); // no sticky pageblocks in that design
            }
            Assert.True(d.GetProperty("reclaim_zones").GetArrayLength() > 0);
            JsonElement lru = d.GetProperty("lru_order");
            long aged = lru.GetProperty("aged_pages").GetInt64();
            Assert.Equal(aged, lru.GetProperty("age_histogram").EnumerateArray().Sum(x => x.GetInt64()));
            // pgsteal per zone adds up to the node-wide vmstat counters
            long steal = d.GetProperty("reclaim_zones").EnumerateArray().Sum(z => z.GetProperty("steal_kswapd").GetInt64() + z.GetProperty("steal_direct").GetInt64());
            JsonElement ev = d.GetProperty("vm_events");
            Assert.Equal(ev.GetProperty("pgsteal_kswapd").GetInt64() + ev.GetProperty("pgsteal_direct").GetInt64(), steal);
        }

        var (exit2, text, _) = ZonelabProcess.Run("compare", path);
        Assert.Equal(0, exit2);
        Assert.Contains("device areas at the end of the run", text);
        Assert.Contains("reclaim per zone and kswapd balancing", text);
    }
}
