using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// <see cref="Machine.FreeIfAllocatedDeferred"/> with <see cref="Machine.FlushFreeRun"/> frees a run of consecutive
/// order-0 pages at once; the free lists, counters and events must be those that freeing the pages one by one
/// (<c>__free_pages</c> → <c>__free_one_page</c> per page, 6.1) leaves.
/// </summary>
public class FreeRunTests
{
    // one zone of 16 MiB: 4096 pages from pfn 4096, four order-10 blocks
    private static MachineSpec OneZone(KernelVersion v) =>
        new([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 8192)]) { Version = v };

    [Fact]
    public void ARunInsideABlockLeavesTheListsOfThePageByPageFrees()
    {
        var m = new Machine(OneZone(KernelVersion.V6_1));
        var pfns = new ulong[8];
        int z = -1;
        for (int k = 0; k < 8; k++)
        {
            AllocResult a = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon);
            pfns[k] = a.Pfn;
            z = a.ZoneIndex;
        }

        // expand() hands out the first block's pages in address order; after eight the order 0-2 lists are empty
        ulong b = pfns[0];
        Assert.Equal([b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7], pfns);
        Assert.Equal(0UL, b % 1024);
        Assert.Empty(m.FreeListPfns(z, 0, MigrateType.Movable));
        Assert.Empty(m.FreeListPfns(z, 1, MigrateType.Movable));
        Assert.Empty(m.FreeListPfns(z, 2, MigrateType.Movable));
        long free = m.Zones[z].NrFreePages;
        long pgfree = m.Event(VmEvent.Pgfree);
        m.DebugChecks = true;
        for (ulong p = b + 1; p <= b + 6; p++)
        {
            Assert.True(m.FreeIfAllocatedDeferred(p, PageUse.Anon));
        }

        m.FlushFreeRun();
        // by hand from __free_one_page, page by page: b+1 (buddy b in use) to the head of order 0; b+2 to the head of
        // order 0, b+3 merges it into b+2 order 1 (buddy b in use; buddy_merge_likely: b+4 not free at order 2) at the
        // head; b+4 to order 0, b+5 merges it into b+4 order 1 (buddy b+6 in use; b not free at order 2) at the head;
        // b+6 (buddy b+7 in use): buddy_merge_likely finds b+4 free at order 1, so the tail of order 0
        Assert.Equal([b + 1, b + 6], m.FreeListPfns(z, 0, MigrateType.Movable));
        Assert.Equal([b + 4, b + 2], m.FreeListPfns(z, 1, MigrateType.Movable));
        Assert.Empty(m.FreeListPfns(z, 2, MigrateType.Movable));
        Assert.Equal(free + 6, m.Zones[z].NrFreePages);
        Assert.Equal(pgfree + 6, m.Event(VmEvent.Pgfree));
        Assert.False(m.FreeIfAllocatedDeferred(b + 3, PageUse.Anon));

        // the two ends: the block merges back whole (b+8 order 3 .. b+512 order 9 are free)
        Assert.True(m.FreeIfAllocatedDeferred(b + 7, PageUse.Anon));
        m.FlushFreeRun();
        Assert.Equal([b + 4], m.FreeListPfns(z, 2, MigrateType.Movable));
        Assert.True(m.FreeIfAllocatedDeferred(b, PageUse.Anon));
        m.FlushFreeRun();
        for (int o = 0; o < Pageblock.MaxOrder; o++)
        {
            Assert.Empty(m.FreeListPfns(z, o, MigrateType.Movable));
        }

        Assert.Contains(b, m.FreeListPfns(z, Pageblock.MaxOrder, MigrateType.Movable));
        Assert.Equal(free + 8, m.Zones[z].NrFreePages);
    }

    private static readonly GfpFlags[] s_masks = [Gfp.HighUserMovable, Gfp.Kernel, Gfp.User | GfpFlags.Movable];

    // (kind 0..99, burst, mask pick, start pick): kind < 60 allocates a burst of order-0 pages, < 70 one block of
    // order 1-4, else frees up to burst pages of the live ones from a random one on in address order, skipping some
    private static readonly Gen<(int Kind, int Burst, int Mask, int Start)[]> s_ops =
        Gen.Select(Gen.Int[0, 99], Gen.Int[1, 1500], Gen.Int[0, s_masks.Length - 1], Gen.Int[0, int.MaxValue]).Array[1, 80];

    private static void Run(MachineSpec spec, (int Kind, int Burst, int Mask, int Start)[] ops)
    {
        var run = new Machine(spec);
        var one = new Machine(spec);
        run.TrackLruAges();
        one.TrackLruAges();
        var live = new List<(ulong Pfn, int Order)>();
        int tick = 0;
        foreach ((int kind, int burst, int mask, int start) in ops)
        {
            run.LruAges!.Advance(++tick);
            one.LruAges!.Advance(tick);
            if (kind < 60 || live.Count == 0)
            {
                for (int n = 0; n < burst; n++)
                {
                    AllocResult a = run.Allocate(0, s_masks[mask], 0, PageUse.Anon);
                    Assert.Equal(one.Allocate(0, s_masks[mask], 0, PageUse.Anon), a);
                    if (a.Success)
                    {
                        live.Add((a.Pfn, 0));
                    }
                }
            }
            else if (kind < 70)
            {
                int order = 1 + (burst % 4);
                AllocResult a = run.Allocate(order, s_masks[mask], 0, PageUse.Anon);
                Assert.Equal(one.Allocate(order, s_masks[mask], 0, PageUse.Anon), a);
                if (a.Success)
                {
                    live.Add((a.Pfn, order));
                }
            }
            else
            {
                live.Sort();
                int from = (int)((uint)start % (uint)live.Count);
                int to = Math.Min(live.Count, from + burst);
                var kept = new List<(ulong Pfn, int Order)>();
                for (int k = from; k < to; k++)
                {
                    (ulong pfn, int order) = live[k];
                    if ((start >> (k & 15) & 1) != 0 && k % 37 == 0)
                    {
                        kept.Add(live[k]); // a gap in the run
                        continue;
                    }

                    // order > 0 blocks are not order-0 pages: refused by the deferred path, freed by both page by page
                    bool deferred = run.FreeIfAllocatedDeferred(pfn, PageUse.Anon);
                    Assert.Equal(order == 0, deferred);
                    if (!deferred)
                    {
                        run.FlushFreeRun();
                        run.Free(pfn, order);
                    }

                    one.Free(pfn, order);
                }

                run.FlushFreeRun();
                live.RemoveRange(from, to - from);
                live.AddRange(kept);
            }
        }

        InvariantChecker.Check(run);
        Order0FastPathTests.AssertSameState(one, run);
    }

    [Theory]
    [InlineData(KernelVersion.V4_10)]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    public void RunsOfFreesLeaveTheStateOfPageByPageFrees(KernelVersion v)
    {
        // two zones, a CMA area of two order-10 blocks: runs cross pageblocks of different migratetypes and zones
        s_ops.Sample(ops => Run(Order0FastPathTests.WithCmaArea(v), ops), iter: 30, seed: "0N0XIzNsQ0O2");
    }
}
