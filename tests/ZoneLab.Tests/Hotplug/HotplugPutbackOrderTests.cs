using ZoneLab.Allocator;
using ZoneLab.Hotplug;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Hotplug;

/// <summary>
/// Where memory offline puts back the pages it could not migrate (6.1): do_migrate_range() isolates the range's LRU
/// pages in pfn order (list_add_tail), migrate_pages() fails a pinned one with -EAGAIN (it stays on the list and counts
/// in PGMIGRATE_FAIL once its retries run out), and putback_movable_pages() walks the list in order, each page going
/// to the head of its LRU list (folio_putback_lru → folio_add_lru → lruvec_add_folio: list_add). So after every
/// do_migrate_range() the higher pinned page is the youngest, the lower one next, ahead of pages allocated after them.
/// </summary>
public class HotplugPutbackOrderTests
{
    private const ulong BlockPages = 32768;

    [Fact]
    public void PinnedPagesGoBackToTheHeadOfTheirListInPfnOrder()
    {
        // 2 GiB, movablecore=512M: Movable [0x60000, 0x7ffe0), blocks 12..15 (HotplugRuleTests)
        var b = new LayoutBuilder().FromQemu(2UL << 30).WithCommandLine("movablecore=512M");
        using MemoryHotplug hp = HotplugMachine.Create(b.Build(), new HotplugOptions { DebugChecks = false });
        Machine m = hp.Machine;
        Assert.Equal(0, m.LruPages(0, LruList.InactiveAnon));
        // two movable pages in one whole ZONE_MOVABLE block (12..14: block 15 is cut at 0x7ffe0), both pinned, the
        // other pages taken on the way freed again, then two anonymous pages of another zone allocated after them
        var taken = new List<AllocResult>();
        AllocResult p1 = default, p2 = default;
        for (int k = 0; k < 200000 && p2.Pfn == 0; k++)
        {
            AllocResult a = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon);
            if (a.Pfn / BlockPages is not (>= 12 and <= 14))
            {
                taken.Add(a);
            }
            else if (p1.Pfn == 0)
            {
                p1 = a;
            }
            else if (a.Pfn / BlockPages == p1.Pfn / BlockPages)
            {
                p2 = a;
            }
            else
            {
                taken.Add(a);
            }
        }
        foreach (AllocResult a in taken)
        {
            m.Free(a.Pfn, 0);
        }
        AllocResult q1 = m.Allocate(0, Gfp.HighUser, 0, PageUse.Anon);
        AllocResult q2 = m.Allocate(0, Gfp.HighUser, 0, PageUse.Anon);
        ulong block = p1.Pfn / BlockPages;
        Assert.True(p2.Pfn != 0, "no two pages in one of blocks 12..14");
        Assert.NotEqual(block, q1.Pfn / BlockPages);
        Assert.NotEqual(block, q2.Pfn / BlockPages);
        Assert.Equal(4, m.LruPages(0, LruList.InactiveAnon));
        hp.Pinned.Add(p1.Pfn);
        hp.Pinned.Add(p2.Pfn);
        ulong lo = Math.Min(p1.Pfn, p2.Pfn), hi = Math.Max(p1.Pfn, p2.Pfn);
        long failBefore = m.Event(VmEvent.PgmigrateFail);

        HotplugResult r = hp.Offline(block);

        Assert.True(r.Errno == -HotplugResult.EIntr, r.ToString());
        Assert.Equal(hp.Config.MigrationPassLimit, r.Passes);
        // inactive anon, oldest first: q1, q2 (allocated after p1 and p2, never isolated), then lo, then hi (put back
        // last, at the head). Before the fix the sources never left their list: p1, p2, q1, q2
        Assert.Equal(new[] { q1.Pfn, q2.Pfn, lo, hi }, InactiveAnonOldestFirst(m));
        // each of the 10 do_migrate_range() calls fails both pinned pages: nr_failed_pages += nr_retry_pages = 2
        Assert.Equal(2L * r.Passes, m.Event(VmEvent.PgmigrateFail) - failBefore);
        Assert.Equal(0, m.IsolatedPages(0, file: false));
        InvariantChecker.Check(m);
    }

    private static List<ulong> InactiveAnonOldestFirst(Machine m)
    {
        var pfns = new List<ulong>();
        for (int i = m.LruTailIndex(0, LruList.InactiveAnon); i != Machine.Nil; i = m.LruPrevIndex(i))
        {
            pfns.Add(m.PfnAt(i));
        }
        return pfns;
    }
}
