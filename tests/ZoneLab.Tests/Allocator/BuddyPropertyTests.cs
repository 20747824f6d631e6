using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

public class BuddyPropertyTests
{
    private static readonly GfpFlags[] s_masks =
    [
        Gfp.Kernel, Gfp.HighUserMovable, Gfp.Kernel | GfpFlags.Reclaimable, Gfp.User | GfpFlags.Movable,
        Gfp.Atomic, Gfp.NoWait, Gfp.Dma, Gfp.Kernel | GfpFlags.Memalloc,
    ];

    // An op is (kind 0..99, order pick, mask pick, victim pick): kind < 60 allocates, else frees a random block.
    private static readonly Gen<(int Kind, int Order, int Mask, int Victim)[]> s_ops =
        Gen.Select(Gen.Int[0, 99], Gen.Int[0, 99], Gen.Int[0, s_masks.Length - 1], Gen.Int[0, int.MaxValue])
            .Array[1, 300];

    private static int OrderFrom(int pick) => pick switch
    {
        < 50 => 0,
        < 70 => 1,
        < 80 => 2,
        < 88 => 3,
        < 94 => 4 + pick % 5,
        _ => 9 + pick % 2,
    };

    private static void Run(MachineSpec spec, (int Kind, int Order, int Mask, int Victim)[] ops)
    {
        var m = new Machine(spec);
        long[] boot = TestMachines.Buddyinfo(m);
        var live = new List<(ulong Pfn, int Order)>();
        foreach ((int kind, int orderPick, int mask, int victim) in ops)
        {
            if (kind < 60 || live.Count == 0)
            {
                int order = OrderFrom(orderPick);
                GfpFlags gfp = s_masks[mask];
                // high-order atomic requests reserve highatomic pageblocks, which never merge back with others
                if (order > 0 && (gfp & GfpFlags.DirectReclaim) == 0)
                {
                    gfp |= GfpFlags.DirectReclaim;
                }

                AllocResult r = m.Allocate(order, gfp);
                if (r.Success)
                {
                    Assert.Equal(0UL, r.Pfn & ((1UL << order) - 1));
                    Assert.True(m.Zones[r.ZoneIndex].Type <= Gfp.Zone(gfp), $"{r} above gfp_zone");
                    live.Add((r.Pfn, order));
                }
            }
            else
            {
                int k = victim % live.Count;
                (ulong pfn, int order) = live[k];
                live[k] = live[^1];
                live.RemoveAt(live.Count - 1);
                m.Free(pfn, order);
            }
        }

        foreach ((ulong pfn, int order) in live)
        {
            m.Free(pfn, order);
        }

        InvariantChecker.Check(m);
        Assert.Equal(m.BootFreePages, m.TotalFreePages());
        Assert.Equal(boot, TestMachines.Buddyinfo(m));
    }

    [Theory]
    [InlineData(KernelVersion.V4_10)]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    public void RandomAllocFreeKeepsInvariantsAndFreeingAllRestoresBootBuddyinfo(KernelVersion v)
    {
        s_ops.Sample(ops => Run(TestMachines.Small(v), ops), iter: 60, seed: "0N0XIzNsQ0O2");
    }

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    public void SameWithACmaAreaAndTwoNodes(KernelVersion v)
    {
        var spec = new MachineSpec(
        [
            MachineSpec.Zone(0, ZoneType.Dma, 1, 4096, reserved: 37),
            MachineSpec.Zone(0, ZoneType.Dma32, 4096, 12288, reserved: 100),
            MachineSpec.Zone(1, ZoneType.Dma32, 12288, 16384),
            MachineSpec.Zone(1, ZoneType.Movable, 16384, 20480),
        ])
        { Version = v, DebugChecks = true, Cma = [new PfnRange(8192, 9216)] };
        s_ops.Sample(ops => Run(spec, ops), iter: 40, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void SameSeedSameResult()
    {
        // Determinism: two machines fed the same operations end in identical states.
        var a = new Machine(TestMachines.Small());
        var b = new Machine(TestMachines.Small());
        var rng = new Random(7);
        var ops = Enumerable.Range(0, 500).Select(_ => (rng.Next(11), rng.Next(s_masks.Length))).ToArray();
        var ra = ops.Select(o => a.Allocate(o.Item1 % 4, s_masks[o.Item2]).Pfn).ToArray();
        var rb = ops.Select(o => b.Allocate(o.Item1 % 4, s_masks[o.Item2]).Pfn).ToArray();
        Assert.Equal(ra, rb);
        Assert.Equal(TestMachines.Buddyinfo(a), TestMachines.Buddyinfo(b));
    }
}
