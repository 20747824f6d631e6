using ZoneLab.Allocator;
using ZoneLab.Hotplug;
using ZoneLab.Layout;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Hotplug;

/// <summary>
/// offline_pages() whose migration target allocation enters direct reclaim while the page being migrated is the
/// reclaim's candidate. The engine once kept the source on its LRU list, the reclaim freed it, and the engine freed it
/// a second time after the copy ("pfn N is not an allocated block of order 0"). Now impossible by construction, as in
/// 6.1: do_migrate_range() isolates every LRU page of the range (isolate_lru_page, NR_ISOLATED_ANON) before
/// migrate_pages() allocates the first target, and reclaim only takes pages from the LRU lists.
/// </summary>
public class HotplugReclaimDuringMigrationTests
{
    private const ulong Block13 = 0x68000, BlockPages = 32768;

    [Fact]
    public void TheSourcesAreIsolatedFromTheirLruWhileATargetAllocationReclaims()
    {
        // 2 GiB, movablecore=512M: Movable [0x60000, 0x7ffe0), blocks 12..15 (HotplugRuleTests)
        var b = new LayoutBuilder().FromQemu(2UL << 30).WithCommandLine("movablecore=512M");
        using MemoryHotplug hp = HotplugMachine.Create(b.Build(), new HotplugOptions { DebugChecks = false });
        Machine m = hp.Machine;
        (List<ulong> block, List<ulong> outside) = ReclaimOfTheSource.FillWithAnon(m, Block13, Block13 + BlockPages);
        // 64 pages left in the block to migrate (the checker after every step of 32768 migrations takes minutes)
        Assert.True(block.Count > 64, "the fill left block 13 nearly empty");
        foreach (ulong p in block.Skip(64))
        {
            m.Free(p, 0);
        }
        long inBlock = 64;
        // direct reclaim would free the block's lowest allocated page (the page offline_pages is migrating: heads go in pfn
        // order) if it were on its LRU list, and frees enough pages outside for every target (64 plus 1024 for the
        // watermarks)
        var reclaim = new ReclaimOfTheSource(LowestAllocatedInBlock, outside, inBlock + 1024);
        m.Pressure = reclaim;
        m.DebugChecks = true;
        long free = m.TotalFreePages();

        HotplugResult off = hp.Offline(13);

        Assert.Equal(1, reclaim.Calls);
        Assert.True(off.Success, off.ToString());
        // when the first target allocation reclaimed, the source was allocated and off its list, and all 64 pages of
        // the block were counted in NR_ISOLATED_ANON (do_migrate_range isolates the whole range first)
        Assert.True(reclaim.SourceAllocated);
        Assert.False(reclaim.SourceOnLru);
        Assert.Equal(inBlock, reclaim.IsolatedAnon);
        Assert.Equal(inBlock + 1024, reclaim.Freed);
        Assert.Equal(0, m.IsolatedPages(0, file: false));
        // every page of the block moved out. Free pages outside the block: before + the reclaimed ones - the 64 targets;
        // the block's own free pages (its free ones before and the moved pages' old copies: all of its 32768) left with
        // it. So before + reclaimed - 32768
        Assert.Equal(inBlock, off.Migrated);
        Assert.Equal(free + inBlock + 1024 - (long)BlockPages, m.TotalFreePages());
    }

    private static ulong LowestAllocatedInBlock(Machine m)
    {
        for (ulong p = Block13; p < Block13 + BlockPages; p++)
        {
            if (m.IsAllocatedHead(p, out int o) && o == 0)
            {
                return p;
            }
        }
        throw new InvalidOperationException("no allocated page left in block 13");
    }
}
