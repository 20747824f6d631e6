using ZoneLab.Allocator;
using ZoneLab.Reclaim;

namespace ZoneLab.Metrics;

/// <summary>Reclaim of one zone over a run (<see cref="ReclaimZoneStats"/>).</summary>
/// <param name="Zone">Zone name.</param>
/// <param name="Node">NUMA node.</param>
/// <param name="ScanKswapd">Pages kswapd scanned in the zone (isolated or skipped).</param>
/// <param name="ScanDirect">Pages direct reclaim scanned in the zone.</param>
/// <param name="StealKswapd">Pages kswapd reclaimed from the zone.</param>
/// <param name="StealDirect">Pages direct reclaim reclaimed from the zone.</param>
/// <param name="Skipped"><c>pgskip</c>: pages passed over because the zone is above the reclaim index.</param>
/// <param name="Wasted">Pages reclaimed from the zone that the request behind the reclaim could not use.</param>
/// <param name="BalanceClasszone"><c>balance_pgdat</c> runs whose <c>highest_zoneidx</c> is this zone.</param>
/// <param name="BalancedBy"><c>pgdat_balanced</c> decisions of kswapd's loop that this zone ended (high watermark met).</param>
/// <param name="Unbalanced">Checks of kswapd's loop in which this zone was eligible and below its high watermark.</param>
public sealed record ZoneReclaim(string Zone, int Node, long ScanKswapd, long ScanDirect, long StealKswapd, long StealDirect, long Skipped, long Wasted,
    long BalanceClasszone, long BalancedBy, long Unbalanced)
{
    /// <summary>The populated zones, and any zone with a non-zero count.</summary>
    public static ZoneReclaim[] Of(Machine m, ReclaimZoneStats s)
    {
        var rows = new List<ZoneReclaim>();
        for (int zi = 0; zi < m.Zones.Count; zi++)
        {
            Zone z = m.Zones[zi];
            var r = new ZoneReclaim(z.Name, z.Node, s.ScanKswapd[zi], s.ScanDirect[zi], s.StealKswapd[zi], s.StealDirect[zi], s.Skipped[zi], s.Wasted[zi],
                s.BalanceClasszone[zi], s.BalancedBy[zi], s.Unbalanced[zi]);
            if (z.IsPopulated || r.ScanKswapd + r.ScanDirect + r.Skipped + r.BalanceClasszone > 0)
            {
                rows.Add(r);
            }
        }

        return rows.ToArray();
    }
}

/// <summary>How far reclaim departed from LRU order over a run (<see cref="ReclaimZoneStats"/>).</summary>
/// <param name="AgedPages">Reclaimed anon/file pages.</param>
/// <param name="InvertedPages">Of those, pages reclaimed while an older page of the same inactive list stayed resident.</param>
/// <param name="InversionPairs">Σ over reclaimed pages of the older resident pages of the same list.</param>
/// <param name="AgeHistogram">Reclaimed pages per age bucket: [0, 1) s, [1, 2) s, [2, 4) s, ..., the last open-ended.</param>
public sealed record LruOrder(long AgedPages, long InvertedPages, long InversionPairs, long[] AgeHistogram)
{
    /// <summary><see cref="InvertedPages"/> / <see cref="AgedPages"/>.</summary>
    public double InvertedFraction => AgedPages == 0 ? 0 : (double)InvertedPages / AgedPages;

    /// <summary>Mean older resident pages per reclaimed page.</summary>
    public double MeanOlderResident => AgedPages == 0 ? 0 : (double)InversionPairs / AgedPages;

    /// <summary>The age (s) below which half the reclaimed pages fall: the upper edge of the median's bucket.</summary>
    public double MedianAgeBucketEdge
    {
        get
        {
            long half = (AgedPages + 1) / 2, run = 0;
            for (int k = 0; k < AgeHistogram.Length; k++)
            {
                run += AgeHistogram[k];
                if (run >= half && AgedPages > 0)
                {
                    return k == AgeHistogram.Length - 1 ? double.PositiveInfinity : Math.Pow(2, k);
                }
            }

            return 0;
        }
    }

    /// <summary>From the model's counters.</summary>
    public static LruOrder Of(ReclaimZoneStats s) => new(s.AgedPages, s.InvertedPages, s.InversionPairs, (long[])s.AgeHistogram.Clone());
}
