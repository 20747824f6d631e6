using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>Index of a watermark in <c>zone-&gt;_watermark[]</c> (<c>enum zone_watermarks</c>).</summary>
public enum WatermarkIndex
{
    /// <summary>WMARK_MIN: below it only reserve-entitled allocations proceed.</summary>
    Min = 0,

    /// <summary>WMARK_LOW: the fast path's mark; falling below wakes kswapd.</summary>
    Low = 1,

    /// <summary>WMARK_HIGH: kswapd reclaims until a zone is above it.</summary>
    High = 2,

    /// <summary>WMARK_PROMO (v6.1+): memory tiering promotion mark.</summary>
    Promo = 3,
}

/// <summary>
/// The watermark and reserve state of one zone: the fields of <c>struct zone</c> that
/// <c>__setup_per_zone_wmarks</c> and <c>setup_per_zone_lowmem_reserve</c> write.
/// </summary>
public sealed class ZoneWatermarks
{
    private readonly ulong[] _mark = new ulong[4];

    /// <summary>Creates the state of one zone; <paramref name="maxNrZones"/> sizes <see cref="LowmemReserve"/>.</summary>
    public ZoneWatermarks(int node, ZoneType type, ulong managedPages, int maxNrZones)
    {
        Node = node;
        Type = type;
        ManagedPages = managedPages;
        LowmemReserve = new ulong[maxNrZones];
    }

    /// <summary>NUMA node id.</summary>
    public int Node { get; }

    /// <summary>Zone type (its index in the node's zone array).</summary>
    public ZoneType Type { get; }

    /// <summary><c>zone_managed_pages()</c>: pages handed to the buddy allocator.</summary>
    public ulong ManagedPages { get; set; }

    /// <summary><c>zone-&gt;present_pages</c> (used by <c>populated_zone()</c>).</summary>
    public ulong PresentPages { get; set; }

    /// <summary><c>populated_zone()</c>: present pages (or, when the caller only knows managed pages, managed pages) exist.</summary>
    public bool IsPopulated => PresentPages != 0 || ManagedPages != 0;

    /// <summary>True when the zone has managed pages (<c>populated_zone()</c> uses present pages; the model's zones
    /// with present but no managed pages are treated as unpopulated for reserve purposes).</summary>
    public bool HasManaged => ManagedPages != 0;

    /// <summary><c>zone-&gt;watermark_boost</c>, added to every mark by <c>wmark_pages()</c>.</summary>
    public ulong Boost { get; set; }

    /// <summary><c>zone-&gt;lowmem_reserve[]</c>: pages to keep free here against requests whose highest zone is the index.</summary>
    public ulong[] LowmemReserve { get; }

    /// <summary>True when /proc/zoneinfo of the computing kernel prints a <c>promo</c> line (6.12 does, 6.1 does not).</summary>
    public bool HasPromoLine { get; internal set; }

    /// <summary><c>promo</c> as zoneinfo prints it (<c>wmark_pages(zone, WMARK_PROMO)</c>).</summary>
    public ulong Promo => Mark(WatermarkIndex.Promo);

    /// <summary>Raw mark without boost (<c>zone-&gt;_watermark[i]</c>).</summary>
    public ulong RawMark(WatermarkIndex i) => _mark[(int)i];

    /// <summary>Sets a raw mark.</summary>
    public void SetRawMark(WatermarkIndex i, ulong value) => _mark[(int)i] = value;

    /// <summary><c>wmark_pages(zone, i)</c> = <c>_watermark[i] + watermark_boost</c>.</summary>
    public ulong Mark(WatermarkIndex i) => _mark[(int)i] + Boost;

    /// <summary><c>min_wmark_pages()</c>.</summary>
    public ulong Min => Mark(WatermarkIndex.Min);

    /// <summary><c>low_wmark_pages()</c>.</summary>
    public ulong Low => Mark(WatermarkIndex.Low);

    /// <summary><c>high_wmark_pages()</c>.</summary>
    public ulong High => Mark(WatermarkIndex.High);

    /// <summary>The largest entry of <see cref="LowmemReserve"/> from this zone's own index up (as <c>calculate_totalreserve_pages</c> scans).</summary>
    public ulong MaxLowmemReserve
    {
        get
        {
            ulong max = 0;
            for (int j = (int)Type; j < LowmemReserve.Length; j++)
            {
                max = Math.Max(max, LowmemReserve[j]);
            }

            return max;
        }
    }

    public override string ToString() => $"Node {Node} {ZoneTypes.Name(Type)}: managed {ManagedPages} min {Min} low {Low} high {High}";
}
