using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Designs;

/// <summary>
/// How the DMBs reach the free lists: <c>memmap_init_reserved_pages()</c> -> <c>dmb_init_region()</c> frees each DMB
/// pageblock with <c>init_reserved_pageblock()</c> (FPI_NONE), before memblock_free_all's FPI_TO_TAIL ranges. BCM7278
/// layout of <see cref="DmbBcm7278DesignTests"/>: dmb0 = [0x60000, 0x72C00), dmb1 = [0x320000, 0x332C00), 75 order-10
/// blocks each.
/// </summary>
public class DmbInitRegionTests
{
    private static BootLayout Bcm7278() => Bcm7278Layout.Build();

    private static List<ulong> Blocks(ulong start, ulong end)
    {
        var l = new List<ulong>();
        for (ulong p = start; p < end; p += 1024)
        {
            l.Add(p);
        }

        return l;
    }

    private static List<ulong> MovableOrder10(DesignMachine dm)
    {
        int z = dm.Machine.Zones.Single(x => x.Type == ZoneType.Movable && x.SpannedPages > 0).Index;
        return dm.Machine.FreeListPfns(z, Pageblock.MaxOrder, MigrateType.Movable);
    }

    [Fact]
    public void WithoutShuffleEachMergedBlockGoesToTheHead()
    {
        // Pageblock 2k is freed at order 9 (head: buddy_merge_likely stops below MAX_ORDER-2), 2k+1 merges with it to
        // order 10, which goes to the head too: the list ends up in descending pfn order, dmb1 (freed last) first.
        using DesignMachine dm = DesignFactory.For(DesignKind.Dmb).Build(Bcm7278(), KernelVersion.V6_1);
        List<ulong> expected = [.. Blocks(0x60000, 0x72C00), .. Blocks(0x320000, 0x332C00)];
        expected.Reverse();
        Assert.Equal(expected, MovableOrder10(dm));
        Assert.Equal(153600UL, dm.Machine.Zones.Single(x => x.Type == ZoneType.Movable && x.SpannedPages > 0).ManagedPages);
        dm.CheckInvariants();
    }

    [Fact]
    public void WithShuffleTheListIsAPermutationMixingBothDmbs()
    {
        var sysctls = new VmSysctls { PageAllocShuffle = true, ShuffleSeed = 3 };
        using DesignMachine dm = DesignFactory.For(DesignKind.Dmb).Build(Bcm7278(), KernelVersion.V6_1, sysctls);
        List<ulong> list = MovableOrder10(dm);
        Assert.Equal([.. Blocks(0x60000, 0x72C00), .. Blocks(0x320000, 0x332C00)], list.Order().ToList());
        // shuffle_pick_tail() puts about half of each DMB's blocks at the head: the first 30 blocks hold both DMBs
        int fromDmb0 = list.Take(30).Count(p => p < 0x100000);
        Assert.InRange(fromDmb0, 1, 29);
        dm.CheckInvariants();
    }
}
