using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// <see cref="Machine.AllocateOrder0Run{TRun}"/> takes a fault loop's order-0 pages a run at a time; the pages, the
/// free lists, LRU lists, counters, events and LRU ages must be those of one <c>AllocateOrder0</c> call per page
/// (get_page_from_freelist → __rmqueue_smallest → expand per page, 6.1).
/// </summary>
public class Order0RunTests
{
    // the run's hooks for a test: a fixed use per page (alternating anon and page cache when Mixed), stopping after
    // StopAfter pages when it is positive
    private struct Recorder : IOrder0Run
    {
        public List<ulong> Pfns;
        public bool Mixed;
        public int StopAfter;
        public PageUse Next;

        public PageUse NextUse()
        {
            Next = Mixed && (Pfns.Count & 1) == 1 ? PageUse.File : PageUse.Anon;
            return Next;
        }

        public bool Took(ulong pfn)
        {
            Pfns.Add(pfn);
            return StopAfter <= 0 || Pfns.Count % StopAfter != 0;
        }
    }

    [Fact]
    public void ARunFromAFreshBlockLeavesTheRestAsTheSplitsDo()
    {
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 8192)]) { Version = KernelVersion.V6_1 });
        var rec = new Recorder { Pfns = [] };
        Assert.Equal(11, m.AllocateOrder0Run(Gfp.HighUserMovable, 0, ref rec, 11));
        int z = m.ZoneIndexOf(rec.Pfns[0]);
        ulong b = rec.Pfns[0];

        // the first page splits an order-10 block at b (the lists below are empty); page by page, expand() leaves
        // b+1 (o0), b+2 (o1), b+4 (o2), ... and each later request takes the next page: b .. b+10. Eleven pages
        // handed out leave [b+11, b+1024) as aligned pieces: b+11 (o0), b+12 (o2), b+16 (o4), b+32 (o5), ..., b+512 (o9)
        Assert.Equal(Enumerable.Range(0, 11).Select(k => b + (ulong)k), rec.Pfns);
        Assert.Equal(0UL, b % 1024);
        Assert.Equal([b + 11], m.FreeListPfns(z, 0, MigrateType.Movable));
        Assert.Empty(m.FreeListPfns(z, 1, MigrateType.Movable));
        Assert.Equal([b + 12], m.FreeListPfns(z, 2, MigrateType.Movable));
        Assert.Empty(m.FreeListPfns(z, 3, MigrateType.Movable));
        for (int o = 4; o < 10; o++)
        {
            Assert.Equal([b + (1UL << o)], m.FreeListPfns(z, o, MigrateType.Movable));
        }

        Assert.Equal(11, m.LruPages(0, LruList.InactiveAnon));
        InvariantChecker.Check(m);
    }

    private static readonly GfpFlags[] s_masks = [Gfp.HighUserMovable, Gfp.User | GfpFlags.Movable, Gfp.Kernel];

    // (kind 0..99, count, mask pick, pick): kind < 50 a run of count pages (stopping every pick % 7 pages when that is
    // above 1, mixed uses when pick is odd, the stopped-at page allocated per page as the callers do), < 60 one block
    // of order 1-4, else frees up to count live blocks from a random one on
    private static readonly Gen<(int Kind, int Count, int Mask, int Pick)[]> s_ops =
        Gen.Select(Gen.Int[0, 99], Gen.Int[1, 1500], Gen.Int[0, s_masks.Length - 1], Gen.Int[0, int.MaxValue]).Array[1, 60];

    private static void Run(MachineSpec spec, (int Kind, int Count, int Mask, int Pick)[] ops)
    {
        var run = new Machine(spec);
        var one = new Machine(spec);
        run.TrackLruAges();
        one.TrackLruAges();
        var live = new List<(ulong Pfn, int Order)>();
        int tick = 0;
        foreach ((int kind, int count, int mask, int pick) in ops)
        {
            run.LruAges!.Advance(++tick);
            one.LruAges!.Advance(tick);
            GfpFlags gfp = s_masks[mask];
            if (kind < 50 || live.Count == 0)
            {
                var rec = new Recorder { Pfns = [], Mixed = (pick & 1) == 1, StopAfter = pick % 7 };
                long left = count;
                while (left > 0)
                {
                    int before = rec.Pfns.Count;
                    long n = run.AllocateOrder0Run(gfp, 0, ref rec, left);
                    Assert.Equal(n, rec.Pfns.Count - before);
                    for (int k = before; k < rec.Pfns.Count; k++)
                    {
                        PageUse use = rec.Mixed && (k & 1) == 1 ? PageUse.File : PageUse.Anon;
                        Assert.Equal(one.AllocateOrder0(gfp, 0, use), new AllocResult(rec.Pfns[k], run.ZoneIndexOf(rec.Pfns[k]), AllocFailure.None));
                        live.Add((rec.Pfns[k], 0));
                    }

                    left -= n;
                    if (left == 0)
                    {
                        break;
                    }

                    // the page the run stopped at (or the one after a declined page): both machines per page
                    PageUse next = rec.Mixed && (rec.Pfns.Count & 1) == 1 ? PageUse.File : PageUse.Anon;
                    AllocResult a = run.AllocateOrder0(gfp, 0, next);
                    Assert.Equal(one.AllocateOrder0(gfp, 0, next), a);
                    if (!a.Success)
                    {
                        break;
                    }

                    rec.Pfns.Add(a.Pfn);
                    live.Add((a.Pfn, 0));
                    left--;
                }
            }
            else if (kind < 60)
            {
                int order = 1 + (count % 4);
                AllocResult a = run.Allocate(order, gfp, 0, PageUse.Kernel);
                Assert.Equal(one.Allocate(order, gfp, 0, PageUse.Kernel), a);
                if (a.Success)
                {
                    live.Add((a.Pfn, order));
                }
            }
            else
            {
                int from = (int)((uint)pick % (uint)live.Count);
                int to = Math.Min(live.Count, from + count);
                for (int k = from; k < to; k++)
                {
                    run.Free(live[k].Pfn, live[k].Order);
                    one.Free(live[k].Pfn, live[k].Order);
                }

                live.RemoveRange(from, to - from);
            }

            InvariantChecker.Check(run);
        }

        Order0FastPathTests.AssertSameState(one, run);
    }

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    public void RunsLeaveTheStateOfPageByPageFaults(KernelVersion v)
    {
        // two zones and a CMA area: runs walk past a zone below its mark, prefer CMA or not, and split blocks of both
        s_ops.Sample(ops => Run(Order0FastPathTests.WithCmaArea(v), ops), iter: 40, seed: "0N0XIzNsQ0O2");
    }
}
