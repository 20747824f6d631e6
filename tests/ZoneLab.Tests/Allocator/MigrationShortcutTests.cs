using CsCheck;
using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// <c>Machine.MoveIsolated</c> (migrate_folio_move) leaves a target that its allocation put at the head of the list
/// it belongs on where it is and only restamps its LRU age, instead of unlinking and relinking it; and the LRU-age
/// tracker keeps up to 64 pending (stamp, delta) slots per list. Two machines fed the same isolations, target
/// allocations and moves, one through the shortcut and one always relinking, must end in the same state: free lists,
/// counters and events, every LRU list in the same order, every page's stamp, and every "older than" answer the
/// reclaim model reads.
/// </summary>
public class MigrationShortcutTests
{
    private static readonly PageUse[] s_uses = [PageUse.Anon, PageUse.File, PageUse.FileDirty, PageUse.Shmem];

    // (kind 0..99, count, use pick, seed): kind < 40 faults count pages in, < 55 marks some accessed (active),
    // < 70 frees some, else migrates a batch of up to 32 (isolate all, then a target and a move each)
    private static readonly Gen<(int Kind, int Count, int Use, int Seed)[]> s_ops =
        Gen.Select(Gen.Int[0, 99], Gen.Int[1, 200], Gen.Int[0, s_uses.Length - 1], Gen.Int[0, int.MaxValue]).Array[1, 80];

    [Fact]
    public void ShortcutGivesTheStateOfTheRelink()
    {
        s_ops.Sample(ops =>
        {
            var spec = MachineSpec.Simple(8192);
            var fast = new Machine(spec);
            var slow = new Machine(spec);
            fast.TrackLruAges();
            slow.TrackLruAges();
            var live = new List<ulong>();
            int tick = 0;
            foreach ((int kind, int count, int usePick, int seed) in ops)
            {
                tick += 1 + (seed % 3);
                fast.LruAges!.Advance(tick);
                slow.LruAges!.Advance(tick);
                if (kind < 40 || live.Count == 0)
                {
                    for (int n = 0; n < count; n++)
                    {
                        AllocResult a = fast.AllocateOrder0(Gfp.HighUserMovable, 0, s_uses[usePick]);
                        Assert.Equal(a, slow.AllocateOrder0(Gfp.HighUserMovable, 0, s_uses[usePick]));
                        if (a.Success)
                        {
                            live.Add(a.Pfn);
                        }
                    }
                }
                else if (kind < 55)
                {
                    for (int n = 0; n < count; n++)
                    {
                        ulong pfn = live[(int)((uint)(seed + (n * 7919)) % (uint)live.Count)];
                        fast.MarkAccessed(pfn);
                        slow.MarkAccessed(pfn);
                    }
                }
                else if (kind < 70)
                {
                    for (int n = 0; n < count && live.Count > 0; n++)
                    {
                        int k = (int)((uint)(seed + (n * 7919)) % (uint)live.Count);
                        ulong pfn = live[k];
                        live[k] = live[^1];
                        live.RemoveAt(live.Count - 1);
                        fast.Free(pfn, 0);
                        slow.Free(pfn, 0);
                    }
                }
                else
                {
                    Migrate(fast, slow, live, Math.Min(32, count), seed);
                }
            }

            InvariantChecker.Check(fast);
            Order0FastPathTests.AssertSameState(slow, fast);
            AssertSameLru(slow, fast, tick);
        }, iter: 60, seed: "0N0XIzNsQ0O2");
    }

    // migrate_pages over a batch: every source isolated first (as isolate_migratepages_range does), then for each a
    // target from the order-0 path and the move; the target's fresh pages keep both machines' pfns in step
    private static void Migrate(Machine fast, Machine slow, List<ulong> live, int batch, int seed)
    {
        var sources = new List<(int Index, int Slot)>();
        for (int n = 0; n < batch && n < live.Count; n++)
        {
            int k = (int)((uint)(seed + (n * 104729)) % (uint)live.Count);
            int i = fast.IndexOfPfn(live[k]);
            if (sources.Exists(s => s.Index == i))
            {
                continue;
            }

            sources.Add((i, k));
            fast.IsolateLru(i);
            slow.IsolateLru(i);
        }

        foreach ((int i, int k) in sources)
        {
            PageUse use = fast.UseAt(i);
            AllocResult a = fast.AllocateOrder0(Gfp.HighUserMovable | GfpFlags.RetryMayfail, 0, use);
            Assert.Equal(a, slow.AllocateOrder0(Gfp.HighUserMovable | GfpFlags.RetryMayfail, 0, use));
            Assert.True(a.Success);
            fast.MoveIsolated(i, fast.IndexOfPfn(a.Pfn), relinkAlways: false);
            slow.MoveIsolated(i, slow.IndexOfPfn(a.Pfn), relinkAlways: true);
            live[k] = a.Pfn;
        }
    }

    private static void AssertSameLru(Machine expected, Machine actual, int clock)
    {
        for (int l = 0; l < 4; l++)
        {
            var list = (LruList)l;
            List<int> e = Walk(expected, list), a = Walk(actual, list);
            Assert.Equal(e, a);
            foreach (int i in e)
            {
                Assert.Equal(expected.LruAges!.StampOf(i), actual.LruAges!.StampOf(i));
                Assert.Equal(expected.IsLruHead(i), actual.IsLruHead(i));
            }

            for (int s = 0; s <= clock + 1; s++)
            {
                Assert.Equal(expected.LruAges!.OlderThan(0, list, s), actual.LruAges!.OlderThan(0, list, s));
            }
        }

        Assert.Equal(expected.IsolatedPages(0, file: false), actual.IsolatedPages(0, file: false));
        Assert.Equal(expected.IsolatedPages(0, file: true), actual.IsolatedPages(0, file: true));
    }

    // a list from its tail (oldest) to its head
    private static List<int> Walk(Machine m, LruList list)
    {
        var order = new List<int>();
        for (int i = m.LruTailIndex(0, list); i != -1; i = m.LruPrevIndex(i))
        {
            order.Add(i);
        }

        return order;
    }
}
