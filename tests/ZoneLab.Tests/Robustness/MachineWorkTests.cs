using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Robustness;

/// <summary>
/// Issue 15: the fuzzing campaign's 4 TiB android-camera scenario on gcma ran for minutes (308 s, 3.5 GB measured at
/// load 40) because the work estimate looked only at the actors' rates. The machine's page frames, summed over the
/// designs run, now count too (<see cref="MachineWork"/>); the estimate is asserted, not timed.
/// </summary>
[Collection(InProcessCollection.Name)]
public class MachineWorkTests
{
    private static string Case => FixturePath.Get("fuzz-corpus", "slow-run-4TiB-gcma-1971", "scenario.yaml");

    private static Scenario WithMem(string mem) =>
        ScenarioLoader.Load(File.ReadAllText(Case).Replace("mem: 4096G", $"mem: {mem}", StringComparison.Ordinal), "s.yaml");

    [Fact]
    public void TheFuzzedFourTiBScenarioIsEstimatedAtItsPageFrames()
    {
        Scenario s = ScenarioLoader.LoadFile(Case);
        // 4096 GiB = 2^42 bytes = 2^30 pages of 4 KiB, one design run
        Assert.Equal(1UL << 42, MachineWork.RamBytes(s.Machine));
        Assert.Equal(1073741824.0, MachineWork.PageFrames(s, 1));
        // 2^30 > MaxPageFrames = 2^29 (2 TiB)
        Assert.True(MachineWork.PageFrames(s, 1) > MachineWork.MaxPageFrames);
    }

    [Fact]
    public void RunningItIsRefusedWithTheMachineSizeNamed()
    {
        InProcessResult r = RobustFiles.Run("run", Case, "--design", "gcma", "--format", "json");
        string line = RobustFiles.AssertInputError(r);
        Assert.StartsWith("zonelab: " + Case + ": machine: 4096 GiB × 1 design run is 1.07E+09 page frames", line);
        Assert.Contains("at most 2048 GiB summed over the designs run", line);
    }

    [Fact]
    public void TheLimitCountsEveryDesignRun()
    {
        // 1 TiB = 2^28 frames: one run fits (≤ 2^29), two fit exactly, seven (7 × 2^28) do not
        Scenario oneTib = WithMem("1024G");
        MachineWork.Check(oneTib, 1);
        MachineWork.Check(oneTib, 2);
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => MachineWork.Check(oneTib, 7));
        Assert.Contains("1024 GiB × 7 design runs", e.Message);
        // 256 GiB × 7 = 7 × 2^26 = 4.7e8 ≤ 2^29 = 5.4e8
        MachineWork.Check(WithMem("256G"), 7);
    }

    [Fact]
    public void AMachineFromABootLogIsNotEstimatedBeforeItsLayout()
    {
        Assert.Null(MachineWork.RamBytes(new ScenarioMachine { Dmesg = "boot.log" }));
        Assert.Equal(3UL << 30, MachineWork.RamBytes(new ScenarioMachine { Numa = [1UL << 30, 2UL << 30] }));
    }
}
