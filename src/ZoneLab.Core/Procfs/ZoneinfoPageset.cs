namespace ZoneLab.Procfs;

/// <summary>
/// One CPU's per-cpu page list state of a zone as /proc/zoneinfo prints it under <c>pagesets</c>
/// (mm/vmstat.c <c>zoneinfo_show_print</c>: <c>cpu</c>, <c>count</c>, <c>high</c>, <c>batch</c>).
/// </summary>
public sealed class ZoneinfoPageset
{
    /// <summary>The CPU number (<c>cpu: N</c>).</summary>
    public int Cpu { get; init; }

    /// <summary>Pages on the CPU's lists (<c>pcp-&gt;count</c>): neither free in the buddy sense nor in use.</summary>
    public long Count { get; set; }

    /// <summary><c>pcp-&gt;high</c>: the count at which a free drains pages back to the buddy lists.</summary>
    public long High { get; set; }

    /// <summary><c>pcp-&gt;batch</c>: pages moved between the buddy lists and the per-cpu lists at a time.</summary>
    public long Batch { get; set; }
}
