using ZoneLab.Allocator;
using ZoneLab.Hotplug;
using ZoneLab.Layout;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Hotplug;

/// <summary>
/// offline_pages() whose migration target allocation enters direct reclaim, and the reclaim frees the page being
/// migrated (in the kernel do_migrate_range isolates it from its LRU list first, so it cannot). The engine freed the
/// source a second time after the copy and threw "pfn N is not an allocated block of order 0".
/// </summary>
public class HotplugReclaimDuringMigrationTests
{
    private const ulong Block13 = 0x68000, BlockPages = 32768;

    [Fact]
    public void ASourceTheTargetAllocationsReclaimFreedIsNotFreedAgain()
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
        // direct reclaim frees the block's lowest allocated page (the page offline_pages is migrating: heads go in pfn
        // order) and enough pages outside for every other page's target (its 63 plus 1024 for the watermarks)
        var reclaim = new ReclaimOfTheSource(LowestAllocatedInBlock, outside, inBlock + 1024);
        m.Pressure = reclaim;
        m.DebugChecks = true;
        long free = m.TotalFreePages();

        HotplugResult off = hp.Offline(13);

        Assert.Equal(1, reclaim.Calls);
        Assert.True(off.Success, off.ToString());
        // every other page of the block moved out; the reclaimed one neither moved nor was freed again, and its
        // target went back. Free pages outside the block: before + the reclaimed ones - the moved pages' targets; the
        // block's own free pages (its free ones before, the reclaimed source, the moved pages' old copies: all of its
        // 32768) left with it. So before + reclaimed - 32768
        Assert.Equal(free + reclaim.Freed - (long)BlockPages, m.TotalFreePages());
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
