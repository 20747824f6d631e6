using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>One "Node N, zone NAME" section of <c>/proc/zoneinfo</c> as parsed.</summary>
public sealed class ZoneinfoZone
{
    /// <summary>NUMA node id.</summary>
    public int Node { get; init; }

    /// <summary>Zone type.</summary>
    public ZoneType Type { get; init; }

    /// <summary><c>pages free</c>.</summary>
    public ulong Free { get; set; }

    /// <summary><c>boost</c>.</summary>
    public ulong Boost { get; set; }

    /// <summary><c>min</c>.</summary>
    public ulong Min { get; set; }

    /// <summary><c>low</c>.</summary>
    public ulong Low { get; set; }

    /// <summary><c>high</c>.</summary>
    public ulong High { get; set; }

    /// <summary><c>promo</c> (printed since v6.3); null when absent.</summary>
    public ulong? Promo { get; set; }

    /// <summary><c>spanned</c>.</summary>
    public ulong Spanned { get; set; }

    /// <summary><c>present</c>.</summary>
    public ulong Present { get; set; }

    /// <summary><c>managed</c>.</summary>
    public ulong Managed { get; set; }

    /// <summary><c>cma</c> (<c>zone-&gt;cma_pages</c>).</summary>
    public ulong Cma { get; set; }

    /// <summary><c>protection: (...)</c>, one entry per zone type of the config.</summary>
    public ulong[] Protection { get; set; } = [];

    /// <summary><c>start_pfn</c> (printed only for populated zones); null when absent.</summary>
    public ulong? StartPfn { get; set; }

    /// <summary>The <c>pagesets</c> block: one entry per online CPU (for_each_online_cpu), in the file's order.</summary>
    public List<ZoneinfoPageset> Pagesets { get; } = [];

    /// <summary>Every other "name value" counter of the zone section (nr_free_pages, nr_free_cma, numa_hit, ...).</summary>
    public Dictionary<string, long> Stats { get; } = new(StringComparer.Ordinal);

    /// <summary>Span <c>[start_pfn, start_pfn + spanned)</c>, empty when the zone is unpopulated.</summary>
    public PfnRange Span => StartPfn is ulong s ? new PfnRange(s, s + Spanned) : default;

    public override string ToString() => $"Node {Node}, zone {ZoneTypes.Name(Type)} managed {Managed}";
}
