using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// The boot max-order blocks at the end of each zone are linked lazily (like deferred struct page init). These
/// tests run the same operations on a lazy machine and on one whose blocks were all linked right after boot,
/// and require identical results: the laziness must be invisible.
/// </summary>
public class DeferredBootBlocksTests
{
    private static readonly GfpFlags[] s_masks = [Gfp.Kernel, Gfp.HighUserMovable, Gfp.Kernel | GfpFlags.Reclaimable, Gfp.Atomic, Gfp.Dma];

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    [InlineData(KernelVersion.V4_10)]
    public void LazyAndEagerMachinesAgreeOnEveryAllocation(KernelVersion v)
    {
        Gen.Select(Gen.Int[0, 99], Gen.Int[0, 10], Gen.Int[0, s_masks.Length - 1]).Array[1, 3000].Sample(ops =>
        {
            var spec = new MachineSpec(TestMachines.Small(v, new ZoneLab.Layout.PfnRange(8192, 9216))) { DebugChecks = false };
            var lazy = new Machine(spec);
            var eager = new Machine(spec);
            eager.MaterializeAll();
            var liveL = new List<(ulong, int)>();
            var liveE = new List<(ulong, int)>();
            foreach ((int kind, int order, int mask) in ops)
            {
                if (kind < 65 || liveL.Count == 0)
                {
                    int o = s_masks[mask] == Gfp.Atomic ? 0 : order;
                    AllocResult a = lazy.Allocate(o, s_masks[mask]);
                    AllocResult b = eager.Allocate(o, s_masks[mask]);
                    Assert.Equal(b, a);
                    if (a.Success)
                    {
                        liveL.Add((a.Pfn, o));
                        liveE.Add((b.Pfn, o));
                    }
                }
                else
                {
                    int k = kind % liveL.Count;
                    lazy.Free(liveL[k].Item1, liveL[k].Item2);
                    eager.Free(liveE[k].Item1, liveE[k].Item2);
                    liveL.RemoveAt(k);
                    liveE.RemoveAt(k);
                }
            }

            Assert.Equal(TestMachines.Buddyinfo(eager), TestMachines.Buddyinfo(lazy));
            Assert.Equal(ZoneLab.Procfs.PagetypeinfoWriter.Write(eager), ZoneLab.Procfs.PagetypeinfoWriter.Write(lazy));
            InvariantChecker.Check(lazy);
        }, iter: 25, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void ReclaimAndCompactionSeeTheSameMachine()
    {
        var spec = new MachineSpec(TestMachines.Small()) { DebugChecks = false, SwapPages = 2048 };
        var lazy = new Machine(spec);
        var eager = new Machine(spec);
        eager.MaterializeAll();
        _ = new ReclaimModel(lazy);
        _ = new ReclaimModel(eager);
        var rng = new Random(5);
        for (int k = 0; k < 40000; k++)
        {
            int order = rng.Next(4);
            PageUse use = (PageUse)(2 + rng.Next(3));
            Assert.Equal(eager.Allocate(order, Gfp.HighUserMovable, use: use), lazy.Allocate(order, Gfp.HighUserMovable, use: use));
        }

        Assert.Equal(VmstatOf(eager), VmstatOf(lazy));
        InvariantChecker.Check(lazy);
    }

    [Fact]
    public void AFreshLargeMachineLinksOnlyWhatItUses()
    {
        // 16 GiB: Normal [1 Mi, 4 Mi) pfns is one pristine run of 3072 blocks; taking one page links one block.
        using var m = new Machine(MachineSpec.Simple(16 * 1024));
        Assert.Equal(3072, m.FreeCount(2, 10, MigrateType.Movable));
        Assert.True(m.IsFreeHead((4UL << 20) - 1024, out int o) && o == 10);
        AllocResult r = m.Allocate(0, Gfp.Kernel);
        Assert.Equal(1UL << 20, r.Pfn);
        Assert.Equal(3071, m.FreeCount(2, 10, MigrateType.Movable));
        Assert.Equal(2, m.ZoneIndexOf((4UL << 20) - 1));
    }

    private static string VmstatOf(Machine m) => ZoneLab.Procfs.VmstatWriter.Write(m);
}
