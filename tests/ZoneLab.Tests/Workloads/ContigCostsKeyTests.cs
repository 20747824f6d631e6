using YamlDotNet.RepresentationModel;
using ZoneLab.Cli.Sweep;
using ZoneLab.Contiguous;
using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// <c>machine.contig_costs</c>: a scenario's own constants for the cost model that turns cma_alloc()'s and memory
/// offline's work into latency (docs/cost-model.md), e.g. the real-hardware migration time instead of the 2012 QEMU one.
/// </summary>
public class ContigCostsKeyTests
{
    private static Scenario Load(string costs, string actors) => ScenarioLoader.Load($$"""
        machine: {mem: 1G, cmdline: "cma=64M", contig_costs: {{costs}}}
        designs: [migrate-cma]
        phases:
          - duration: 1s
            actors:
              - {{actors}}
        """, "s.yaml");

    private const string OneBuffer = "{type: cma, device: gpu, size: 4M, count: 1}";

    [Fact]
    public void TheKeysSetTheirConstantsAndLeaveTheOthersAtTheDefaults()
    {
        ContigCostModel c = Load("{migrate: 3.88us, attempt: 1ms, pageblock: 0.1ms}", OneBuffer).Machine.ContigCosts;
        Assert.Equal(3.88, c.MigrateUsPerPage, 9);
        Assert.Equal(1000, c.AttemptUs, 9);
        Assert.Equal(100, c.IsolateUsPerPageblock, 9);
        // the defaults (docs/cost-model.md): 7 ms per 2560 pages dropped (commit 02c6de8d757c), 40 µs writeback and swap-out
        Assert.Equal(7000.0 / 2560, c.DiscardUsPerPage, 9);
        Assert.Equal(40, c.WritebackUsPerPage, 9);
        Assert.Equal(40, c.SwapOutUsPerPage, 9);
        Assert.Same(ContigCostModel.Default, ScenarioLoader.Load("machine: {mem: 1G}\nphases:\n  - duration: 1s\n    actors:\n      - " + OneBuffer, "s.yaml").Machine.ContigCosts);
    }

    [Fact]
    public void ACmaAllocOnAnIdleMachineCostsOneAttemptAndItsPageblocks()
    {
        // an empty 64 MiB area on an idle machine: the first window is free, so cma_alloc() makes one
        // alloc_contig_range() attempt that migrates nothing; 6.1 isolates the pageblocks covering the 4 MiB range
        // (start_isolate_page_range on pageblock_start_pfn .. pageblock_align): 2 pageblocks of 2 MiB
        DesignReport attemptOnly = SimulationRunner.Run(Load("{attempt: 1ms, pageblock: 0s, migrate: 0s, discard: 0s}", OneBuffer), DesignKind.MigrateCma);
        Assert.Equal([1.0], attemptOnly.DeviceLatenciesMs);
        DesignReport pageblocksOnly = SimulationRunner.Run(Load("{attempt: 0s, pageblock: 100us, migrate: 0s, discard: 0s}", OneBuffer), DesignKind.MigrateCma);
        Assert.Equal(0.2, Assert.Single(pageblocksOnly.DeviceLatenciesMs), 9);
    }

    [Fact]
    public void MemoryOfflineIsChargedWithTheScenariosCostsToo()
    {
        // offline_pages() of an empty ZONE_MOVABLE block (QEMU pc 1 GiB, movablecore=512M: blocks 6-7 are Movable):
        // one attempt, its 64 pageblocks, nothing migrated; with pageblock and migrate at 0 only the attempt is left
        Scenario s = ScenarioLoader.Load("""
            machine: {mem: 1G, cmdline: "movablecore=512M", contig_costs: {attempt: 2ms, pageblock: 0s, migrate: 0s}}
            designs: [migrate-cma]
            phases:
              - duration: 1s
                actors:
                  - {type: offline, name: one, blocks: [6]}
            """, "s.yaml");
        OfflineRecord o = Assert.Single(SimulationRunner.Run(s, DesignKind.MigrateCma).Offline);
        Assert.Equal(0, o.Errno);
        Assert.Equal(2.0, o.Milliseconds, 9);
    }

    [Theory]
    [InlineData("{migrate: fast}", "machine.contig_costs.migrate: expected a time such as 250us")]
    [InlineData("{migrate: 2s}", "machine.contig_costs.migrate: must be between")]
    [InlineData("{migrat: 4us}", "machine.contig_costs")]
    [InlineData("4us", "machine.contig_costs")]
    public void ABadCostIsALocatedError(string costs, string message)
    {
        var e = Assert.Throws<ZoneLabInputException>(() => Load(costs, OneBuffer));
        Assert.StartsWith("s.yaml:1:", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AScenarioWithCostsIsPrintedBackWithThem()
    {
        Scenario s = Load("{migrate: 3.88us, pageblock: 201.3us}", OneBuffer);
        Scenario again = ScenarioLoader.Load(ScenarioWriter.Write(s), "again.yaml");
        Assert.Equal(s.Machine.ContigCosts, again.Machine.ContigCosts);
    }

    [Fact]
    public void ASweepAxisSetsACostTheScenarioLeavesOut()
    {
        // machine.contig_costs is absent from the scenario: the axis creates the mapping, and a misspelt one is the
        // loader's located unknown-key error, not a silent no-op
        var stream = new YamlStream();
        stream.Load(new StringReader("machine: {mem: 1G, cmdline: \"cma=64M\"}\nphases:\n  - duration: 1s\n    actors:\n      - " + OneBuffer + "\n"));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        SweepScenarios.Apply(root, "machine.contig_costs.migrate", "3.88us");
        var sb = new StringWriter();
        stream.Save(sb, assignAnchors: false);
        Assert.Equal(3.88, ScenarioLoader.Load(sb.ToString(), "s.yaml").Machine.ContigCosts.MigrateUsPerPage, 9);
    }
}
