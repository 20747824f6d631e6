using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// The OOM killer over the workload's tasks (out_of_memory → select_bad_process → oom_kill_process): one task, the
/// one with the most rss + swap entries + page tables, is killed and all its memory freed; the others keep theirs.
/// </summary>
public class OomKillerTests
{
    // 128 MiB (80.4 MiB managed: `zonelab run` of this file, kernel-usable; the layout is the one checked against
    // real boots), no swap, no page cache: nothing is reclaimable, so a full machine ends in the OOM killer. Ticks
    // of 0.5 s: "big" faults 16 MiB (4096 pages) a tick and keeps everything for 100 s; "small" faults 2 MiB a tick
    // up to its 8 MiB limit (full after 4 ticks).
    private const string TwoTasks = """
        name: two-tasks
        seed: 3
        machine: {mem: 128M}
        phases:
          - name: fill
            duration: 4s
            actors:
              - {type: anon, name: big, rate: 32M/s, lifetime: 100s}
              - {type: anon, name: small, rate: 4M/s, lifetime: 100s, limit: 8M}
        """;

    [Fact]
    public void TheLargestTaskIsKilledAndTheOtherKeepsItsMemory()
    {
        DesignReport r = SimulationRunner.Run(ScenarioLoader.Load(TwoTasks, "two-tasks.yaml"), DesignKind.Carveout,
            new SimulationOptions { DebugChecks = true, TickSeconds = 0.5 });

        // By hand: after tick k "big" holds 16k MiB and "small" min(2k, 8) MiB. Tick 4 needs 72 MiB, which fits in
        // 80.4 MiB with the min watermark (about 1.1 MiB: sqrt(16 x 82,000 KiB)) and a few page tables; tick 5 needs
        // 88 MiB and runs out. The victim is "big" (about 70 MiB against 8 MiB); its exit frees all it held, the
        // tick's faults stop (SIGKILL), and ticks 6-8 fault a fresh 48 MiB (56 MiB with small's) without running out.
        // One kill.
        Assert.Equal(1, r.OomKills);
        // the phase's record: one kill, and no movable-only memory on this machine (no CMA, no ZONE_MOVABLE)
        PhaseFailures phase = Assert.Single(r.PhaseKernelFailures);
        Assert.Equal((1, 0), (phase.OomKills, phase.OomKillsWithMovableOnlyFree));

        // What is held at the end: small 8 MiB (2048 pages), big the 48 MiB of ticks 6-8 (12288 pages): one PTE page
        // per 512 pages mapped, 4 + 24. A killer that frees all anonymous memory at once leaves "small" believing it
        // holds 8 MiB that are gone, and "big" counting the pages it lost: its page tables follow those counts.
        Assert.Equal((2048 / 512) + (12288 / 512), r.PageTablePages);
    }

    [Fact]
    public void AFaultRateFarBeyondMemoryStaysBounded()
    {
        // 1 TiB/s against 128 MiB: every tick kills the task that is faulting (it is the only one) and stops its
        // faults; before, the dying task went on faulting the tick's 128 M pages and its holding's list grew by
        // every one of them.
        string yaml = TwoTasks.Replace("rate: 32M/s, lifetime: 100s}", "rate: 1T/s, lifetime: 100s}")
            .Replace("duration: 4s", "duration: 1s");
        DesignReport r = SimulationRunner.Run(ScenarioLoader.Load(yaml, "flood.yaml"), DesignKind.Carveout,
            new SimulationOptions { TickSeconds = 0.5 });

        // two ticks, one kill each ("big" is the largest task both times: small holds at most 4 MiB)
        Assert.Equal(2, r.OomKills);
    }
}
