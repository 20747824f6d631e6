using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Oracle;

/// <content>
/// kcompactd's timer on the guest's clock. kcompactd (6.1 mm/compaction.c) waits on its queue with
/// <c>wait_event_freezable_timeout(..., timeout)</c>, <c>timeout</c> = HPAGE_FRAG_CHECK_INTERVAL_MSEC (500 ms); when the
/// wait times out it runs <c>should_proactive_compact_node</c> → <c>proactive_compact_node</c>, whatever the workload is
/// doing at that moment: the timer runs on the guest's time, not at step boundaries. Every recording has the
/// guest's own length of each step (steps.txt <c>ns=</c>, CLOCK_MONOTONIC around the step in zlguest), so the
/// runner keeps a guest clock: a step's recorded length is spread over the pages the step allocates (a 160 MiB
/// write of 6.5 s reaches its n-th page at n / 40960 × 6.5 s), and each time the clock passes kcompactd's next
/// timeout the timeout path runs there, with the engine's state at that point. A step that allocates nothing
/// (drop_caches, compact_memory, free, thin, offline) has its timeouts at its end; a sleep has them at their times,
/// kswapd running in between. A kcompactd woken meanwhile (<c>wakeup_kcompactd</c> → <c>kcompactd_do_work</c>) waits
/// its default timeout again from then on: "Reset the timeout value". Without the guest clock (the published table,
/// docs/fidelity.md Round 8) the timeouts fall only inside <c>sleep</c> steps, one per 500 ms after kswapd ran.
/// </content>
public sealed partial class OracleEngineRunner
{
    private const double KcompactdPeriodNs = KcompactdPeriod * 1e9;

    private double _guestStepStartNs;   // guest time (since step 1 began) at the start of the running step
    private double _guestStepNs;        // the running step's recorded length
    private double _guestNowNs;         // guest time of the engine's last progress point
    private long _stepPlannedPages;     // pages the running step allocates when it completes (0: not tracked)
    private long _stepLandedPages;      // pages it allocated so far
    private double _kcompactdDueNs = KcompactdPeriodNs; // when kcompactd's wait next times out
    private long _kcompactdWakesSeen;
    private bool _guestClock;
    private readonly List<int> _kcompactdTimeouts = [];

    private readonly List<double> _kcompactdRestarts = [];

    /// <summary>Per step (index 0 = step 1): how many times kcompactd's wait timed out during it.</summary>
    internal IReadOnlyList<int> KcompactdTimeouts => _kcompactdTimeouts;

    /// <summary>Guest times (ns after step 1 began) at which a kcompactd wake restarted the wait.</summary>
    internal IReadOnlyList<double> KcompactdRestarts => _kcompactdRestarts;

    // the step about to run: its recorded length and the pages its progress is measured in
    private void GuestStepStart(OracleStep s)
    {
        int i = Steps.Count;
        _kcompactdTimeouts.Add(0);
        _guestStepStartNs = _guestNowNs;
        _guestStepNs = i < _rec.Steps.Count ? Math.Max(0, _rec.Steps[i].Ns) : 0;
        _stepLandedPages = 0;
        _stepPlannedPages = s switch
        {
            FileStep f => (long)(f.Bytes >> PageShift),
            AnonStep a => (long)(a.Bytes >> PageShift),
            ReadStep r => PagesToReadIn(r.Name),
            HugepagesStep h => Math.Max(0, h.Count - _hugepages.Count) << Pageblock.Order,
            PipesStep p => p.Count,
            // steps that allocate nothing, and the two whose allocations are not tracked page by page (many small
            // files; gigantic pages by alloc_contig_range): their timeouts fall at the step's end
            ThinStep or FreeStep or DropCachesStep or CompactMemoryStep or OfflineStep or OnlineStep or SleepStep
                or FilesStep or GiganticStep => 0,
            _ => throw new InvalidOperationException($"step type {s.GetType().Name} has no guest-clock progress measure"),
        };
    }

    private long PagesToReadIn(string name)
    {
        if (!_held.TryGetValue(name, out Holding? h))
        {
            return 0;
        }

        long n = 0;
        for (int k = 0; k < h.Pages.Count; k++)
        {
            n += OwnsPage(h, k) ? 0 : 1;
        }

        return n;
    }

    // the step allocated `pages` more: the guest clock moves on in proportion, kcompactd times out on the way
    private void GuestStepProgress(long pages)
    {
        if (!_guestClock || _stepPlannedPages <= 0)
        {
            return;
        }

        _stepLandedPages += pages;
        double done = Math.Min(1.0, (double)_stepLandedPages / _stepPlannedPages);
        KcompactdUntil(_guestStepStartNs + (_guestStepNs * done));
    }

    // the step is over: the rest of its recorded length passes
    private void GuestStepEnd()
    {
        if (_guestClock)
        {
            KcompactdUntil(_guestStepStartNs + _guestStepNs);
        }
    }

    private void KcompactdUntil(double nowNs)
    {
        NoteKcompactdWakes(_guestNowNs);
        while (_kcompactdDueNs <= nowNs)
        {
            _guestNowNs = _kcompactdDueNs;
            KcompactdTimeout();
            _kcompactdDueNs += KcompactdPeriodNs;
        }

        _guestNowNs = Math.Max(_guestNowNs, nowNs);
    }

    // a wakeup_kcompactd since the last look (kswapd woke it, KCOMPACTD_WAKE counted): kcompactd_do_work ran and the
    // wait restarts with the default timeout, at about `atNs`
    private void NoteKcompactdWakes(double atNs)
    {
        long wakes = _m.Event(VmEvent.CompactDaemonWake);
        if (wakes != _kcompactdWakesSeen)
        {
            _kcompactdWakesSeen = wakes;
            _kcompactdDueNs = atNs + KcompactdPeriodNs;
            _kcompactdRestarts.Add(atNs);
        }
    }

    // mirrors kcompactd()'s timeout path, per node: should_proactive_compact_node is false while the node's kswapd runs
    private void KcompactdTimeout()
    {
        _kcompactdTimeouts[^1]++;
        for (int n = 0; n < _m.NodeCount; n++)
        {
            _reclaim.Compactor.KcompactdTimeout(n, _reclaim.KswapdRunning(n));
        }

        // a kcompactd_do_work run by the timeout itself (an order a refused wakeup left) restarts the wait from here,
        // as the period already does
        _kcompactdWakesSeen = _m.Event(VmEvent.CompactDaemonWake);
    }

    /// <summary>
    /// Time passes: the task sleeps, kswapd has the CPU, kcompactd's timeouts fall at their times within the step's
    /// recorded length; writeback cleans down to the background threshold.
    /// </summary>
    private int Sleep(double seconds)
    {
        if (!_guestClock)
        {
            for (double t = 0; t < seconds; t += KcompactdPeriod)
            {
                _cpu.TaskSleeps(KcompactdPeriodNs);
                KcompactdTimeout();
            }

            WritebackDuringSleep();
            return 0;
        }

        double endNs = _guestStepStartNs + (_guestStepNs > 0 ? _guestStepNs : seconds * 1e9);
        _guestStepNs = endNs - _guestStepStartNs;
        while (true)
        {
            double fromNs = _guestNowNs, toNs = Math.Min(_kcompactdDueNs, endNs);
            if (toNs > fromNs)
            {
                _cpu.TaskSleeps(toNs - fromNs);
            }

            // kswapd takes the CPU the moment the task sleeps and wakes kcompactd when its run ends, engine
            // milliseconds later: a wait restarted by that wake starts from the beginning of this stretch
            NoteKcompactdWakes(fromNs);
            _guestNowNs = toNs;
            if (_kcompactdDueNs <= toNs)
            {
                KcompactdTimeout();
                _kcompactdDueNs += KcompactdPeriodNs;
            }

            if (toNs >= endNs)
            {
                break;
            }
        }

        WritebackDuringSleep();
        return 0;
    }

    /// <summary>What writeback did while the task slept: the device's queue (--dirty-throttle), or down to the background threshold.</summary>
    private void WritebackDuringSleep()
    {
        if (_wb != null)
        {
            _wb.Complete(_cpu.Now); // background writeback went on meanwhile
        }
        else
        {
            Throttle(DirtyBackgroundRatio);
        }
    }
}
