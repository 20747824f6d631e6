namespace ZoneLab.Reclaim;

/// <summary>
/// When kswapd runs relative to the allocating task on one CPU: the two are nice-0 tasks of the fair scheduler
/// (kernel/sched/fair.c, 6.1), so a woken kswapd does not reclaim at once and to completion (the engine's
/// synchronous kswapd) but in time slices that alternate with the task's. While the task holds the CPU it keeps
/// allocating, first down to the min watermark, then in direct reclaim (__alloc_pages_slowpath →
/// __alloc_pages_direct_reclaim): that is where the kernel's allocstall and pgscan/pgsteal_direct come from on a
/// small machine, and why a kswapd that cannot keep up runs one long balance_pgdat instead of waking per dip.
/// <para>
/// The rules, each from fair.c: a waking kswapd is placed at <c>max(its vruntime, min_vruntime − sched_latency/2)</c>
/// (place_entity, GENTLE_FAIR_SLEEPERS) and preempts the task at once only when that leaves it more than
/// <c>sysctl_sched_wakeup_granularity</c> behind (check_preempt_wakeup → wakeup_preempt_entity); otherwise, and
/// while both stay runnable, the running one is switched out at the first scheduler tick after it ran its
/// <c>sched_slice</c> (check_preempt_tick: ideal_runtime = sched_latency × 1/2 for two equal tasks, or once it is
/// more than ideal_runtime of vruntime ahead after at least sysctl_sched_min_granularity). With one CPU the
/// tunables are the base values (sched_update_scaling, SCHED_TUNABLESCALING_LOG: factor 1 + ilog2(1) = 1); the tick
/// is Debian's CONFIG_HZ_250. The engine's time is the cost model's: the task is charged its own work per page
/// (<see cref="TaskRan"/>) plus its direct reclaim and compaction, kswapd what <see cref="ReclaimModel.RunKswapd"/>
/// spends.
/// </para>
/// All kswapd threads (one per node) are one schedulable entity here: with NUMA they would share the CPU too.
/// </summary>
public sealed class SingleCpuScheduler
{
    /// <summary><c>sysctl_sched_latency</c>: 6 ms × (1 + ilog2(ncpus)) with one CPU.</summary>
    public const double SchedLatencyNs = 6_000_000;

    /// <summary><c>sysctl_sched_min_granularity</c>: 0.75 ms × 1.</summary>
    public const double MinGranularityNs = 750_000;

    /// <summary><c>sysctl_sched_wakeup_granularity</c>: 1 ms × 1.</summary>
    public const double WakeupGranularityNs = 1_000_000;

    /// <summary>One jiffy at Debian's CONFIG_HZ_250: scheduler_tick → task_tick_fair → check_preempt_tick.</summary>
    public const double TickNs = 4_000_000;

    /// <summary><c>sched_slice</c> of either of two runnable nice-0 tasks: sched_latency × 1024 / 2048.</summary>
    public const double IdealRuntimeNs = SchedLatencyNs / 2;

    private readonly ReclaimModel _reclaim;
    private double _now;          // CPU time since the start, both tasks
    private double _sliceStart;   // when the task last got the CPU
    private double _taskVruntime, _kswapdVruntime;
    private double _directSeen;
    private bool _kswapdQueued;   // kswapd runnable and placed in the run queue

    /// <summary>Drives <paramref name="reclaim"/>'s background kswapd (its <see cref="ReclaimModel.SynchronousKswapd"/> is turned off).</summary>
    public SingleCpuScheduler(ReclaimModel reclaim)
    {
        _reclaim = reclaim;
        reclaim.SynchronousKswapd = false;
        // shrink_node's cond_resched() inside a direct reclaimer's retry loop is a preemption point too
        reclaim.DirectReclaimed = () => TaskRan(0);
        _directSeen = reclaim.DirectReclaimNs + reclaim.DirectCompactNs;
    }

    /// <summary>Elapsed time since the start (the task's, kswapd's and sleeps), the clock of <see cref="DirtyThrottle"/>.</summary>
    public double Now => _now;

    /// <summary>Number of times kswapd got the CPU from the task (preemptions at wakeup or at a tick).</summary>
    public long KswapdSlices { get; private set; }

    /// <summary>Of those, the wakeups that preempted the task at once.</summary>
    public long WakeupPreemptions { get; private set; }

    /// <summary>
    /// The task ran <paramref name="ns"/> of its own work (plus whatever it spent in direct reclaim or compaction
    /// since the last call) and reached a preemption point (the return from a fault or a write's page loop):
    /// kswapd runs here if the scheduler would have switched to it.
    /// </summary>
    public void TaskRan(double ns)
    {
        double direct = _reclaim.DirectReclaimNs + _reclaim.DirectCompactNs;
        ns += direct - _directSeen;
        _directSeen = direct;
        double before = _now;
        _now += ns;
        _taskVruntime += ns;
        if (!_reclaim.KswapdRunning())
        {
            _kswapdQueued = false;
            return;
        }

        if (!_kswapdQueued)
        {
            // enqueue_entity → place_entity(initial = 0): sleeper credit of half a latency period at most
            _kswapdQueued = true;
            _kswapdVruntime = Math.Max(_kswapdVruntime, _taskVruntime - (SchedLatencyNs / 2));
            if (_taskVruntime - _kswapdVruntime > WakeupGranularityNs)
            {
                WakeupPreemptions++;
                RunKswapd();
                return;
            }
        }

        // check_preempt_tick at every tick the task ran through
        double tick = (Math.Floor(before / TickNs) + 1) * TickNs;
        for (; tick <= _now; tick += TickNs)
        {
            double ran = tick - _sliceStart;
            if (ran > IdealRuntimeNs || (ran >= MinGranularityNs && _taskVruntime - (_now - tick) - _kswapdVruntime > IdealRuntimeNs))
            {
                RunKswapd();
                return;
            }
        }
    }

    /// <summary>The task sleeps <paramref name="ns"/> (nanosleep): kswapd has the CPU to itself meanwhile.</summary>
    public void TaskSleeps(double ns)
    {
        TaskRan(0);
        double spent = _reclaim.RunKswapd(ns);
        _kswapdVruntime += spent;
        _now += ns;
        _kswapdQueued = _reclaim.KswapdRunning();
        // the task wakes: place_entity against kswapd's vruntime when kswapd is still queued
        _taskVruntime = Math.Max(_taskVruntime, (_kswapdQueued ? _kswapdVruntime : _taskVruntime) - (SchedLatencyNs / 2));
        _sliceStart = _now;
    }

    // kswapd has the CPU from _now until it sleeps (balance_pgdat done and the node balanced) or until the first
    // tick after it ran ideal_runtime; then the task gets the CPU back
    private void RunKswapd()
    {
        KswapdSlices++;
        double end = (Math.Floor((_now + IdealRuntimeNs) / TickNs) + 1) * TickNs;
        double spent = _reclaim.RunKswapd(end - _now);
        _kswapdVruntime += spent;
        _now += spent;
        _kswapdQueued = _reclaim.KswapdRunning();
        _sliceStart = _now;
    }
}
