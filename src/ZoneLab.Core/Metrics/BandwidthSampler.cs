using ZoneLab.Workloads;

namespace ZoneLab.Metrics;

/// <summary>
/// Samples where each accessing actor's pages are during a run and accumulates the time-weighted controller loads of
/// <see cref="BandwidthModel"/>. A sample is: <see cref="AddPages"/> for every page an actor holds, then
/// <see cref="EndSample"/> with the time the sample stands for.
/// </summary>
internal sealed class BandwidthSampler
{
    private const int PageShift = 12;
    private readonly IReadOnlyList<MemoryController> _controllers;
    private readonly (ulong Start, ulong End, int Controller)[] _ranges;
    private readonly Dictionary<ScenarioActor, long[]> _pages = new(ReferenceEqualityComparer.Instance);
    private readonly double[] _workload;
    private readonly double[] _device;
    private readonly double[] _workloadSum;
    private readonly double[] _deviceSum;
    private readonly double[] _kernel;
    private readonly double[] _kernelSum;
    private readonly double[] _workloadAndKernel;
    private double _demandSum;
    private double _achievedSum;
    private double _time;

    public BandwidthSampler(IReadOnlyList<MemoryController> controllers)
    {
        _controllers = controllers;
        var ranges = new List<(ulong, ulong, int)>();
        for (int c = 0; c < controllers.Count; c++)
        {
            foreach (PhysicalRange r in controllers[c].Ranges)
            {
                ranges.Add((r.Start >> PageShift, r.End >> PageShift, c));
            }
        }

        _ranges = [.. ranges];
        _workload = new double[controllers.Count];
        _device = new double[controllers.Count];
        _workloadSum = new double[controllers.Count];
        _deviceSum = new double[controllers.Count];
        _kernel = new double[controllers.Count];
        _kernelSum = new double[controllers.Count];
        _workloadAndKernel = new double[controllers.Count];
    }

    /// <summary>The controller serving <paramref name="pfn"/>, or -1 outside every controller.</summary>
    public int ControllerOf(ulong pfn)
    {
        foreach ((ulong s, ulong e, int c) in _ranges)
        {
            if (pfn >= s && pfn < e)
            {
                return c;
            }
        }
        return -1;
    }

    /// <summary>
    /// The kernel's own traffic of this sample, bytes/s per controller (KernelTrafficSampler): it loads the controllers
    /// on the workload's behalf (faults, page-table walks, slab), so it counts with the workload's load.
    /// </summary>
    public void AddKernelLoad(ReadOnlySpan<double> perController)
    {
        for (int c = 0; c < _kernel.Length; c++)
        {
            _kernel[c] += perController[c];
        }
    }

    /// <summary>True when the device buffers' traffic counts as device load (cma actors).</summary>
    public static bool IsDevice(ScenarioActor a) => a is CmaActor;

    /// <summary>Counts <paramref name="count"/> pages from <paramref name="pfn"/> as held by <paramref name="actor"/>.</summary>
    public void AddPages(ScenarioActor actor, ulong pfn, ulong count)
    {
        if (!_pages.TryGetValue(actor, out long[]? perController))
        {
            // the last slot counts pages outside every controller: they take part of the actor's access but load nothing
            perController = new long[_controllers.Count + 1];
            _pages[actor] = perController;
        }

        ulong end = pfn + count;
        ulong inside = 0;
        foreach ((ulong s, ulong e, int c) in _ranges)
        {
            ulong lo = Math.Max(s, pfn), hi = Math.Min(e, end);
            if (lo < hi)
            {
                perController[c] += (long)(hi - lo);
                inside += hi - lo;
            }
        }

        perController[_controllers.Count] += (long)(count - inside);
    }

    /// <summary>Turns the pages added since the last call into loads, weighted by <paramref name="seconds"/>.</summary>
    public void EndSample(double seconds)
    {
        Array.Clear(_workload);
        Array.Clear(_device);
        double demand = 0;
        foreach ((ScenarioActor a, long[] pages) in _pages)
        {
            long total = 0;
            foreach (long p in pages)
            {
                total += p;
            }

            if (total == 0)
            {
                continue;
            }

            bool device = IsDevice(a);
            double[] target = device ? _device : _workload;
            for (int c = 0; c < _controllers.Count; c++)
            {
                target[c] += a.AccessBytesPerSecond * pages[c] / total;
            }

            if (!device)
            {
                demand += a.AccessBytesPerSecond;
            }

            Array.Clear(pages);
        }

        for (int c = 0; c < _controllers.Count; c++)
        {
            _workloadAndKernel[c] = _workload[c] + _kernel[c];
        }

        double f = BandwidthModel.AchievedFraction(_controllers, _workloadAndKernel, _device);
        for (int c = 0; c < _controllers.Count; c++)
        {
            _workloadSum[c] += _workload[c] * seconds;
            _deviceSum[c] += _device[c] * seconds;
            _kernelSum[c] += _kernel[c] * seconds;
        }

        Array.Clear(_kernel);

        _demandSum += demand * seconds;
        _achievedSum += demand * f * seconds;
        _time += seconds;
    }

    /// <summary>The time averages over every sample.</summary>
    public BandwidthReport Report()
    {
        double t = _time > 0 ? _time : 1;
        int n = _controllers.Count;
        var load = new double[n];
        double total = 0, workloadTotal = 0;
        for (int c = 0; c < n; c++)
        {
            load[c] = (_workloadSum[c] + _deviceSum[c] + _kernelSum[c]) / t;
            total += load[c];
            workloadTotal += _workloadSum[c] / t;
        }

        var list = new List<ControllerLoad>(n);
        for (int c = 0; c < n; c++)
        {
            double w = _workloadSum[c] / t;
            list.Add(new ControllerLoad(_controllers[c].Name, _controllers[c].BandwidthBytesPerSecond, w, _deviceSum[c] / t,
                total > 0 ? load[c] / total : 0, workloadTotal > 0 ? w / workloadTotal : 0)
            { KernelBytesPerSecond = _kernelSum[c] / t });
        }

        return new BandwidthReport
        {
            Controllers = list,
            DemandBytesPerSecond = _demandSum / t,
            AchievableBytesPerSecond = _achievedSum / t,
            Balance = BandwidthModel.Balance(load),
        };
    }
}
