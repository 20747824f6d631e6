using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// Machine.AllocatedPages (the device-area utilisation's count) against the block walk its documentation names: from
/// the first pfn, a free head skips its block, an allocated head counts its pages up to the end, anything else
/// advances one page, every step asked through the public per-pfn queries.
/// </summary>
public class AllocatedPagesTests
{
    private static long WalkWithPublicQueries(Machine m, ulong start, ulong end)
    {
        long used = 0;
        for (ulong p = start; p < end;)
        {
            if (m.IsFreeHead(p, out int o))
            {
                p += 1UL << o;
            }
            else if (m.IsAllocatedHead(p, out o))
            {
                used += (long)Math.Min(1UL << o, end - p);
                p += 1UL << o;
            }
            else
            {
                p++;
            }
        }
        return used;
    }

    [Fact]
    public void CountsABlockCutByTheRangeUpToItsEnd()
    {
        // Tiny: DMA32 [4096, 8192), four free order-10 blocks. An order-3 allocation takes the lowest block's first
        // 8 pages (__rmqueue_smallest splits the head block; expand() keeps the low half), then an order-0 one the
        // next page: pfns 4096-4103 and 4104.
        var m = new Machine(TestMachines.Tiny());
        AllocResult big = m.Allocate(3, Gfp.Kernel);
        AllocResult small = m.Allocate(0, Gfp.Kernel);
        Assert.Equal(4096UL, big.Pfn);
        Assert.Equal(4104UL, small.Pfn);
        Assert.Equal(9, m.AllocatedPages(4096, 8192));
        Assert.Equal(5, m.AllocatedPages(4096, 4101)); // five pages of the order-3 block
        Assert.Equal(1, m.AllocatedPages(4100, 4105)); // starts on a tail: the walk counts from the next head, 4104
        Assert.Equal(0, m.AllocatedPages(4105, 8192));
    }

    [Fact]
    public void MatchesThePublicQueryWalkAfterRandomAllocationsAndFrees()
    {
        Gen.Select(Gen.Int[0, 99].Array[1, 200], Gen.Int[0, int.MaxValue].Array[20])
            .Sample(t =>
            {
                (int[] ops, int[] cuts) = t;
                // a 64 MiB machine with a CMA area (MIGRATE_CMA pageblocks) and not yet linked boot blocks
                var m = new Machine(TestMachines.Small(cma: new PfnRange(8192, 12288)));
                var live = new List<(ulong Pfn, int Order)>();
                foreach (int op in ops)
                {
                    if (op < 65 || live.Count == 0)
                    {
                        int order = op % 7 == 0 ? op % 11 : op % 3 == 0 ? 1 : 0;
                        AllocResult r = m.Allocate(order, op % 2 == 0 ? Gfp.HighUserMovable : Gfp.Kernel | GfpFlags.DirectReclaim);
                        if (r.Success)
                        {
                            live.Add((r.Pfn, order));
                        }
                    }
                    else
                    {
                        int k = op % live.Count;
                        m.Free(live[k].Pfn, live[k].Order);
                        live.RemoveAt(k);
                    }
                }
                for (int c = 0; c + 1 < cuts.Length; c += 2)
                {
                    ulong a = 1 + (ulong)(cuts[c] % 16383), b = 1 + (ulong)(cuts[c + 1] % 16383);
                    (ulong lo, ulong hi) = a <= b ? (a, b + 1) : (b, a + 1);
                    Assert.Equal(WalkWithPublicQueries(m, lo, hi), m.AllocatedPages(lo, hi));
                }
                Assert.Equal(WalkWithPublicQueries(m, 1, 16384), m.AllocatedPages(1, 16384));
            }, iter: 200);
    }
}
