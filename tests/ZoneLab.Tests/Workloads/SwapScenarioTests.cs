using System.Text.Json;
using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary><c>machine.swap</c>: loading, writing, and what the simulation does with swapped-out pages.</summary>
public class SwapScenarioTests
{
    // 256 MiB RAM, 32 MiB swap (8192 slots); 512 MiB of anonymous memory held until the phase ends
    private const string Overcommit = """
        machine: {mem: 256M, swap: 32M}
        designs: [migrate-cma]
        phases:
          - name: fill
            duration: 4s
            actors:
              - {type: anon, rate: 128MiB/s}
          - name: after
            duration: 1s
        """;

    [Fact]
    public void SwapIsReadAndWrittenBack()
    {
        Scenario s = ScenarioLoader.Load("machine: {mem: 1G, swap: 512M}\nphases: [{duration: 1s}]\n", "s.yaml");
        Assert.Equal(512UL << 20, s.Machine.Swap);
        string text = ScenarioWriter.Write(s);
        Assert.Contains("  swap: 512M\n", text, StringComparison.Ordinal);
        Assert.Equal(s, ScenarioLoader.Load(text, "s.yaml"));
        Assert.Equal(0UL, ScenarioLoader.Load("machine: {mem: 1G}\nphases: [{duration: 1s}]\n", "s.yaml").Machine.Swap);
    }

    [Theory]
    [InlineData("lots", "machine.swap: expected a size such as 4096, 4K, 32M, 1.5G or 512MiB, found 'lots'")]
    [InlineData("-1G", "machine.swap: expected a size such as 4096, 4K, 32M, 1.5G or 512MiB, found '-1G'")]
    public void BadSwapSizeNamesFileLineAndColumn(string value, string message)
    {
        string yaml = "machine:\n  mem: 1G\n  swap: " + value + "\nphases: [{duration: 1s}]\n";
        var e = Assert.Throws<ZoneLabInputException>(() => ScenarioLoader.Load(yaml, "s.yaml"));
        Assert.Equal("s.yaml:3:9: " + message, e.Message);
    }

    [Fact]
    public void SwapFillsExactlyAndExitFreesEverySlot()
    {
        // Demand (512 MiB) exceeds RAM + swap and the task frees nothing before the phase ends; no page cache exists
        // (so reclaim can only swap anon) and no page migrates (order 0 only, no CMA). RAM gives the task about
        // 204 MiB (206.2 MiB managed less the watermarks), swap 32 MiB (8192 slots): after 236 MiB (1.84 s) memory
        // and swap are full and the OOM killer kills the task, the only one; its exit frees its pages and every swap
        // slot (free_swap_and_cache). The next 236 MiB fill both again (a second kill at about 3.7 s) and the last
        // 0.3 s (40 MiB) fit in RAM. So every slot is written exactly twice: pswpout = 2 x 8192. When the holdings
        // expire at the end of the phase, each swapped-out page's slot is freed: 0 slots used at the end.
        DesignReport r = SimulationRunner.Run(ScenarioLoader.Load(Overcommit, "s.yaml"), DesignKind.MigrateCma);
        Assert.Equal(2, r.OomKills);
        Assert.Equal(2 * 8192, r.VmEvents["pswpout"]);
        Assert.Equal(0, r.SwapUsedPages);
        Assert.Equal(0, r.Pswpin); // no access key: nothing is touched again
    }

    [Fact]
    public void TouchedPagesAreSwappedBackIn()
    {
        // with access the actor touches its memory: swapped-out pages fault back in (pswpin), each freeing a slot
        // and costing a synchronous read, which the stall and elapsed time include
        string yaml = Overcommit.Replace("rate: 128MiB/s}", "rate: 128MiB/s, lifetime: 2s, access: 256MiB/s}", StringComparison.Ordinal)
            .Replace("swap: 32M", "swap: 256M", StringComparison.Ordinal);
        Scenario s = ScenarioLoader.Load(yaml, "s.yaml");
        DesignReport r = SimulationRunner.Run(s, DesignKind.MigrateCma);
        Assert.True(r.Pswpin > 0);
        Assert.True(r.Pswpin <= r.VmEvents["pswpout"]);
        Assert.Equal(0, r.SwapUsedPages);
        Assert.True(r.StallSeconds >= r.Pswpin * new ZoneLab.Reclaim.ReclaimCostModel().SwapInNs / 1e9);
        Assert.Equal(5 + r.StallSeconds, r.ElapsedSeconds, 9);
        Assert.Equal(JsonSerializer.Serialize(r), JsonSerializer.Serialize(SimulationRunner.Run(s, DesignKind.MigrateCma)));
    }
}
