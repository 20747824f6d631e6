using ZoneLab.Oracle;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// kcompactd's 500 ms timer on the recording's own step times (OracleEngineRunner.Timer.cs, <c>--guest-clock</c>):
/// 6.1's kcompactd() waits with <c>wait_event_freezable_timeout(..., HPAGE_FRAG_CHECK_INTERVAL_MSEC)</c> and runs
/// the proactive check at every timeout, whatever step the guest is in.
/// </summary>
public class KcompactdGuestClockTests
{
    private static (List<OracleRecording> Runs, OracleEngineRunner Engine) Run(string workload, string arch, bool guestClock)
    {
        (List<OracleRecording> runs, OracleWorkload w) = OracleWorkloadTests.Recorded(workload, arch);
        return (runs, OracleEngineRunner.Run(w, runs[0], new OracleMechanisms { GuestClock = guestClock }));
    }

    private static long Scanned(ProcSnapshot s) => s.Vmstat["compact_migrate_scanned"];

    [Fact]
    public void TheTimeoutsFallInEveryStepAtTheRecordedTimes()
    {
        // kswapd-sleep x86_64 run1, steps.txt: 4362696570, 6489574638, 3003340480 and 752710356 ns, so the steps end
        // at 4.3627, 10.8523, 13.8556 and 14.6083 s after step 1 began. A kcompactd wake restarts the 500 ms wait;
        // the kernel's three runs differ there (compact_daemon_wake at steps 0-4: run1 0, 0, 0, 0, 1; run2 0, 0, 2,
        // 3, 6; run3 0, 0, 0, 0, 0). The engine's run is run3's: since x86_64's DMA block 0 keeps MIGRATE_UNMOVABLE
        // (memmap_init_range, BootPageblockTypeTests) its hugepages write stops after one huge page (step4.hugepages,
        // listed in known-gaps; docs/fidelity.md Round 14, fidboot3) and its kswapd does not wake kcompactd. With no restart the timeouts are the multiples of 0.5 s
        // inside each step: 0.5..4.0 in step 1 (8), 4.5..10.5 in step 2 (13), 11.0..13.5 in the sleep (6), 14.0 and
        // 14.5 in the write (2). Without the guest clock only the sleep has timeouts: one per 0.5 s of its 3 s.
        (_, OracleEngineRunner e) = Run("kswapd-sleep", "x86_64", guestClock: true);
        using (e)
        {
            // Since wakeup_kcompactd's request is remembered (kcompactd_max_order), kcompactd_node_suitable tests the
            // highest order asked since the last kcompactd_do_work. The kernel's step-4 deltas are 1, 3 and 0 (runs 1-3:
            // compact_daemon_wake 0,0,0,0,1 / 0,0,2,3,6 / all 0). With DMA's block 0 MIGRATE_MOVABLE (before round 14's
            // boot fix) kswapd's wakes in the write ran kcompactd twice, 37 ms apart; with the real boot census the
            // write's kswapd runs differ and the engine makes none, as run 3. Each wake restarts the wait, and with
            // no wake the timeouts are fidboot3's hand-derived 8, 13, 6, 2.
            Assert.Equal([0, 0, 0, 0], e.Snapshots.Take(4).Select(x => x.Vmstat["compact_daemon_wake"]));
            Assert.InRange(e.Snapshots[4].Vmstat["compact_daemon_wake"], 0, 3);
            Assert.Equal(e.Snapshots[4].Vmstat["compact_daemon_wake"], e.KcompactdRestarts.Count);
            Assert.All(e.KcompactdRestarts, w => Assert.InRange(w, 13.8556e9, 14.6083e9));
            int write = 0;
            double due = 14.0e9;
            foreach (double wake in e.KcompactdRestarts)
            {
                for (; due < wake; due += 0.5e9)
                {
                    write++;
                }

                due = wake + 0.5e9;
            }

            for (; due <= 14.6083e9; due += 0.5e9)
            {
                write++;
            }

            Assert.Equal([8, 13, 6, write], e.KcompactdTimeouts);
        }

        (_, OracleEngineRunner old) = Run("kswapd-sleep", "x86_64", guestClock: false);
        using (old)
        {
            Assert.Equal([0, 0, 6, 0], old.KcompactdTimeouts);
        }
    }

    [Fact]
    public void ProactiveCompactionRunsDuringTheDiskWriteAsInTheKernel()
    {
        // The kernel's three x86_64 runs of kswapd-sleep scan 4096, 1796 and 4096 pfns in step 2 (the 160 MiB disk
        // write, 1.5-6.5 s) and none in step 3 (the 3 s sleep): the proactive run came during the write, did not
        // lower the node's score, and kcompactd then waits default_timeout << COMPACT_MAX_DEFER_SHIFT = 32 s. On the
        // guest clock the engine's run comes in step 2 too (the first timeout whose score is above the high mark,
        // kswapd not running) and the sleep scans nothing; without it the engine scans only in the sleep.
        (List<OracleRecording> runs, OracleEngineRunner e) = Run("kswapd-sleep", "x86_64", guestClock: true);
        using (e)
        {
            Assert.All(runs, r => Assert.True(Scanned(r.Snapshots[2]) > Scanned(r.Snapshots[1])));
            Assert.All(runs, r => Assert.Equal(0, Scanned(r.Snapshots[3]) - Scanned(r.Snapshots[2])));
            Assert.True(Scanned(e.Snapshots[2]) > Scanned(e.Snapshots[1]));
            Assert.Equal(0, Scanned(e.Snapshots[3]) - Scanned(e.Snapshots[2]));
        }
    }
}
