using ZoneLab.Allocator;
using ZoneLab.Contiguous;

namespace ZoneLab.Tests.Contiguous;

/// <summary>
/// The target of a migration keeps its source's place among the LRU lists (6.1 mm/migrate.c): folio_migrate_flags()
/// sets PG_active on the new folio when the old one had it, and migrate_folio_move() adds it with folio_add_lru(), to
/// the head of the list folio_lru_list() names. So an active anonymous page moved by alloc_contig_range() is on the
/// active anonymous list afterwards (the engine's target allocation put it on the inactive one and left it there).
/// </summary>
public class MigratedActivePageTests
{
    [Fact]
    public void AnActivePageMovedByAllocContigRangeIsActiveAtItsTarget()
    {
        var m = new Machine(MachineSpec.Simple(64));
        AllocResult p = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon);
        m.MarkAccessed(p.Pfn); // inactive → active
        Assert.Equal(1, m.LruPages(0, LruList.ActiveAnon));
        var contig = new ContigRangeAllocator(m);
        ulong start = p.Pfn & ~15UL;

        ContigResult r = contig.AllocContigRange(start, start + 16, cmaMode: false);

        Assert.True(r.Success, r.ToString());
        (ulong from, ulong to, int order) = Assert.Single(contig.LastMoves);
        Assert.Equal((p.Pfn, 0), (from, order));
        Assert.Equal(1, m.LruPages(0, LruList.ActiveAnon));
        Assert.Equal(0, m.LruPages(0, LruList.InactiveAnon));
        Assert.Equal(to, m.PfnAt(m.LruTailIndex(0, LruList.ActiveAnon)));
        Assert.Equal(1, m.Event(VmEvent.PgmigrateSuccess));
        Assert.Equal(0, m.IsolatedPages(0, file: false));
    }
}
