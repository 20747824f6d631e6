using ZoneLab.Allocator;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// <see cref="PfnListPool"/> and <see cref="Holding.GiveBackPfns"/>: the pool is shared by all threads, so these
/// tests only rely on what holds whatever other tests give or take meanwhile (a list given is emptied; a list taken
/// has the room asked for and no entries; a list is never handed out twice while in use; oversized lists are dropped).
/// </summary>
public class PfnListPoolTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(150)]
    [InlineData(2457)]
    [InlineData(4096)]
    [InlineData(4097)]
    public void ATakenListIsEmptyWithTheRoomAskedFor(int capacity)
    {
        // fill the pool with dirty lists of assorted sizes first, so Take has kept lists to hand out
        for (int c = 1; c <= 8192; c *= 3)
        {
            var l = new List<ulong>(c);
            l.Add(42);
            PfnListPool.Give(l);
            Assert.Empty(l);
        }
        List<ulong> got = PfnListPool.Take(capacity);
        Assert.Empty(got);
        Assert.True(got.Capacity >= capacity, $"capacity {got.Capacity} < {capacity}");
    }

    [Fact]
    public void ListsInUseAreNeverSharedAndComeBackClean()
    {
        // 200 lists taken at once are 200 different lists, whichever mix of kept and new ones the pool gives
        var taken = new List<List<ulong>>();
        for (int k = 0; k < 200; k++)
        {
            List<ulong> l = PfnListPool.Take(k % 7 * 100);
            Assert.DoesNotContain(taken, t => ReferenceEquals(t, l));
            l.Add((ulong)k);
            taken.Add(l);
        }
        for (int k = 0; k < 200; k++)
        {
            Assert.Equal([(ulong)k], taken[k]);
        }
        foreach (List<ulong> l in taken)
        {
            PfnListPool.Give(l);
            Assert.Empty(l);
        }
    }

    [Fact]
    public void AnOversizedListIsNotKept()
    {
        var big = new List<ulong>(PfnListPool.MaxListCapacity + 1);
        PfnListPool.Give(big);
        for (int k = 0; k < 64; k++)
        {
            Assert.False(ReferenceEquals(big, PfnListPool.Take(PfnListPool.MaxListCapacity)));
        }
        Assert.True(PfnListPool.Kept.Pfns <= PfnListPool.MaxPooledPfns);
    }

    [Fact]
    public void AHoldingGivesItsListBackOnceAndReadsEmptyAfterwards()
    {
        var h = new Holding(0, PageUse.Anon, false, 10);
        h.Pfns.Add(7);
        h.Pfns.Add(9);
        List<ulong> own = h.Pfns;
        h.GiveBackPfns();
        Assert.Empty(h.Pfns);
        Assert.False(ReferenceEquals(own, h.Pfns));
        Assert.Empty(own); // emptied on the way into the pool

        // a second give-back (a holding released twice) must not put anything into the pool again: the list a
        // later holding takes is then never one another holding still reads
        h.GiveBackPfns();
        var a = new Holding(0, PageUse.Anon, false, 10);
        var b = new Holding(0, PageUse.Anon, false, 10);
        Assert.False(ReferenceEquals(a.Pfns, b.Pfns));
        Assert.False(ReferenceEquals(a.Pfns, h.Pfns));
        Assert.False(ReferenceEquals(b.Pfns, h.Pfns));
    }
}
