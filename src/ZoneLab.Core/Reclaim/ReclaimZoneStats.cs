namespace ZoneLab.Reclaim;

/// <summary>
/// Reclaim counted per zone (the zone of each reclaimed page, <c>folio_zonenum</c>) and kswapd's balancing
/// decisions per zone, plus how far reclaim departed from LRU order. The kernel counts pgscan/pgsteal per node
/// (<c>PGSCAN_KSWAPD</c>... are node events) and only <c>pgskip_*</c> and <c>pgrefill</c> per zone; splitting them by
/// the page's zone is the model's addition that lets one see which zone's memory reclaim actually freed.
/// </summary>
public sealed class ReclaimZoneStats
{
    /// <summary>Age buckets of reclaimed pages: [0, 1) s, [1, 2) s, [2, 4) s, ... doubling, the last open-ended.</summary>
    public const int AgeBuckets = 12;

    internal ReclaimZoneStats(int zones)
    {
        ScanKswapd = new long[zones];
        ScanDirect = new long[zones];
        StealKswapd = new long[zones];
        StealDirect = new long[zones];
        Skipped = new long[zones];
        Wasted = new long[zones];
        BalanceClasszone = new long[zones];
        BalancedBy = new long[zones];
        Unbalanced = new long[zones];
    }

    /// <summary>Pages kswapd scanned per zone (isolated for reclaim or skipped).</summary>
    public long[] ScanKswapd { get; }

    /// <summary>Pages direct reclaim scanned per zone.</summary>
    public long[] ScanDirect { get; }

    /// <summary>Pages kswapd reclaimed per zone.</summary>
    public long[] StealKswapd { get; }

    /// <summary>Pages direct reclaim reclaimed per zone.</summary>
    public long[] StealDirect { get; }

    /// <summary><c>pgskip_*</c>: pages isolate_lru_folios passed over because their zone is above the reclaim index.</summary>
    public long[] Skipped { get; }

    /// <summary>Pages reclaimed per zone that the request behind the reclaim could not use (movable-only memory for a
    /// request without ALLOC_CMA).</summary>
    public long[] Wasted { get; }

    /// <summary><c>balance_pgdat</c> runs per <c>highest_zoneidx</c> (the classzone kswapd balances for).</summary>
    public long[] BalanceClasszone { get; }

    /// <summary><c>pgdat_balanced</c> decisions that ended a kswapd run: the zone that met its high watermark.</summary>
    public long[] BalancedBy { get; }

    /// <summary><c>pgdat_balanced</c> checks, per zone, in which the zone was eligible and below its high watermark.</summary>
    public long[] Unbalanced { get; }

    /// <summary>Reclaimed LRU pages whose age was recorded (anon and file; slab excluded).</summary>
    public long AgedPages { get; internal set; }

    /// <summary>Of <see cref="AgedPages"/>: pages reclaimed while an older page of the same LRU list stayed resident.</summary>
    public long InvertedPages { get; internal set; }

    /// <summary>Σ over reclaimed pages of the older pages of the same list left resident (inversion pairs).</summary>
    public long InversionPairs { get; internal set; }

    /// <summary>Reclaimed pages per age bucket (<see cref="AgeBuckets"/>).</summary>
    public long[] AgeHistogram { get; } = new long[AgeBuckets];

    /// <summary>Which age bucket <paramref name="seconds"/> falls in: 0 below 1 s, then k for [2^(k-1), 2^k) s.</summary>
    public static int Bucket(double seconds)
    {
        if (seconds < 1)
        {
            return 0;
        }

        // the double's binary exponent is floor(log2(seconds)) exactly: no libm call on every reclaimed page, and no
        // rounding up just below a power of two as log2() can (8 - 1 ulp is in [4, 8)); NaN and infinity give
        // int.MaxValue, which lands in the last bucket
        return Math.Min(Math.ILogB(seconds), AgeBuckets - 2) + 1;
    }
}
