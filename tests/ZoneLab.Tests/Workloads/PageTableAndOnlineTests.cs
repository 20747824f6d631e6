using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>Page tables of anon actors (GFP_PGTABLE_USER) and the <c>online</c> actor.</summary>
public class PageTableAndOnlineTests
{
    private static DesignReport Run(string yaml) => SimulationRunner.Run(ScenarioLoader.Load(yaml, "s.yaml"), DesignKind.MigrateCma);

    [Theory]
    [InlineData(1, 3)]
    [InlineData(4, 12)]
    public void PteePagesAreCeilOfMappedPagesOver512PerMapper(int mappers, long expected)
    {
        // limit 5M = 1280 pages, reached in the first 0.1 s tick at 100 MiB/s and held to the phase end:
        // ceil(1280 / 512) = 3 PTE pages per mapping process; the next phase starts after every page was freed
        // (free_pgd_range), so none are left at the end
        DesignReport r = Run($$"""
            machine: {mem: 1G}
            phases:
              - duration: 1s
                actors:
                  - {type: anon, rate: 100MiB/s, limit: 5M, mappers: {{mappers}}}
              - duration: 0.1s
            """);
        Assert.Equal(expected, r.PageTablePagesPeak);
        Assert.Equal(0, r.PageTablePages);
        Assert.Equal(0, r.PageTableFailures);
    }

    [Fact]
    public void MappersAndOnlineAreReadAndWrittenBack()
    {
        Scenario s = ScenarioLoader.Load("""
            machine: {mem: 1G}
            phases:
              - duration: 1s
                actors:
                  - {type: anon, rate: 1M/s, mappers: 20}
                  - {type: online, blocks: [6, 7], zone: kernel}
                  - {type: online, name: more, blocks: 2}
            """, "s.yaml");
        Assert.Equal(20, ((AnonActor)s.Phases[0].Actors[0]).Mappers);
        var on = (OnlineActor)s.Phases[0].Actors[1];
        Assert.Equal([6, 7], on.Blocks);
        Assert.False(on.Movable);
        Assert.Equal((2, true), (((OnlineActor)s.Phases[0].Actors[2]).BlockCount, ((OnlineActor)s.Phases[0].Actors[2]).Movable));
        Assert.Equal(s, ScenarioLoader.Load(ScenarioWriter.Write(s), "s.yaml"));
    }

    [Theory]
    [InlineData("{type: online, blocks: 2, zone: kernal}", "kernal", "phases[0].actors[0].zone: unknown value 'kernal'; did you mean 'kernel'? (one of: movable, kernel)")]
    [InlineData("{type: online, blocks: 0}", "0}", "phases[0].actors[0].blocks: expected an integer 1..2147483647, found '0'")]
    [InlineData("{type: anon, rate: 1M/s, mappers: 0}", "0}", "phases[0].actors[0].mappers: expected an integer 1..1048576, found '0'")]
    public void BadOnlineAndMappersNameTheKey(string actor, string at, string message)
    {
        string yaml = "machine: {mem: 1G}\nphases:\n  - duration: 1s\n    actors:\n      - " + actor + "\n";
        var e = Assert.Throws<ZoneLabInputException>(() => ScenarioLoader.Load(yaml, "s.yaml"));
        Assert.Equal($"s.yaml:5:{actor.IndexOf(at, StringComparison.Ordinal) + 9}: {message}", e.Message);
    }

    [Fact]
    public void OfflinedMovableBlocksComeBackOnline()
    {
        // 1 GiB pc with movablecore=512M: blocks 4-7 are ZONE_MOVABLE; block 7 has a hole (e820 ends at 0x3ffe0000).
        // Offline 5 and 6 (empty), then "blocks: 2" onlines the two lowest offline blocks, 5 and 6, as movable,
        // and onlining 5 again is -EINVAL (already online): 3 attempts, 2 successes.
        DesignReport r = Run("""
            machine: {mem: 1G, cmdline: "movablecore=512M"}
            phases:
              - duration: 1s
                actors:
                  - {type: offline, blocks: [5, 6]}
                  - {type: online, blocks: 2, start: 0.2s}
                  - {type: online, name: again, blocks: [5], start: 0.5s}
            """);
        Assert.Equal(2, r.OfflineSuccesses);
        Assert.Equal(3, r.OnlineAttempts);
        Assert.Equal(2, r.OnlineSuccesses);
    }
}
