using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>
/// One zone of a <see cref="Machine"/>: span and counts, the watermark state, and the free-page counters that
/// <c>__mod_zone_freepage_state</c> keeps. The free lists themselves live in the machine's flat arrays
/// (the flat free-list arrays) indexed by <see cref="Index"/>.
/// </summary>
public sealed class Zone
{
    internal Zone(int index, int node, ZoneType type, ulong startPfn, ulong spanned, ZoneWatermarks wm)
    {
        Index = index;
        Node = node;
        Type = type;
        StartPfn = startPfn;
        SpannedPages = spanned;
        Watermarks = wm;
    }

    /// <summary>Index of the zone in <see cref="Machine.Zones"/> (node-major, every configured type per node).</summary>
    public int Index { get; }

    /// <summary>NUMA node.</summary>
    public int Node { get; }

    /// <summary>Zone type.</summary>
    public ZoneType Type { get; }

    /// <summary><c>zone_start_pfn</c>.</summary>
    public ulong StartPfn { get; internal set; }

    /// <summary><c>spanned_pages</c>.</summary>
    public ulong SpannedPages { get; internal set; }

    /// <summary>End of the span (exclusive).</summary>
    public ulong EndPfn => StartPfn + SpannedPages;

    /// <summary><c>present_pages</c>.</summary>
    public ulong PresentPages { get; internal set; }

    /// <summary><c>zone->nr_isolate_pageblock</c>: pageblocks currently MIGRATE_ISOLATE.</summary>
    public int NrIsolatePageblock { get; internal set; }

    /// <summary><c>zone_managed_pages()</c>.</summary>
    public ulong ManagedPages => Watermarks.ManagedPages;

    /// <summary><c>zone-&gt;cma_pages</c>.</summary>
    public ulong CmaPages { get; internal set; }

    /// <summary>Watermarks, boost and lowmem_reserve.</summary>
    public ZoneWatermarks Watermarks { get; }

    /// <summary><c>NR_FREE_PAGES</c>: pages on the free lists, ISOLATE lists excluded.</summary>
    public long NrFreePages { get; internal set; }

    /// <summary><c>NR_FREE_CMA_PAGES</c>: pages on the CMA free lists.</summary>
    public long NrFreeCmaPages { get; internal set; }

    /// <summary><c>zone-&gt;nr_reserved_highatomic</c>: pages in pageblocks reserved as MIGRATE_HIGHATOMIC.</summary>
    public long NrReservedHighAtomic { get; internal set; }

    /// <summary>
    /// ZONE_RECLAIM_ACTIVE: kswapd's balance_pgdat is reclaiming for this zone (set_reclaim_active ..
    /// clear_reclaim_active); the per-cpu lists then keep at most 4 batches (nr_pcp_high).
    /// </summary>
    public bool ReclaimActive { get; internal set; }

    /// <summary>Set by a fallback that boosted the watermark: kswapd is woken after the allocation (ZONE_BOOSTED_WATERMARK).</summary>
    public bool BoostedWatermarkFlag { get; internal set; }

    /// <summary>Pages of this zone on each LRU list (<c>nr_zone_inactive_anon</c> ...), indexed by <see cref="LruList"/>.</summary>
    public long[] LruPages { get; } = new long[6];

    /// <summary>NUMA event counters as <c>zone_statistics</c> counts them: hit, miss, foreign, interleave, local, other.</summary>
    public long[] NumaEvents { get; } = new long[6];

    /// <summary>True when the zone has managed pages (the model's <c>populated_zone()</c> for allocation purposes).</summary>
    public bool IsPopulated => ManagedPages != 0;

    /// <summary>Spans <paramref name="pfn"/> (<c>zone_spans_pfn</c>).</summary>
    public bool SpansPfn(ulong pfn) => pfn >= StartPfn && pfn < EndPfn;

    /// <summary>Zone name as the kernel prints it.</summary>
    public string Name => ZoneTypes.Name(Type);

    public override string ToString() => $"Node {Node} {Name} [{StartPfn:#,0}, {EndPfn:#,0}) managed {ManagedPages} free {NrFreePages}";
}
