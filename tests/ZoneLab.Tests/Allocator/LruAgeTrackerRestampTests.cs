using CsCheck;
using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// LruAgeTracker.Restamp (a migrated page takes its source's LRU age) against what it replaces: removing the block's
/// pages at the old stamp, setting the stamp, and adding them at the new one, compared by every "older than" query.
/// </summary>
public class LruAgeTrackerRestampTests
{
    [Fact]
    public void RestampGivesTheTreeOfRemoveThenAdd()
    {
        // ops: (block 0..63, new stamp); the clock is advanced past the 1024 initial ticks, so the tree grows to 4096
        // ticks and stamps reach its last index
        Gen.Select(Gen.Int[0, 63], Gen.Int[0, 4095]).Array[1, 200].Sample(ops =>
        {
            var viaRestamp = new LruAgeTracker(64, 1);
            var viaAdd = new LruAgeTracker(64, 1);
            viaRestamp.Advance(4095);
            viaAdd.Advance(4095);
            var order = new int[64];
            for (int i = 0; i < 64; i++)
            {
                order[i] = i % 4;
                viaRestamp.SetStamp(i, i * 67 % 4096);
                viaAdd.SetStamp(i, i * 67 % 4096);
                viaRestamp.Add(0, (LruList)(i % 4), i, 1L << order[i]);
                viaAdd.Add(0, (LruList)(i % 4), i, 1L << order[i]);
            }

            foreach ((int i, int stamp) in ops)
            {
                var lru = (LruList)(i % 4);
                long pages = 1L << order[i];
                viaRestamp.Restamp(0, lru, i, stamp, pages);
                viaAdd.Add(0, lru, i, -pages);
                viaAdd.SetStamp(i, stamp);
                viaAdd.Add(0, lru, i, pages);
            }

            for (int l = 0; l < 4; l++)
            {
                for (int s = 0; s <= 4096; s++)
                {
                    Assert.Equal(viaAdd.OlderThan(0, (LruList)l, s), viaRestamp.OlderThan(0, (LruList)l, s));
                }
            }
        }, iter: 100);
    }

    [Fact]
    public void RestampOfASlabBlockOnlySetsTheStamp()
    {
        // the reclaimable-slab list is not one of the four evictable LRUs the tracker counts
        var t = new LruAgeTracker(4, 1);
        t.Advance(10);
        t.Restamp(0, LruList.SlabReclaimable, 2, 7, 1);
        Assert.Equal(7, t.StampOf(2));
        Assert.Equal(0, t.OlderThan(0, LruList.InactiveAnon, 10));
    }
}
