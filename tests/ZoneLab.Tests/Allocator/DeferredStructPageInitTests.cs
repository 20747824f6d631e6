using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// CONFIG_DEFERRED_STRUCT_PAGE_INIT's pageblock types (defer_init, deferred_init_memmap -> deferred_free_range,
/// 6.1 mm/page_alloc.c) and memblock's top-down placement of boot reservations, derived by hand.
/// </summary>
public class DeferredStructPageInitTests
{
    // One DMA32 zone [0x1000, 0x20000) (the node's only and so last zone): 126976 present pages, 248 pageblocks.
    // The kernel image reserves [0x1000, 0x1000 + 1000); 1300 more pages are reserved top-down; an initrd lies at
    // [0x1f000, 0x1f100) and is freed after boot (managed).
    private const ulong Start = 0x1000, End = 0x20000, Image = 1000, TopDown = 1300;

    private static Machine Boot(bool deferred) => new(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, Start, End, reserved: Image + TopDown)])
    {
        DebugChecks = true,
        DeferredStructPageInit = deferred,
        KernelImage = new PfnRange(Start, Start + Image),
        Initrd = new PfnRange(0x1f000, 0x1f100),
    });

    [Fact]
    public void ReservationsLieWhereMemblockPutsThem()
    {
        using Machine m = Boot(deferred: true);
        // the image where it was loaded; the rest top-down from the zone's end: [0x20000 - 1300, 0x20000) = [0x1faec, 0x20000)
        Assert.True(m.IsReservedPage(Start));
        Assert.True(m.IsReservedPage(Start + Image - 1));
        Assert.False(m.IsReservedPage(Start + Image));
        Assert.False(m.IsReservedPage(0x1faeb));
        Assert.True(m.IsReservedPage(0x1faec));
        Assert.True(m.IsReservedPage(End - 1));
        Assert.False(m.IsReservedPage(0x1f000)); // the initrd is freed
        Assert.Equal((long)(End - Start - Image - TopDown), m.TotalFreePages());
    }

    [Fact]
    public void BlocksStartingOnAReservationPastTheFirstSectionStayUnmovable()
    {
        using Machine m = Boot(deferred: true);
        // defer_init: deferral starts at the first section-aligned pfn after 32768 pfns of the zone:
        // 0x1000 + 0x8000 = 0x9000, rounded up to a section (0x8000 pfns): 0x10000. The image's blocks lie below it
        // (MOVABLE, memmap_init_range). Past it, pageblocks starting on a pfn reserved at deferred-init time:
        // 0x1fc00 and 0x1fe00 (top-down reservation; 0x1fa00 starts on a free pfn, 0x1faec is inside it) and
        // 0x1f000 (the initrd, freed later): 3 UNMOVABLE blocks, 245 MOVABLE.
        long[] blocks = m.PageblockCounts(m.ZoneIndexOf(Start));
        Assert.Equal(3, blocks[(int)MigrateType.Unmovable]);
        Assert.Equal(245, blocks[(int)MigrateType.Movable]);
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(0x1fc00));
        Assert.Equal(MigrateType.Unmovable, m.PageblockType(0x1f000));
        Assert.Equal(MigrateType.Movable, m.PageblockType(0x1fa00));

        // the initrd block is free: deferred_free_pages frees it as one order-9 block with its UNMOVABLE type, then
        // its buddy block 0x1f200 (MOVABLE, free) the same way; 6.1 merges UNMOVABLE with MOVABLE at pageblock order
        // (migratetype_is_mergeable) and puts the order-10 block on the list of the page being freed: MOVABLE. No
        // other UNMOVABLE block has a free page (0x1fc00 and 0x1fe00 are fully reserved), so the UNMOVABLE lists are empty.
        long unmovableFree = 0;
        for (int order = 0; order <= Pageblock.MaxOrder; order++)
        {
            unmovableFree += (long)m.FreeCount(m.ZoneIndexOf(Start), order, MigrateType.Unmovable) << order;
        }

        Assert.Equal(0, unmovableFree);
    }

    [Fact]
    public void WithoutDeferredInitEveryBlockIsMovable()
    {
        using Machine m = Boot(deferred: false);
        long[] blocks = m.PageblockCounts(m.ZoneIndexOf(Start));
        Assert.Equal(0, blocks[(int)MigrateType.Unmovable]);
        Assert.Equal(248, blocks[(int)MigrateType.Movable]);
        Assert.True(m.IsReservedPage(Start + Image + TopDown - 1)); // all reserved pages lowest, as before
    }
}
