using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// A scripted direct reclaim for the migration tests: its first call records the state of the page
/// <paramref name="source"/> names (the page being migrated when the target allocation enters reclaim), frees it if
/// it is on its LRU list (reclaim only takes pages from the LRU lists: shrink_inactive_list → isolate_lru_folios), frees
/// the first <paramref name="outside"/> pages of <paramref name="pages"/>, and reports what it freed; later calls
/// reclaim nothing. kswapd, compaction and the OOM killer do nothing.
/// </summary>
internal sealed class ReclaimOfTheSource(Func<Machine, ulong> source, List<ulong> pages, long outside) : IMemoryPressureHandler
{
    /// <summary>
    /// Fills node 0 with order-0 anonymous pages until the min watermark stops the fill (no reclaim), so that no target
    /// is left without reclaim; returns the pages allocated in [<paramref name="start"/>, <paramref name="end"/>)
    /// (ascending) and the others (in allocation order).
    /// </summary>
    public static (List<ulong> Inside, List<ulong> Outside) FillWithAnon(Machine m, ulong start, ulong end)
    {
        var inside = new List<ulong>();
        var outside = new List<ulong>();
        while (true)
        {
            AllocResult r = m.Allocate(0, Gfp.HighUserMovable & ~GfpFlags.DirectReclaim & ~GfpFlags.KswapdReclaim, 0, PageUse.Anon);
            if (!r.Success)
            {
                break;
            }
            (r.Pfn >= start && r.Pfn < end ? inside : outside).Add(r.Pfn);
        }
        inside.Sort();
        return (inside, outside);
    }

    /// <summary>Pages the first call freed: the outside ones, and the source when it was on its LRU list.</summary>
    public long Freed { get; private set; }

    /// <summary>The source was an allocated page when reclaim ran.</summary>
    public bool SourceAllocated { get; private set; }

    /// <summary>The source was on its LRU list when reclaim ran (so reclaim could take it).</summary>
    public bool SourceOnLru { get; private set; }

    /// <summary>NR_ISOLATED_ANON of node 0 when reclaim ran.</summary>
    public long IsolatedAnon { get; private set; }

    /// <summary>DirectReclaim calls so far.</summary>
    public int Calls { get; private set; }

    public void WakeKswapd(Machine machine, int node, int order, int highestZoneIdx) { }

    public long DirectReclaim(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx)
    {
        if (Calls++ > 0)
        {
            return 0;
        }
        ulong src = source(machine);
        SourceAllocated = machine.IsAllocatedHead(src, out _);
        SourceOnLru = machine.IsLruHead(machine.IndexOfPfn(src));
        IsolatedAnon = machine.IsolatedPages(0, file: false);
        if (SourceOnLru)
        {
            machine.Free(src, 0);
            Freed++;
        }
        for (int k = 0; k < outside; k++)
        {
            machine.Free(pages[k], 0);
        }
        Freed += outside;
        return Freed;
    }

    public DirectCompactResult DirectCompact(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx, MigrateType mt, CompactPriority prio)
        => DirectCompactResult.Skipped;

    public bool OutOfMemory(Machine machine, int node, int order, GfpFlags gfp) => false;
}
