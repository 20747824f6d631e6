namespace ZoneLab.Cli.Sweep;

/// <summary>
/// The order a sweep's workers take its points in: the longest first, by the time the finished points of the same
/// design took. A run's cost is mostly its design's (sticky-movable's android-camera run takes about six times another
/// design's); in grid order the last points of a sweep are one design's, and when that design is the slow one a
/// worker runs them alone while the others wait (5 % of the two-core time of the benchmark's 70-point slice of the
/// shipped grid: docs/sweeps.md).
/// Taken longest first (the LPT rule), the runs left at the end are the short ones. Each design's first point is taken
/// before any estimate is used (in grid order, so a sweep starts where the grid does), and within a design the points
/// go in grid order. Rows do not depend on the order: each is a function of its point alone, and the store sorts
/// them. Thread-safe; a take and a finish are O(designs).
/// </summary>
internal sealed class SweepQueue
{
    private readonly Lock _gate = new();
    private readonly List<string> _designs = [];
    private readonly List<Queue<int>> _pending = [];
    private readonly List<double> _seconds = [];
    private readonly List<int> _finished = [];
    private readonly List<bool> _started = [];
    private readonly Dictionary<int, int> _designOf = [];
    private readonly Dictionary<int, long> _runningSince = [];
    private double _allSeconds;
    private int _allFinished;
    private int _workers = 1;

    /// <summary>A queue of <paramref name="points"/> (grid indexes, in grid order) whose design is <paramref name="design"/>(point).</summary>
    public SweepQueue(IEnumerable<int> points, Func<int, string> design)
    {
        foreach (int p in points)
        {
            string d = design(p);
            int k = _designs.IndexOf(d);
            if (k < 0)
            {
                k = _designs.Count;
                _designs.Add(d);
                _pending.Add(new Queue<int>());
                _seconds.Add(0);
                _finished.Add(0);
                _started.Add(false);
            }
            _pending[k].Enqueue(p);
            _designOf[p] = k;
        }
    }

    /// <summary>
    /// The next point to run: the first pending point of a design none of whose points has started, else the next
    /// point of the design whose finished points took longest on average (a design with points running but none
    /// finished counts as the longest: its estimate is still to come); false when no point is left.
    /// </summary>
    public bool TryTake(out int point)
    {
        lock (_gate)
        {
            int best = -1;
            for (int k = 0; k < _designs.Count; k++)
            {
                if (_pending[k].Count == 0)
                {
                    continue;
                }
                if (!_started[k])
                {
                    // a design not yet probed: the earliest such point in grid order
                    if (best < 0 || _started[best] || _pending[k].Peek() < _pending[best].Peek())
                    {
                        best = k;
                    }
                    continue;
                }
                if (best < 0 || (_started[best] && Estimate(k) > Estimate(best)))
                {
                    best = k;
                }
            }
            if (best < 0)
            {
                point = -1;
                return false;
            }
            _started[best] = true;
            point = _pending[best].Dequeue();
            _runningSince[point] = System.Diagnostics.Stopwatch.GetTimestamp();
            return true;
        }
    }

    /// <summary>Point <paramref name="point"/> (taken from this queue) ran for <paramref name="seconds"/>.</summary>
    public void Finished(int point, double seconds)
    {
        lock (_gate)
        {
            int k = _designOf[point];
            _seconds[k] += seconds;
            _finished[k]++;
            _allSeconds += seconds;
            _allFinished++;
            _runningSince.Remove(point);
        }
    }

    /// <summary>
    /// Runs every point on <paramref name="jobs"/> worker threads, each taking the next point when it is free. After a
    /// cancel or a failure no new point is started; the running ones finish. Throws <see cref="AggregateException"/>
    /// with the failures, else <see cref="OperationCanceledException"/> when cancelled before the queue was empty.
    /// </summary>
    public void Drain(int jobs, Action<int> run, CancellationToken cancel = default)
    {
        lock (_gate)
        {
            _workers = Math.Max(1, jobs);
        }
        var failures = new List<Exception>();
        void Work()
        {
            while (!cancel.IsCancellationRequested && TryTake(out int p))
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    run(p);
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add(e);
                    }
                    return;
                }
                Finished(p, System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds);
                lock (failures)
                {
                    if (failures.Count > 0)
                    {
                        return;
                    }
                }
            }
        }
        var workers = new Thread[Math.Max(1, jobs) - 1];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = new Thread(Work) { IsBackground = true, Name = $"sweep worker {w + 1}" };
            workers[w].Start();
        }
        Work();
        foreach (Thread t in workers)
        {
            t.Join();
        }
        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }
        lock (_gate)
        {
            if (cancel.IsCancellationRequested && _pending.Any(q => q.Count > 0))
            {
                throw new OperationCanceledException(cancel);
            }
        }
    }

    /// <summary>
    /// What <see cref="Drain"/> would do if point p took <paramref name="cost"/>(p) seconds whatever ran beside it: the
    /// order the points are taken in and the time the last one ends. Workers free at the same moment report before any
    /// takes, the lower-numbered worker first. The benchmarks use it to split a measured speed-up into the part the
    /// order allows and the part the workers cost each other.
    /// </summary>
    public (List<int> Order, double Makespan) Simulate(Func<int, double> cost, int workers)
    {
        var order = new List<int>();
        var freeAt = new double[workers];
        var running = new int[workers];
        Array.Fill(running, -1);
        while (true)
        {
            int w = 0;
            for (int i = 1; i < workers; i++)
            {
                if (freeAt[i] < freeAt[w])
                {
                    w = i;
                }
            }
            for (int i = 0; i < workers; i++)
            {
                if (running[i] >= 0 && freeAt[i] == freeAt[w])
                {
                    Finished(running[i], cost(running[i]));
                    running[i] = -1;
                }
            }
            if (!TryTake(out int p))
            {
                return (order, freeAt.Max());
            }
            order.Add(p);
            running[w] = p;
            freeAt[w] += cost(p);
        }
    }

    /// <summary>
    /// The time left, from the finished points' times: each pending point its design's mean (a design with none
    /// finished, the mean of all), each running point what its estimate has not yet used, shared by the workers while
    /// there are more points than workers. Null until a point has finished. The progress shows it as the ETA: with
    /// the long points first, the elapsed time per finished point would overstate the rest.
    /// </summary>
    public double? SecondsLeft()
    {
        lock (_gate)
        {
            if (_allFinished == 0)
            {
                return null;
            }
            double mean = _allSeconds / _allFinished;
            double work = 0;
            int points = _runningSince.Count;
            for (int k = 0; k < _designs.Count; k++)
            {
                work += _pending[k].Count * (_finished[k] > 0 ? _seconds[k] / _finished[k] : mean);
                points += _pending[k].Count;
            }
            foreach ((int p, long since) in _runningSince)
            {
                int k = _designOf[p];
                double est = _finished[k] > 0 ? _seconds[k] / _finished[k] : mean;
                work += Math.Max(0, est - System.Diagnostics.Stopwatch.GetElapsedTime(since).TotalSeconds);
            }
            return work / Math.Max(1, Math.Min(_workers, points));
        }
    }

    private double Estimate(int k) => _finished[k] == 0 ? double.PositiveInfinity : _seconds[k] / _finished[k];
}
