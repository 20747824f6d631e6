namespace ZoneLab.Allocator;

// The side-effect-free half of set_migratetype_isolate(), for cma_alloc()'s sliding windows (mm/cma.c, 6.1): when
// successive alloc_contig_range() calls isolate overlapping pageblocks, ContigRangeAllocator keeps the overlap isolated
// instead of restoring it and isolating it again, and asks here first whether each pageblock would isolate.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// The answer <see cref="IsolatePageblock"/> would give for the pageblock holding map index <paramref name="i"/>
    /// if its migratetype were <paramref name="saved"/> (what undoing an isolation restores), changing nothing: the
    /// zone test, the already-isolated test and has_unmovable_pages(), in that order. Only for a pageblock of a zone
    /// whose boot blocks are all linked (<see cref="ZoneLinked"/>), where IsolatePageblock's linking does nothing.
    /// </summary>
    internal partial IsolateBlock TestIsolatePageblock(int i, IsolationMode mode, MigrateType saved)
    {
        int start = i & ~((int)Pageblock.NrPages - 1);
        if (_zoneOf[start] == NoZone)
        {
            return IsolateBlock.OutsideZone;
        }

        if (saved == MigrateType.Isolate)
        {
            return IsolateBlock.AlreadyIsolated;
        }

        return HasUnmovablePages(start, _zones[_zoneOf[start]], saved, mode) ? IsolateBlock.Unmovable : IsolateBlock.Ok;
    }

    /// <summary>True when every boot block of zone <paramref name="zone"/> is linked on the free lists (none pristine).</summary>
    internal partial bool ZoneLinked(int zone) => _pristineNext[zone] >= _pristineEnd[zone];

    /// <summary>The migratetype of the pageblock holding map index <paramref name="i"/> (<c>get_pageblock_migratetype</c>).</summary>
    internal partial MigrateType PageblockMtAt(int i) => GetPageblockMt(i);
}
