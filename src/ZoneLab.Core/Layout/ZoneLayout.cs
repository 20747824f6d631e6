namespace ZoneLab.Layout;

/// <summary>
/// One zone of one node as <c>calculate_node_totalpages()</c> leaves it: start, span, present pages and the
/// memblock ranges that are present in it. <see cref="Managed"/> is an estimate unless real counts were supplied.
/// </summary>
public sealed class ZoneLayout
{
    public ZoneLayout(int nid, ZoneType type, ulong startPfn, ulong spanned, ulong present, IReadOnlyList<PfnRange> presentRanges)
    {
        Nid = nid;
        Type = type;
        StartPfn = startPfn;
        Spanned = spanned;
        Present = present;
        PresentRanges = presentRanges;
    }

    /// <summary>Node id.</summary>
    public int Nid { get; }

    /// <summary>Zone type.</summary>
    public ZoneType Type { get; }

    /// <summary>Name as /proc/zoneinfo prints it.</summary>
    public string Name => ZoneTypes.Name(Type);

    /// <summary><c>zone_start_pfn</c> (0 for an empty zone, as the kernel sets it).</summary>
    public ulong StartPfn { get; }

    /// <summary><c>spanned_pages</c>.</summary>
    public ulong Spanned { get; }

    /// <summary>End of the span (exclusive).</summary>
    public ulong EndPfn => StartPfn + Spanned;

    /// <summary><c>present_pages</c>: spanned minus holes.</summary>
    public ulong Present { get; }

    /// <summary>The memory ranges of the node that lie in this zone (their page count is <see cref="Present"/> outside mirror mode).</summary>
    public IReadOnlyList<PfnRange> PresentRanges { get; }

    /// <summary><c>managed_pages</c>: real when read from a /proc/zoneinfo, else the documented estimate.</summary>
    public ulong Managed { get; set; }

    /// <summary>True when <see cref="Managed"/> came from a real /proc/zoneinfo.</summary>
    public bool ManagedIsReal { get; set; }

    /// <summary><c>zone-&gt;cma_pages</c>: pages of activated CMA areas in this zone (/proc/zoneinfo "cma").</summary>
    public ulong CmaPages { get; set; }

    /// <summary>populated_zone(): present pages &gt; 0.</summary>
    public bool IsPopulated => Present > 0;

    /// <summary>zone_intersects(zone, start_pfn, nr_pages) (include/linux/mmzone.h).</summary>
    public bool Intersects(ulong startPfn, ulong nrPages)
    {
        if (Spanned == 0)
        {
            return false;
        }
        if (StartPfn >= startPfn + nrPages || startPfn >= EndPfn)
        {
            return false;
        }
        return true;
    }
}
