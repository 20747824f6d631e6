namespace ZoneLab.Reclaim;

/// <summary>
/// A shrinker as 6.1 registers one (struct shrinker, include/linux/shrinker.h): count_objects says how many objects
/// it could free on a node (freeable: only unused objects, e.g. dentries and inodes nobody references), scan_objects
/// frees up to nr_to_scan of them, and shrink_slab drives it through <see cref="DoShrinkSlab"/> with the reclaim
/// priority, carrying the work a call did not do in the per-node nr_deferred (SHRINKER_NUMA_AWARE).
/// </summary>
public abstract class Shrinker
{
    /// <summary>SHRINK_BATCH (include/linux/shrinker.h): the batch of a shrinker whose batch is 0.</summary>
    public const long ShrinkBatch = 128;

    /// <summary>DEFAULT_SEEKS (include/linux/shrinker.h).</summary>
    public const int DefaultSeeks = 2;

    /// <summary>SHRINK_STOP: scan_objects cannot make progress; do_shrink_slab stops calling it.</summary>
    public const long ShrinkStop = -1;

    private readonly long[] _nrDeferred;

    /// <summary>A shrinker for <paramref name="nodes"/> nodes with the given seeks and batch (0: SHRINK_BATCH).</summary>
    protected Shrinker(int nodes, int seeks = DefaultSeeks, long batch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seeks);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        _nrDeferred = new long[nodes];
        Seeks = seeks;
        Batch = batch;
    }

    /// <summary>shrinker->seeks: the cost of re-creating an object (0: scan half the freeable objects per call).</summary>
    public int Seeks { get; }

    /// <summary>shrinker->batch (0: SHRINK_BATCH).</summary>
    public long Batch { get; }

    /// <summary>shrinker->nr_deferred[nid]: scan work carried to the next call.</summary>
    public long NrDeferred(int node) => _nrDeferred[node];

    /// <summary>count_objects: the objects on <paramref name="node"/> the shrinker could free now.</summary>
    public abstract long CountObjects(int node);

    /// <summary>scan_objects: looks at up to <paramref name="nrToScan"/> objects; returns the freed ones or <see cref="ShrinkStop"/>.</summary>
    public abstract long ScanObjects(int node, long nrToScan);

    /// <summary>
    /// True while shrink_slab runs for the background kswapd, a thread that shares the CPU with the workload
    /// (<see cref="SingleCpuScheduler"/>): a scan_objects call whose work takes time may then leave it in flight,
    /// to be done in kswapd's later time slices (<see cref="RunInFlight"/>) before its balance_pgdat round goes on.
    /// </summary>
    public bool InBackgroundKswapd { get; set; }

    /// <summary>
    /// Objects of the scan_objects calls still in flight on <paramref name="node"/>: do_shrink_slab counts a call's
    /// nr_scanned in slabs_scanned only when the call returns.
    /// </summary>
    public virtual long ScanInFlight(int node) => 0;

    /// <summary>
    /// Goes on with the in-flight scan_objects work of <paramref name="node"/> for up to <paramref name="budgetNs"/>
    /// of kswapd's time (it may overrun by one object); returns the time spent, and in
    /// <paramref name="scannedDone"/> the nr_scanned of the calls that returned meanwhile.
    /// </summary>
    public virtual double RunInFlight(int node, double budgetNs, out long scannedDone)
    {
        scannedDone = 0;
        return 0;
    }

    /// <summary>
    /// mirrors do_shrink_slab (6.1 mm/vmscan.c): freeable = count_objects; delta = (freeable &gt;&gt; priority) * 4 /
    /// seeks (freeable / 2 with seeks 0); total_scan = (nr_deferred &gt;&gt; priority) + delta, at most 2 * freeable,
    /// scanned in batches while total_scan &gt;= batch or &gt;= freeable; next_deferred = nr + delta - scanned, within
    /// 0..2 * freeable. Returns the objects freed; <paramref name="scanned"/> gets the objects scanned (vmstat
    /// slabs_scanned counts these, in objects).
    /// </summary>
    public long DoShrinkSlab(int node, int priority, out long scanned)
    {
        scanned = 0;
        long freeable = CountObjects(node);
        if (freeable <= 0)
        {
            return 0;
        }

        long batch = Batch != 0 ? Batch : ShrinkBatch;
        long nr = _nrDeferred[node];
        _nrDeferred[node] = 0; // xchg_nr_deferred
        long delta = Seeks != 0 ? (freeable >> priority) * 4 / Seeks : freeable / 2;
        long totalScan = Math.Min((nr >> priority) + delta, 2 * freeable);
        long freed = 0;
        while (totalScan >= batch || totalScan >= freeable)
        {
            long nrToScan = Math.Min(batch, totalScan);
            long ret = ScanObjects(node, nrToScan);
            if (ret == ShrinkStop)
            {
                break;
            }

            freed += ret;
            totalScan -= nrToScan;
            scanned += nrToScan;
        }

        // add_nr_deferred
        _nrDeferred[node] += Math.Min(Math.Max(nr + delta - scanned, 0), 2 * freeable);
        return freed;
    }
}
