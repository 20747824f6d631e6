using CsCheck;
using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// LruAgeTracker through the sequence migration makes for every page it moves (alloc_contig_range's ~4M per
/// sticky-movable run): the target is added at the clock, takes the source's stamp (Restamp), then the source
/// leaves its list. The tracker defers these updates (a pending delta per list, one that cancels never reaches the
/// tree); every "older than" answer must still be the plain count of resident pages per (list, stamp), kept here by
/// hand in an array.
/// </summary>
public class LruAgeTrackerMigrationTests
{
    private const int Blocks = 64;
    private const int Ticks = 2048;

    [Fact]
    public void MigrationsKeepEveryOlderThanAnswer()
    {
        // ops: (source block, target block, target list, clock step, query?)
        Gen.Select(Gen.Int[0, Blocks - 1], Gen.Int[0, Blocks - 1], Gen.Int[0, 3], Gen.Int[0, 40], Gen.Bool).Array[1, 300].Sample(ops =>
        {
            var t = new LruAgeTracker(Blocks, 1);
            var counts = new long[4, Ticks];
            var resident = new int[Blocks]; // list + 1, 0 when the block is not resident
            var stampOf = new int[Blocks];
            int clock = 0;
            for (int i = 0; i < Blocks; i += 2)
            {
                // every other block resident from tick 0, on list i % 4, of 1 << (i % 3) pages
                t.SetStamp(i, 0);
                t.Add(0, (LruList)(i % 4), i, Pages(i));
                counts[i % 4, 0] += Pages(i);
                resident[i] = i % 4 + 1;
            }

            foreach ((int src, int dst, int list, int step, bool query) in ops)
            {
                if (clock + step < Ticks)
                {
                    clock += step;
                    t.Advance(clock);
                }

                if (resident[src] == 0 || resident[dst] != 0 || Pages(src) != Pages(dst))
                {
                    // not a migration: the source arrives fresh at the clock (a fault)
                    if (resident[src] == 0)
                    {
                        t.SetStamp(src, clock);
                        t.Add(0, (LruList)list, src, Pages(src));
                        counts[list, clock] += Pages(src);
                        resident[src] = list + 1;
                        stampOf[src] = clock;
                    }
                }
                else
                {
                    // the target is prepared at the clock on the target list, takes the source's age, the source is freed
                    int old = stampOf[src];
                    t.SetStamp(dst, clock);
                    t.Add(0, (LruList)list, dst, Pages(dst));
                    t.Restamp(0, (LruList)list, dst, old, Pages(dst));
                    t.Add(0, (LruList)(resident[src] - 1), src, -Pages(src));
                    counts[list, old] += Pages(dst);
                    counts[resident[src] - 1, old] -= Pages(src);
                    resident[dst] = list + 1;
                    stampOf[dst] = old;
                    resident[src] = 0;
                    Assert.Equal(old, t.StampOf(dst));
                }

                if (query)
                {
                    AssertCounts(t, counts, clock);
                }
            }

            AssertCounts(t, counts, Ticks);
        }, iter: 200);
    }

    private static long Pages(int block) => 1L << (block % 3);

    private static void AssertCounts(LruAgeTracker t, long[,] counts, int upTo)
    {
        for (int l = 0; l < 4; l++)
        {
            long older = 0;
            for (int s = 0; s <= Math.Min(upTo, Ticks - 1); s++)
            {
                Assert.Equal(older, t.OlderThan(0, (LruList)l, s));
                older += counts[l, s];
            }
        }
    }
}
