using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Metrics;

namespace ZoneLab.Workloads.Simulation;

/// <summary>
/// One run of a scenario on a booted design (see <see cref="SimulationRunner"/>). Blocks are tracked by pfn; since
/// reclaim, compaction and contiguous allocation move or free LRU pages behind the workload's back, a block is only
/// freed when the engine still shows an allocated head of the same order and use there (a page reclaimed or migrated
/// away is simply forgotten, as its owner would find it swapped out or moved).
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
    private readonly MetricsCollector _metrics;

    public Simulation(Scenario scenario, DesignMachine dm, SimulationOptions options, Action<double>? progress)
    {
        _scenario = scenario;
        _dm = dm;
        _m = dm.Machine;
        _o = options;
        _progress = progress;
        _seed = options.Seed ?? scenario.Seed;
        _metrics = new MetricsCollector(dm, _deviceHeld);
    }

    public void Run()
    {
        double total = Math.Max(_scenario.DurationSeconds, 1e-9);
        double phaseStart = 0;
        double nextSample = 0;
        double nextWatch = 0;
        for (int p = 0; p < _scenario.Phases.Count; p++)
        {
            ScenarioPhase phase = _scenario.Phases[p];
            var states = new List<ActorState>(phase.Actors.Count);
            for (int a = 0; a < phase.Actors.Count; a++)
            {
                ScenarioActor actor = phase.Actors[a];
                var st = new ActorState(actor, new Random(SimulationRunner.StreamSeed(_seed, p, a))) { NextFire = actor.StartSeconds };
                states.Add(st);
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
                Expire(_now);
                double dt = Math.Min(_o.TickSeconds, phase.DurationSeconds - local);
                foreach (ActorState st in states)
                {
                    Step(st, local, dt, phase.DurationSeconds, phaseEnd);
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
            Expire(phaseEnd);
            phaseStart = phaseEnd;
        }
    }

    public DesignReport Report() => _metrics.Report(_scenario) with { Bandwidth = _bandwidth?.Report() };

    private void Step(ActorState st, double local, double dt, double phaseDuration, double phaseEnd)
    {
        ScenarioActor a = st.Actor;
        double stop = a.StopSeconds ?? phaseDuration;
        if (local + dt <= a.StartSeconds || local >= stop)
        {
            return;
        }
        switch (a)
        {
            case AnonActor anon:
                StepAnon(st, anon, dt, phaseEnd);
                break;
            case PageCacheActor pc:
                StepPageCache(st, pc, dt);
                break;
            case SlabActor slab:
                StepSlab(st, slab, dt, phaseEnd);
                break;
            case AtomicActor at:
                StepAtomic(st, at, local + dt, phaseEnd);
                break;
            case ThpActor thp:
                StepThp(st, thp, dt, phaseEnd);
                break;
            case CmaActor cma:
                StepCma(st, cma, local + dt, phaseEnd);
                break;
            case GiganticActor g:
                StepGigantic(st, g, phaseEnd);
                break;
            case DropCachesActor d:
                StepDropCaches(st, d);
                break;
            case OfflineActor:
                if (!double.IsNaN(st.NextFire))
                {
                    _metrics.SkippedActors.Add(a.Name + " (memory offlining is not modelled)");
                    st.NextFire = double.NaN;
                }
                break;
        }
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

    private void Release(Holding h)
    {
        foreach (ulong pfn in h.Pfns)
        {
            if (h.CleanOnly)
            {
                if (_m.IsAllocatedHead(pfn, out int o0) && o0 == 0 && _m.UseOf(pfn) == PageUse.FileDirty)
                {
                    _m.SetDirty(pfn, false);
                }
                continue;
            }
            if (h.Owner != null)
            {
                h.Owner.PagesHeld -= 1L << h.Order;
            }
            FreeIfOwned(pfn, h.Order, h.Use);
        }
        h.Pfns.Clear();
    }

    private bool FreeIfOwned(ulong pfn, int order, PageUse use)
    {
        _dm.Contig.Pinned.Remove(pfn);
        if (_m.IsAllocatedHead(pfn, out int o) && o == order && _m.UseOf(pfn) == use)
        {
            _m.Free(pfn, order);
            return true;
        }
        return false;
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
