using ZoneLab.Cli.Sweep;
using ZoneLab.Tests.Cli;

namespace ZoneLab.Tests.Sweep;

/// <summary>Grid files (docs/sweeps.md): what they mean and the one-line errors for bad ones.</summary>
public class SweepGridLoaderTests
{
    internal const string SmallScenario = """
        name: small-sweep
        seed: 3
        machine: {mem: 512M, cmdline: "cma=64M"}
        designs: [migrate-cma, carveout]
        phases:
          - name: run
            duration: 3s
            actors:
              - {type: anon, name: apps, rate: 32M/s, lifetime: 2s}
              - {type: cma, name: camera, device: cam, size: 8M, count: 2, period: 1s, hold: 500ms}
        """;

    private static SweepGrid Load(string grid)
    {
        string dir = Path.GetDirectoryName(ZonelabProcess.WriteTemp("small-sweep.yaml", SmallScenario))!;
        return SweepGridLoader.Load(grid, "grid.yaml", dir);
    }

    private static string Error(string grid) => Assert.Throws<ZoneLabInputException>(() => Load(grid)).Message;

    [Fact]
    public void PointsAreTheCrossProductNumberedAxisFirstSeedFastest()
    {
        SweepGrid g = Load("""
            scenario: small-sweep.yaml
            axes:
              cmdline.cma: {from: 32M, to: 96M, step: 32M}
              actors.camera.count: [1, 2]
            designs: [migrate-cma, carveout]
            seeds: {from: 5, count: 2}
            """);
        var plan = new SweepPlan(g);
        Assert.Equal(["32M", "64M", "96M"], g.Axes[0].Values);
        Assert.Equal(3 * 2 * 2 * 2, plan.Count);
        // point 13 = ((cma 1 * 2 + count 1) * 2 + design 0) * 2 + seed 1: 64M, count 2, migrate-cma, seed 6
        Assert.Equal("cmdline.cma=64M, actors.camera.count=2, design=migrate-cma, seed=6", plan.Describe(plan.Point(13)));
        Assert.Equal("cmdline.cma=96M, actors.camera.count=2, design=carveout, seed=6", plan.Describe(plan.Point(23)));
    }

    [Fact]
    public void APointWhoseCmaAreaTheKernelRefusesIsNamedBeforeTheRun()
    {
        // 512 MiB of RAM: a 1 GiB area exceeds the memblock limit (cma_declare_contiguous_nid: base + size > limit),
        // so the kernel prints "cma: Failed to reserve 1024 MiB" and boots without it; 64M fits. The warning is said
        // once, for the 2 designs x 2 seeds of that value, naming the first (cma 1G is axis value 1: point 1 * 4 = 4)
        var plan = new SweepPlan(Load("""
            scenario: small-sweep.yaml
            axes:
              cmdline.cma: [64M, 1G]
            seeds: [1, 2]
            """));
        string w = Assert.Single(plan.Validate());
        Assert.StartsWith("4 points, the first 4 (cmdline.cma=1G, design=migrate-cma, seed=1): boot: cma: Failed to reserve 1024 MiB", w);
    }

    [Fact]
    public void OneSeedMayBeGivenAsAnInteger()
    {
        // `seeds: 7` is the list [7]; a word is still refused with what was expected
        SweepGrid g = Load("""
            scenario: small-sweep.yaml
            axes:
              cmdline.cma: [96M]
            seeds: 7
            """);
        Assert.Equal([7L], g.Seeds);
        Assert.Contains("seeds: expected an integer, a list of integers or {from: 1, count: 5}", Error("""
            scenario: small-sweep.yaml
            axes:
              cmdline.cma: [96M]
            seeds: seven
            """));
    }

    [Fact]
    public void AxisValuesReachTheScenario()
    {
        SweepGrid g = Load("""
            scenario: small-sweep.yaml
            axes:
              cmdline.cma: [96M]
              actors.camera.size: [4M]
              machine.mem: [1G]
              kernel: ["4.10"]
            """);
        var plan = new SweepPlan(g);
        ZoneLab.Workloads.Scenario s = plan.Scenario(plan.Point(0));
        Assert.Equal("cma=96M", s.Machine.Cmdline);
        Assert.Equal(1UL << 30, s.Machine.Mem);
        Assert.Equal("4.10", s.Kernel);
        Assert.Equal(4.0 * 1048576, ((ZoneLab.Workloads.CmaActor)s.Phases[0].Actors.Single(a => a.Name == "camera")).SizeBytes);
        Assert.Equal(["migrate-cma", "carveout"], g.Designs); // the scenario's designs
        Assert.Equal([3L], g.Seeds); // the scenario's seed
        Assert.Equal(SweepMetrics.Headline, g.Metrics);
    }

    [Fact]
    public void CmdlineAxisReplacesTheParameterInMachineAndVariants()
    {
        // stb-dual-memc: movablecore only in the variants; the axis removes it there and sets it on the machine
        SweepGrid g = SweepGridLoader.Load("""
            scenario: stb-dual-memc
            axes:
              cmdline.movablecore: ["200M@0x60000000,200M@0x320000000"]
            """, "grid.yaml", null);
        ZoneLab.Workloads.Scenario s = new SweepPlan(g).Scenario(new SweepPlan(g).Point(0));
        Assert.Equal("movablecore=200M@0x60000000,200M@0x320000000", s.Machine.Cmdline);
        Assert.Equal("page_alloc.shuffle=1", s.Variants.Single(v => v.Name == "dmb-300M-each").Cmdline);
        Assert.Equal(["no-movablecore", "movablecore-600M", "dmb-300M-each", "numa-2-nodes"], g.Designs); // variants by default
    }

    [Theory]
    [InlineData("scenario: small-sweep.yaml\nseedz: [1]\n", "grid.yaml:2:1: seedz: unknown key")]
    [InlineData("scenario: small-sweep.yaml\nmetrics: [cma_alloc.p99, cma_alloc.p98]\n", "grid.yaml:2:26: metrics: unknown metric 'cma_alloc.p98'")]
    [InlineData("scenario: small-sweep.yaml\ndesigns: [migrate-cma, zone-cmaa]\n", "grid.yaml:2:24: designs: 'zone-cmaa' is not a design")]
    [InlineData("scenario: small-sweep.yaml\nseeds: [1, x]\n", "grid.yaml:2:12: seeds: expected an integer seed, found 'x'")]
    [InlineData("scenario: small-sweep.yaml\naxes:\n  cmdline.cma: {from: 1G, to: 128M, step: 128M}\n", "grid.yaml:3:16: axes.cmdline.cma: expected from <= to")]
    [InlineData("scenario: small-sweep.yaml\naxes:\n  actors.camera.size: [4M, banana]\n", "grid.yaml:3:28: axes.actors.camera.size: the value 'banana' is rejected:")]
    [InlineData("scenario: small-sweep.yaml\naxes:\n  actors.nobody.size: [4M]\n", "grid.yaml:3:24: axes.actors.nobody.size: the value '4M' is rejected: no actor is called 'nobody'")]
    [InlineData("scenario: small-sweep.yaml\naxes:\n  machine.mem: [512M, 1X]\n", "grid.yaml:3:23: axes.machine.mem: the value '1X' is rejected:")]
    [InlineData("scenario: no-such-scenario\n", "grid.yaml:1:11: scenario: 'no-such-scenario' is neither a file nor a built-in scenario")]
    [InlineData("scenario: [a\n", "grid.yaml:2:1: not valid YAML")]
    [InlineData("axes: {}\n", "grid.yaml:1:1: scenario: missing")]
    public void BadGridsAreOneLineWithFileLineColumnAndKey(string grid, string expected)
    {
        string message = Error(grid);
        Assert.StartsWith(expected, message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void CliAValueTheKernelSideRejectsNamesThePointBeforeAnythingRuns()
    {
        // the scenario loader only checks that a boot log exists; reading it is the boot's job, which the sweep does for
        // every axis combination and design before running: the second log is not a boot log, so point 1
        // (dmesg index 1, design 0, seed 0 of 1 design x 1 seed) fails, named, with exit 2 and one line
        string dir = Path.GetDirectoryName(ZonelabProcess.WriteTemp("dmesg-sweep.yaml", """
            name: dmesg-sweep
            machine: {dmesg: good.txt}
            designs: [migrate-cma]
            phases: [{duration: 1s}]
            """))!;
        File.Copy(FixturePath.Get("x86_64-6.1", "x01-pc-2g-plain", "dmesg.txt"), Path.Combine(dir, "good.txt"), overwrite: true);
        File.WriteAllText(Path.Combine(dir, "bad.txt"), "this is not a boot log\n");
        string grid = Path.Combine(dir, "dmesg-grid.yaml");
        File.WriteAllText(grid, "scenario: dmesg-sweep.yaml\naxes:\n  machine.dmesg: [good.txt, bad.txt]\n");
        var (exit, _, err) = ZonelabProcess.Run("sweep", grid, "--dry-run");
        Assert.Equal(2, exit);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith($"zonelab: {grid}: point 1 (machine.dmesg=bad.txt, design=migrate-cma, seed=1): ", err);
    }
}
