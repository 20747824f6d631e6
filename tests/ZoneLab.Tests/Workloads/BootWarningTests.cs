using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// What the kernel says at boot reaches the run's report: a CMA area it could not reserve ("cma: Failed to reserve N
/// MiB", after which it boots on without the area) must not leave the user to guess why every cma_alloc() failed.
/// </summary>
public class BootWarningTests
{
    private const string Machine = """
        name: boot-warning
        seed: 1
        machine: {mem: 128M, cmdline: "cma=CMA"}
        phases:
          - name: idle
            duration: 1s
            actors:
              - {type: anon, name: apps, rate: 1M/s, lifetime: 10s}
        """;

    [Fact]
    public void AnAreaLargerThanMemoryIsRefusedAndSaidSo()
    {
        // By hand: cma_declare_contiguous_nid() clamps the limit to the end of memblock (128 MiB of RAM, so below
        // 0x8000000) and refuses base + size > limit for a 256 MiB area: "cma: Size (0x10000000) of region at 0x0
        // exceeds limit", then "cma: Failed to reserve 256 MiB"; the kernel boots without a CMA area.
        DesignReport r = SimulationRunner.Run(ScenarioLoader.Load(Machine.Replace("CMA", "256M"), "s.yaml"), DesignKind.MigrateCma,
            new SimulationOptions { DebugChecks = true });
        Assert.Equal(0, r.ReservedPages);
        string w = Assert.Single(r.BootWarnings!, x => x.StartsWith("cma:", StringComparison.Ordinal));
        Assert.StartsWith("cma: Failed to reserve 256 MiB", w);
    }

    [Fact]
    public void AnAreaThatFitsGivesNoWarning()
    {
        // 16 MiB fits below the limit: reserved (4096 pages), and the boot has nothing to say (the JSON key is absent)
        DesignReport r = SimulationRunner.Run(ScenarioLoader.Load(Machine.Replace("CMA", "16M"), "s.yaml"), DesignKind.MigrateCma,
            new SimulationOptions { DebugChecks = true });
        Assert.Equal(4096, r.ReservedPages);
        Assert.Null(r.BootWarnings);
        Assert.DoesNotContain("boot_warnings", ZoneLabJson.Report(new CompareResult("s", 1, 1, 0.1, [r])), StringComparison.Ordinal);
    }
}
