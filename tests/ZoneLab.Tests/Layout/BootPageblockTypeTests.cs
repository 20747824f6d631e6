using System.Text.RegularExpressions;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Layouts;

/// <summary>
/// The pageblock types right after boot: memmap_init_range (6.1 mm/page_alloc.c) sets MIGRATE_MOVABLE only at
/// pageblock-aligned pfns inside a present range, so x86_64's first DMA block (present from pfn 1 and again from
/// 0x100, pfn 0 being e820-reserved) keeps the zeroed usemap's MIGRATE_UNMOVABLE. The expected values are the real
/// 6.1 guests' /proc/pagetypeinfo, read from the fixtures, not the engine's output.
/// </summary>
public class BootPageblockTypeTests
{
    public static TheoryData<string, string> Guests => new()
    {
        { "snapshot/x86_64-6.1-512M/s1/dmesg", "snapshot/x86_64-6.1-512M/s1/pagetypeinfo" },
        { "trace/x86_64-6.1-kmem/dmesg.txt", "trace/x86_64-6.1-kmem/pagetypeinfo.txt" },
    };

    [Theory]
    [MemberData(nameof(Guests))]
    public void DmaBlockCensusIsTheGuests(string dmesg, string pagetypeinfo)
    {
        Machine machine = Boot(dmesg);
        int dma = machine.ZoneIndexOf(0x100);
        long[] engine = machine.PageblockCounts(dma);
        // "Node 0, zone      DMA            1            7            0            0            0" (Unmovable,
        // Movable, Reclaimable, HighAtomic, Isolate); the guest allocates nothing at boot that steals a DMA block
        long[] guest = BlockCounts(File.ReadAllText(FixturePath.Get(pagetypeinfo)), "DMA");
        Assert.Equal([1, 7, 0, 0, 0], guest);
        Assert.Equal(guest, engine[..5]);
    }

    [Theory]
    [MemberData(nameof(Guests))]
    public void DmaFreeListsAreTheGuestsBeforeTheGfpDmaPool(string dmesg, string pagetypeinfo)
    {
        Machine machine = Boot(dmesg);
        int dma = machine.ZoneIndexOf(0x100);
        string text = File.ReadAllText(FixturePath.Get(pagetypeinfo));
        // MOVABLE lists: blocks 1-7 (0x200-0xfff), o9 1 and o10 3 in the guest; nothing at boot takes from them
        long[] guestMovable = FreeCounts(text, "DMA", "Movable");
        for (int o = 0; o <= Pageblock.MaxOrder; o++)
        {
            Assert.Equal(guestMovable[o], machine.FreeCount(dma, o, MigrateType.Movable));
        }

        // UNMOVABLE lists: block 0's 0x100-0x1ff. The guest's later dma_atomic_pool_init (kernel/dma/pool.c) took
        // its "128 KiB GFP_KERNEL|GFP_DMA pool" (32 pages) from them: the guest shows the 224-page remainder.
        long guestUnmovable = PagesOf(FreeCounts(text, "DMA", "Unmovable"));
        long engineUnmovable = 0;
        for (int o = 0; o <= Pageblock.MaxOrder; o++)
        {
            engineUnmovable += (long)machine.FreeCount(dma, o, MigrateType.Unmovable) << o;
        }

        Assert.Equal(guestUnmovable + 32, engineUnmovable);
    }

    private static Machine Boot(string dmesg) =>
        new(LayoutMachineSpec.Create(new LayoutBuilder().FromDmesg(FixturePath.Get(dmesg)).Build()));

    private static long[] BlockCounts(string pagetypeinfo, string zone)
    {
        Match m = Regex.Match(pagetypeinfo, $@"^Node 0, zone\s+{zone}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", RegexOptions.Multiline);
        Assert.True(m.Success);
        return [.. Enumerable.Range(1, 5).Select(i => long.Parse(m.Groups[i].Value))];
    }

    private static long[] FreeCounts(string pagetypeinfo, string zone, string type)
    {
        Match m = Regex.Match(pagetypeinfo, $@"^Node\s+0, zone\s+{zone}, type\s+{type}((?:\s+\d+){{11}})", RegexOptions.Multiline);
        Assert.True(m.Success);
        return [.. m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse)];
    }

    private static long PagesOf(long[] perOrder) => perOrder.Select((n, o) => n << o).Sum();
}
