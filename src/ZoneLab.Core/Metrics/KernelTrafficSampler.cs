using ZoneLab.Workloads;

namespace ZoneLab.Metrics;

/// <summary>
/// One bandwidth sample of the kernel's own traffic (<see cref="KernelTraffic"/>, docs/bandwidth.md): where the kernel's
/// pages are in the engine (slab and other kernel pages, each actor's page tables, the struct pages of each actor's
/// pages) turned into bytes/s per controller. Call the Add methods for the sample's pages, then <see cref="Loads"/>.
/// </summary>
internal sealed class KernelTrafficSampler
{
    private readonly BandwidthSampler _controllers;
    private readonly int _n;
    private readonly long[] _slab;
    private readonly Dictionary<ScenarioActor, (long[] PageTables, long[] Memmap)> _actors = new(ReferenceEqualityComparer.Instance);
    private readonly double[] _loads;

    public KernelTrafficSampler(BandwidthSampler controllers, int count)
    {
        _controllers = controllers;
        _n = count;
        // the last slot counts pages outside every controller: they take their part of the traffic but load nothing
        _slab = new long[count + 1];
        _loads = new double[count];
    }

    /// <summary>A kernel page that is not a page table (slab, kernel allocations), <paramref name="count"/> pages.</summary>
    public void AddSlab(ulong pfn, ulong count) => _slab[Slot(pfn)] += (long)count;

    /// <summary>A PTE page of <paramref name="actor"/>.</summary>
    public void AddPageTable(ScenarioActor actor, ulong pfn) => For(actor).PageTables[Slot(pfn)]++;

    /// <summary>The struct page of one of <paramref name="actor"/>'s pages, at physical address <paramref name="phys"/>.</summary>
    public void AddStructPage(ScenarioActor actor, ulong phys) => For(actor).Memmap[Slot(phys >> 12)]++;

    /// <summary>The sample's kernel bytes/s per controller; clears the counts for the next sample.</summary>
    public ReadOnlySpan<double> Loads(KernelTraffic k)
    {
        Array.Clear(_loads);
        Spread(_slab, k.SlabBytesPerSecond);
        foreach ((ScenarioActor a, (long[] pt, long[] mm)) in _actors)
        {
            Spread(pt, a.AccessBytesPerSecond * k.PageTableFraction);
            Spread(mm, a.AccessBytesPerSecond * k.MemmapFraction);
        }
        _actors.Clear();
        return _loads;
    }

    // bytes/s spread evenly over the counted pages; cleared afterwards
    private void Spread(long[] pages, double bytesPerSecond)
    {
        long total = 0;
        foreach (long p in pages)
        {
            total += p;
        }
        if (total > 0 && bytesPerSecond > 0)
        {
            for (int c = 0; c < _n; c++)
            {
                _loads[c] += bytesPerSecond * pages[c] / total;
            }
        }
        Array.Clear(pages);
    }

    private (long[] PageTables, long[] Memmap) For(ScenarioActor a)
    {
        if (!_actors.TryGetValue(a, out (long[], long[]) v))
        {
            v = (new long[_n + 1], new long[_n + 1]);
            _actors[a] = v;
        }
        return v;
    }

    private int Slot(ulong pfn) => _controllers.ControllerOf(pfn) is int c and >= 0 ? c : _n;
}
