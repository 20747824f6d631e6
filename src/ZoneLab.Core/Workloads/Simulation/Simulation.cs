using System.Runtime.CompilerServices;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Designs;
using ZoneLab.Hotplug;
using ZoneLab.Layout;
using ZoneLab.Reclaim;
using ZoneLab.Workloads.Actors;

namespace ZoneLab.Workloads.Simulation;

/// <summary>
/// One run of a scenario on a booted design (driven by ZoneLab.Metrics.SimulationRunner, which records it through
/// <see cref="ISimulationRecorder"/>). Blocks are tracked by pfn; since reclaim, compaction and contiguous allocation
/// move or free LRU pages behind the workload's back, a block is only freed when the engine still shows an allocated
/// head of the same order and use there (a page reclaimed or migrated away is simply forgotten, as its owner would
/// find it swapped out or moved).
/// </summary>
internal sealed partial class Simulation
{
    private const int PageShift = 12;
    private readonly Scenario _scenario;
    private readonly DesignMachine _dm;
    private readonly Machine _m;
    private readonly SimulationOptions _o;
    private readonly Action<double>? _progress;
    private readonly long _seed;
    private readonly PriorityQueue<Holding, (double, long)> _expiry = new();
    private readonly PriorityQueue<ContigHolding, (double, long)> _contigExpiry = new();
    private readonly List<ContigHolding> _deviceHeld = [];
    private readonly List<ActorState> _cacheActors = [];
    private long _seq;
    private double _now;
    private readonly ISimulationRecorder _metrics;
    private readonly ReclaimModel? _reclaim;

    // HPAGE_FRAG_CHECK_INTERVAL_MSEC: kcompactd's default wait
    private const double KcompactdPeriodSeconds = 0.5;
    private double _nextKcompactdTimeout = KcompactdPeriodSeconds;

    // With swap, every live anonymous page's owner (holding, index), so a page reclaim swaps out is found again: its
    // entry becomes SwappedPfn (a swap entry in the page table) and its slot is freed when the holding expires.
    private readonly Dictionary<ulong, (Holding H, int Index)>? _anonOwner;

    private MemoryHotplug? _hotplug;

    /// <summary>The <see cref="Holding.Pfns"/> entry of a page that lives in a swap slot, not in memory.</summary>
    internal const ulong SwappedPfn = ulong.MaxValue;

    // recorder makes the run's recorder over the device buffers held (the simulation's list; the recorder only reads it)
    public Simulation(Scenario scenario, DesignMachine dm, SimulationOptions options, Action<double>? progress, Func<List<ContigHolding>, ISimulationRecorder> recorder, ReclaimModel? reclaim = null)
    {
        _reclaim = reclaim;
        _scenario = scenario;
        _dm = dm;
        _m = dm.Machine;
        _o = options;
        _progress = progress;
        _seed = options.Seed ?? scenario.Seed;
        _metrics = recorder(_deviceHeld);
        if (reclaim != null)
        {
            reclaim.OomKillTask = OomKillTask;
        }
        if (reclaim != null && _m.Spec.SwapPages > 0)
        {
            _anonOwner = [];
            reclaim.SwappedOut = OnSwappedOut;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    public void Run()
    {
        double total = Math.Max(_scenario.DurationSeconds, 1e-9);
        double phaseStart = 0;
        double nextSample = 0;
        double nextWatch = 0;
        for (int p = 0; p < _scenario.Phases.Count; p++)
        {
            ScenarioPhase phase = _scenario.Phases[p];
            _metrics.BeginPhase(phase.Name);
            var states = new List<ActorState>(phase.Actors.Count);
            for (int a = 0; a < phase.Actors.Count; a++)
            {
                ScenarioActor actor = phase.Actors[a];
                var st = new ActorState(actor, new Random(SimulationSeeds.StreamSeed(_seed, p, a))) { NextFire = actor.StartSeconds };
                states.Add(st);
                if (actor is AnonActor or ThpActor)
                {
                    _tasks.Add(st);
                }
                if (actor is PageCacheActor)
                {
                    _cacheActors.Add(st);
                }
            }
            double phaseEnd = phaseStart + phase.DurationSeconds;
            long ticks = (long)Math.Ceiling((phase.DurationSeconds / _o.TickSeconds) - 1e-9);
            for (long k = 0; k < ticks; k++)
            {
                double local = k * _o.TickSeconds;
                _now = phaseStart + local;
                _m.LruAges?.Advance((int)Math.Round(_now / _o.TickSeconds));
                Expire(_now);
                double dt = Math.Min(_o.TickSeconds, phase.DurationSeconds - local);
                foreach (ActorState st in states)
                {
                    Step(st, local, dt, phase.DurationSeconds, phaseEnd);
                }
                // the background kswapd thread (mirrors kswapd() -> balance_pgdat) runs alongside the tick's
                // allocations: it gets the tick's wall time as its budget and catches up after them
                _reclaim?.RunKswapd(dt * 1e9);
                // kcompactd's wait times out every HPAGE_FRAG_CHECK_INTERVAL_MSEC (500 ms, mm/compaction.c kcompactd):
                // an order a refused wakeup_kcompactd left in kcompactd_max_order is served then
                // (kcompactd_work_requested → kcompactd_do_work); scenarios do not run the proactive path
                if (_reclaim != null && _now + dt >= _nextKcompactdTimeout)
                {
                    for (int n = 0; n < _m.NodeCount; n++)
                    {
                        _reclaim.Compactor.ServeKcompactdRequest(n);
                    }
                    _nextKcompactdTimeout += KcompactdPeriodSeconds;
                }
                if (_now >= nextSample)
                {
                    _metrics.Sample(_now);
                    SampleBandwidth(Math.Min(_o.SampleSeconds, total - _now));
                    nextSample += _o.SampleSeconds;
                }
                if (_o.Watch != null && _now >= nextWatch)
                {
                    _o.Watch(_now, _m);
                    nextWatch += _o.WatchSeconds;
                }
                _progress?.Invoke((_now + dt) / total);
            }
            _now = phaseEnd;
            // the census before the phase-end expiry: what the phase's workload left behind while it ran
            _metrics.EndPhase(phase.Name);
            Expire(phaseEnd);
            phaseStart = phaseEnd;
        }

        // the run is over and the report reads the machine, not the holdings: the lists of those still held go back
        // to the pool for the next run
        while (_expiry.TryDequeue(out Holding? h, out _))
        {
            h.GiveBackPfns();
        }
        foreach (ActorState st in _cacheActors)
        {
            st.Cache.GiveBack();
        }
    }

    private void Step(ActorState st, double local, double dt, double phaseDuration, double phaseEnd)
    {
        ScenarioActor a = st.Actor;
        double stop = a.StopSeconds ?? phaseDuration;
        if (local + dt <= a.StartSeconds || local >= stop)
        {
            return;
        }
        st.Kind.Step(this, st, a, new ActorTick(local, dt, phaseEnd));
    }

    private static long Draw(ActorState st, double amount)
    {
        double x = amount + st.Carry;
        long n = (long)Math.Floor(x);
        st.Carry = x - n;
        return n;
    }

    private double Until(ScenarioDistribution? lifetime, Random rng, double phaseEnd) =>
        lifetime == null ? phaseEnd : _now + Math.Max(0, lifetime.Sample(rng));

    private void Hold(Holding h, double until)
    {
        if (h.Pfns.Count > 0)
        {
            _expiry.Enqueue(h, (until, _seq++));
        }
        else
        {
            h.GiveBackPfns();
        }
    }

    private void Expire(double t)
    {
        while (_expiry.TryPeek(out Holding? h, out (double Time, long) key) && key.Time <= t)
        {
            _expiry.Dequeue();
            Release(h);
        }
        while (_contigExpiry.TryPeek(out ContigHolding? c, out (double Time, long) key) && key.Time <= t)
        {
            _contigExpiry.Dequeue();
            ReleaseContig(c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    private void Release(Holding h)
    {
        if (h.Released)
        {
            // released before (drop_caches frees reclaimable slab holdings still queued): its list is already back,
            // so only the tail below is left (what a second pass over the then empty list did)
            if (h.Owner != null && h.Use == PageUse.Anon)
            {
                SyncPageTables(h.Owner);
            }
            return;
        }
        h.Released = true;
        List<ulong> pfns = h.Pfns;
        if (h.CleanOnly)
        {
            for (int k = 0; k < pfns.Count; k++)
            {
                _m.CleanIfDirty(pfns[k]);
            }
        }
        else
        {
            // the holding's fields are read once, not per page (a run frees about two million pages here); nothing
            // in the loop reads the owner's PagesHeld, so it drops by the whole holding at once
            ActorState? owner = h.Owner;
            int order = h.Order;
            PageUse use = h.Use;
            Dictionary<ulong, (Holding H, int Index)>? anonOwner = use == PageUse.Anon && order == 0 ? _anonOwner : null;
            if (owner != null)
            {
                owner.PagesHeld -= (long)pfns.Count << order;
            }
            for (int k = 0; k < pfns.Count; k++)
            {
                ulong pfn = pfns[k];
                if (pfn == SwappedPfn)
                {
                    // mirrors zap_pte_range -> free_swap_and_cache: exit/munmap of a swapped-out page frees its slot
                    _m.SwapUsedPages--;
                    continue;
                }
                if (anonOwner != null)
                {
                    // the pfn may have been reclaimed or migrated and reused by someone else: free only our own page
                    if (!anonOwner.TryGetValue(pfn, out (Holding H, int Index) o) || o.H != h || o.Index != k)
                    {
                        continue;
                    }
                    anonOwner.Remove(pfn);
                }
                if (order == 0)
                {
                    // the pages of a holding were mostly handed out in address order: their frees merge as one run
                    FreeIfOwnedInRun(pfn, use);
                }
                else
                {
                    FreeIfOwned(pfn, order, use);
                }
            }
            _m.FlushFreeRun();
        }
        h.GiveBackPfns();
        if (h.Owner != null && h.Use == PageUse.Anon)
        {
            SyncPageTables(h.Owner);
        }
    }

    // reclaim is about to swap out the anonymous page at pfn: its owner now holds a swap entry
    private void OnSwappedOut(ulong pfn, long pages)
    {
        if (pages == 1 && _anonOwner!.Remove(pfn, out (Holding H, int Index) o) && !o.H.Released && o.H.Pfns[o.Index] == pfn)
        {
            o.H.Pfns[o.Index] = SwappedPfn;
            if (o.H.Owner is { Actor.AccessBytesPerSecond: > 0 } owner)
            {
                owner.Swapped.Add(o); // only an actor that touches its memory can fault the page back in
            }
            return;
        }
        // a page the workload no longer tracks (its holding expired or it was migrated away): nobody frees the slot
        // by exit, so release it at once rather than leak swap space
        _m.SwapUsedPages -= pages;
    }

    /// <summary>Records a new anonymous page of <paramref name="h"/> (at index <c>h.Pfns.Count</c>, before it is added).</summary>
    private void TrackAnon(Holding h, ulong pfn)
    {
        if (_anonOwner != null)
        {
            _anonOwner[pfn] = (h, h.Pfns.Count);
        }
    }

    /// <summary>
    /// The hotplug model over the design's machine, made on first use (HotplugMachine.Create's block size, section
    /// size and command-line settings). It is not disposed here: the design machine owns the engine.
    /// </summary>
    private MemoryHotplug Hotplug()
    {
        return _hotplug ??= HotplugMachine.Over(_m, _dm.Layout);
    }

    private bool FreeIfOwned(ulong pfn, int order, PageUse use)
    {
        _dm.Contig.Pinned.Remove(pfn);
        return _m.FreeIfAllocated(pfn, order, use);
    }

    // FreeIfOwned for an order-0 page whose buddy-list free waits for the caller's Machine.FlushFreeRun
    private bool FreeIfOwnedInRun(ulong pfn, PageUse use)
    {
        _dm.Contig.Pinned.Remove(pfn);
        return _m.FreeIfAllocatedDeferred(pfn, use);
    }

    private void ReleaseContig(ContigHolding c)
    {
        if (c.Area != null)
        {
            c.Area.Release(c.Pfn, c.Count);
        }
        else
        {
            _dm.Contig.FreeContigRange(c.Pfn, c.Count);
        }
        _deviceHeld.Remove(c);
    }
}
