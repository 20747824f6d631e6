using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// page_alloc.shuffle=1 (mm/shuffle.c): boot-time <c>__shuffle_zone()</c> swaps and <c>shuffle_pick_tail()</c> in
/// <c>__free_one_page()</c>. Machine: <see cref="TestMachines.Qemu2G"/>, DMA [1, 4096) + DMA32 [4096, 524256).
/// </summary>
public class ShuffleTests
{
    // DMA32 order-10 blocks: 4096, 5120, ... 522240 (the tail [523264, 524256) is 992 pages, freed in smaller chunks):
    // (523264 - 4096) / 1024 = 507 blocks. DMA [1, 4096): pfn 0 is absent, so blocks 1024, 2048, 3072.
    private const int Dma32Blocks = 507;
    private const int DmaBlocks = 3;

    private static Machine Boot(bool shuffle, long seed = 42, KernelVersion v = KernelVersion.V6_1)
    {
        MachineSpec spec = TestMachines.Qemu2G(v);
        return new Machine(new MachineSpec(spec.Zones)
        {
            Version = v,
            Sysctls = new VmSysctls { PageAllocShuffle = shuffle, ShuffleSeed = seed },
        });
    }

    private static List<ulong> Order10(Machine m, ZoneType t)
    {
        int z = m.Zones.Single(zz => zz.Type == t).Index;
        return m.FreeListPfns(z, Pageblock.MaxOrder, MigrateType.Movable);
    }

    private static List<ulong> Ascending(ulong first, int count)
    {
        var l = new List<ulong>();
        for (int k = 0; k < count; k++)
        {
            l.Add(first + ((ulong)k * 1024));
        }

        return l;
    }

    [Fact]
    public void OffKeepsBootFreeListsInPfnOrder()
    {
        // memblock_free_all frees ascending with FPI_TO_TAIL: the order-10 list is in pfn order
        using Machine m = Boot(shuffle: false);
        Assert.False(m.ShuffleEnabled);
        Assert.Equal(0, m.ShuffleSwaps);
        Assert.Equal(Ascending(4096, Dma32Blocks), Order10(m, ZoneType.Dma32));
        Assert.Equal(Ascending(1024, DmaBlocks), Order10(m, ZoneType.Dma));
    }

    [Fact]
    public void OnPermutesEveryZonesOrder10BlocksAndKeepsEveryPfnAccounted()
    {
        using Machine off = Boot(shuffle: false);
        using Machine on = Boot(shuffle: true);
        Assert.True(on.ShuffleEnabled);
        // Every valid block finds a partner: j is one of 508 aligned slots of which 507 are valid blocks, so ten misses
        // in a row ((1/508 + 1/508)^10) never happen; each of the 507 blocks makes one swap. DMA makes none: its
        // zone_start_pfn is 1, so j = 1 + ALIGN_DOWN(r % 4095, 1024) is never an aligned block and every retry fails
        // (the kernel's own quirk; pr_debug "failed to swap"), and its list stays in pfn order.
        Assert.Equal(Dma32Blocks, on.ShuffleSwaps);
        List<ulong> dma32 = Order10(on, ZoneType.Dma32);
        Assert.NotEqual(Ascending(4096, Dma32Blocks), dma32);
        Assert.Equal(Ascending(4096, Dma32Blocks), dma32.Order().ToList());
        Assert.Equal(Ascending(1024, DmaBlocks), Order10(on, ZoneType.Dma));
        Assert.Equal(TestMachines.Buddyinfo(off), TestMachines.Buddyinfo(on));
        Assert.Equal(off.TotalFreePages(), on.TotalFreePages());
        InvariantChecker.Check(on);
    }

    [Fact]
    public void SameSeedSamePermutationOtherSeedAnother()
    {
        using Machine a = Boot(shuffle: true, seed: 7);
        using Machine b = Boot(shuffle: true, seed: 7);
        using Machine c = Boot(shuffle: true, seed: 8);
        Assert.Equal(Order10(a, ZoneType.Dma32), Order10(b, ZoneType.Dma32));
        Assert.NotEqual(Order10(a, ZoneType.Dma32), Order10(c, ZoneType.Dma32));
    }

    [Fact]
    public void AllocationsNoLongerComeOutInPfnOrder()
    {
        // Without shuffling, order-10 allocations take the list head: 1024-page steps upwards from 4096.
        using Machine off = Boot(shuffle: false);
        using Machine on = Boot(shuffle: true);
        int ascendingSteps = 0;
        ulong prev = on.Allocate(Pageblock.MaxOrder, Gfp.HighUserMovable).Pfn;
        Assert.Equal(4096UL, off.Allocate(Pageblock.MaxOrder, Gfp.HighUserMovable).Pfn);
        for (int k = 1; k < 100; k++)
        {
            Assert.Equal(4096UL + ((ulong)k * 1024), off.Allocate(Pageblock.MaxOrder, Gfp.HighUserMovable).Pfn);
            ulong pfn = on.Allocate(Pageblock.MaxOrder, Gfp.HighUserMovable).Pfn;
            ascendingSteps += pfn == prev + 1024 ? 1 : 0;
            prev = pfn;
        }

        // a random permutation of 507 has about one adjacent ascending step in 99; far from the unshuffled 99
        Assert.True(ascendingSteps < 10, $"{ascendingSteps} ascending steps");
    }

    [Fact]
    public void FreedMaxOrderBlockGoesToHeadOrTailAtRandom()
    {
        // Off: an order-10 free is never FPI_TO_TAIL and buddy_merge_likely does not apply at MAX_ORDER-1, so the block
        // goes to the head and the next allocation returns it. On: shuffle_pick_tail() sends it to the tail half the time.
        using Machine off = Boot(shuffle: false);
        using Machine on = Boot(shuffle: true);
        int tails = 0;
        for (int k = 0; k < 64; k++)
        {
            ulong a = off.Allocate(Pageblock.MaxOrder, Gfp.HighUserMovable).Pfn;
            off.Free(a, Pageblock.MaxOrder);
            Assert.Equal(a, off.Allocate(Pageblock.MaxOrder, Gfp.HighUserMovable).Pfn);
            off.Free(a, Pageblock.MaxOrder);

            ulong b = on.Allocate(Pageblock.MaxOrder, Gfp.HighUserMovable).Pfn;
            on.Free(b, Pageblock.MaxOrder);
            ulong again = on.Allocate(Pageblock.MaxOrder, Gfp.HighUserMovable).Pfn;
            tails += again != b ? 1 : 0;
            on.Free(again, Pageblock.MaxOrder);
        }

        Assert.InRange(tails, 1, 63);
        InvariantChecker.Check(on);
    }

    [Fact]
    public void Kernel410HasNoShuffle()
    {
        // CONFIG_SHUFFLE_PAGE_ALLOCATOR arrived in v5.2
        using Machine m = Boot(shuffle: true, v: KernelVersion.V4_10);
        Assert.False(m.ShuffleEnabled);
        Assert.Equal(Ascending(4096, Dma32Blocks), Order10(m, ZoneType.Dma32));
    }

    [Theory]
    [InlineData("page_alloc.shuffle=1", true)]
    [InlineData("page_alloc.shuffle", true)]
    [InlineData("page_alloc.shuffle=Y", true)]
    [InlineData("page_alloc.shuffle=on", true)]
    [InlineData("page_alloc.shuffle=0", false)]
    [InlineData("page_alloc.shuffle=off", false)]
    [InlineData("page_alloc.shuffle=1 page_alloc.shuffle=n", false)]
    [InlineData("page_alloc.shuffle=1 page_alloc.shuffle=bogus", true)]
    [InlineData("movablecore=600M", false)]
    public void CommandLineIsReadLikeParamSetBool(string cmdline, bool expected)
        => Assert.Equal(expected, Machine.ShuffleRequested(KernelCommandLine.Parse(cmdline).Parameters));
}
