using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// A scripted direct reclaim for the migration tests: its first call frees the page <paramref name="source"/> names
/// (the page being migrated when the target allocation enters reclaim) and the first <paramref name="outside"/> pages
/// of <paramref name="pages"/>, and reports them all; later calls reclaim nothing. kswapd, compaction and the OOM
/// killer do nothing.
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

    /// <summary>Pages the first call frees: the source and the outside ones.</summary>
    public long Freed => outside + 1;

    /// <summary>DirectReclaim calls so far.</summary>
    public int Calls { get; private set; }

    public void WakeKswapd(Machine machine, int node, int order, int highestZoneIdx) { }

    public long DirectReclaim(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx)
    {
        if (Calls++ > 0)
        {
            return 0;
        }
        machine.Free(source(machine), 0);
        for (int k = 0; k < outside; k++)
        {
            machine.Free(pages[k], 0);
        }
        return Freed;
    }

    public DirectCompactResult DirectCompact(Machine machine, int node, int order, GfpFlags gfp, int highestZoneIdx, MigrateType mt, CompactPriority prio)
        => DirectCompactResult.Skipped;

    public bool OutOfMemory(Machine machine, int node, int order, GfpFlags gfp) => false;
}
