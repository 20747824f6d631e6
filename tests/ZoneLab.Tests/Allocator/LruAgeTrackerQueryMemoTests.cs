using CsCheck;
using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// LruAgeTracker.OlderThan remembers its last answer per list and keeps it up to date through every later add, remove
/// and restamp. Checked against a plain count: the resident pages of the list whose block's stamp is below the
/// queried one, summed over the blocks, with queries interleaved between the updates (as reclaim asks between frees).
/// </summary>
public class LruAgeTrackerQueryMemoTests
{
    [Fact]
    public void EveryAnswerIsThePlainCountOfOlderPages()
    {
        // ops: (kind 0 add/remove toggle, 1 restamp, 2 query, 3 advance; block 0..31; a stamp 0..1500): the clock
        // passes the 1024 initial ticks, so the tree grows while answers are remembered
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 31], Gen.Int[0, 1500]).Array[1, 300].Sample(ops =>
        {
            const int Blocks = 32;
            var t = new LruAgeTracker(Blocks, 2);
            var resident = new bool[Blocks];
            var stamp = new int[Blocks];
            int clock = 0;
            var asked = new int[8]; // per (node, list): the stamp last asked about, whose answer the tracker keeps
            Array.Fill(asked, -1);
            // block b: node b % 2, list (b / 2) % 4, order b % 3
            static (int Node, LruList Lru, long Pages) Where(int b) => (b % 2, (LruList)(b / 2 % 4), 1L << (b % 3));

            long Plain(int node, LruList lru, int s)
            {
                long n = 0;
                for (int b = 0; b < Blocks; b++)
                {
                    if (resident[b] && Where(b).Node == node && Where(b).Lru == lru && stamp[b] < s)
                    {
                        n += Where(b).Pages;
                    }
                }

                return n;
            }

            foreach ((int kind, int b, int s) in ops)
            {
                (int node, LruList lru, long pages) = Where(b);
                int at = Math.Min(s, clock);
                switch (kind)
                {
                    case 0 when resident[b]:
                        t.Add(node, lru, b, -pages);
                        resident[b] = false;
                        break;
                    case 0:
                        t.SetStamp(b, at);
                        stamp[b] = at;
                        t.Add(node, lru, b, pages);
                        resident[b] = true;
                        break;
                    case 1 when resident[b]:
                        t.Restamp(node, lru, b, at, pages);
                        stamp[b] = at;
                        break;
                    case 1:
                        break;
                    case 2:
                        Assert.Equal(Plain(node, lru, at), t.OlderThan(node, lru, at));
                        asked[(node * 4) + (int)lru] = at;
                        break;
                    default:
                        clock = Math.Max(clock, s);
                        t.Advance(clock);
                        break;
                }

                // every list's remembered answer, asked again after the update (same stamp: answered from memory)
                for (int k = 0; k < asked.Length; k++)
                {
                    if (asked[k] >= 0)
                    {
                        Assert.Equal(Plain(k / 4, (LruList)(k % 4), asked[k]), t.OlderThan(k / 4, (LruList)(k % 4), asked[k]));
                    }
                }
            }
        }, iter: 200);
    }
}
