using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// <see cref="Machine.AllocateOrder0"/> and <see cref="Machine.FreeIfAllocated"/> are shortcuts of
/// <see cref="Machine.Allocate"/> and IsAllocatedHead + UseOf + <see cref="Machine.Free"/>: two machines fed the same
/// operations, one through each, must give the same pages and end in the same state (free lists in order, LRU and
/// use counters, vm events, NUMA events), including when zones run below their marks, the walk falls back to lower
/// zones, CMA is preferred or pageblocks are stolen.
/// </summary>
public class Order0FastPathTests
{
    private static readonly GfpFlags[] s_masks =
    [
        Gfp.HighUserMovable, Gfp.User | GfpFlags.Movable, Gfp.Kernel, Gfp.Kernel | GfpFlags.Reclaimable, Gfp.User,
        Gfp.Atomic, Gfp.HighUserMovable | GfpFlags.ThisNode,
    ];

    private static readonly PageUse[] s_uses = [PageUse.Anon, PageUse.File, PageUse.FileDirty, PageUse.Kernel, PageUse.SlabReclaimable];

    // (kind 0..99, burst, mask pick, use pick, victim pick): kind < 55 allocates a burst of order-0 pages, < 65 one
    // block of order 1-4 (fragmenting), else frees a burst of random blocks
    private static readonly Gen<(int Kind, int Burst, int Mask, int Use, int Victim)[]> s_ops =
        Gen.Select(Gen.Int[0, 99], Gen.Int[1, 600], Gen.Int[0, s_masks.Length - 1], Gen.Int[0, s_uses.Length - 1], Gen.Int[0, int.MaxValue])
            .Array[1, 120];

    private static void Run(MachineSpec spec, (int Kind, int Burst, int Mask, int Use, int Victim)[] ops)
    {
        var fast = new Machine(spec);
        var slow = new Machine(spec);
        fast.TrackLruAges();
        slow.TrackLruAges();
        var live = new List<(ulong Pfn, int Order, PageUse Use)>();
        int tick = 0;
        foreach ((int kind, int burst, int mask, int usePick, int victim) in ops)
        {
            fast.LruAges!.Advance(++tick);
            slow.LruAges!.Advance(tick);
            PageUse use = s_uses[usePick];
            if (kind < 55 || live.Count == 0)
            {
                for (int n = 0; n < burst; n++)
                {
                    AllocResult a = fast.AllocateOrder0(s_masks[mask], 0, use);
                    AllocResult b = slow.Allocate(0, s_masks[mask], 0, use);
                    Assert.Equal(b, a);
                    if (a.Success)
                    {
                        live.Add((a.Pfn, 0, use));
                    }
                }
            }
            else if (kind < 65)
            {
                int order = 1 + (burst % 4);
                AllocResult a = fast.Allocate(order, s_masks[mask], 0, use);
                Assert.Equal(slow.Allocate(order, s_masks[mask], 0, use), a);
                if (a.Success)
                {
                    live.Add((a.Pfn, order, use));
                }
            }
            else
            {
                for (int n = 0; n < burst && live.Count > 0; n++)
                {
                    int k = (int)((uint)(victim + (n * 7919)) % (uint)live.Count);
                    (ulong pfn, int order, PageUse u) = live[k];
                    live[k] = live[^1];
                    live.RemoveAt(live.Count - 1);
                    bool freed = fast.FreeIfAllocated(pfn, order, u);
                    bool owned = slow.IsAllocatedHead(pfn, out int o) && o == order && slow.UseOf(pfn) == u;
                    Assert.Equal(owned, freed);
                    if (owned)
                    {
                        slow.Free(pfn, order);
                    }
                }
            }
        }

        InvariantChecker.Check(fast);
        AssertSameState(slow, fast);
    }

    /// <summary>The two machines' free lists, counters, events, LRU and use counts are the same (FreeRunTests too).</summary>
    internal static void AssertSameState(Machine expected, Machine actual)
    {
        // the internal span the reclaim and compaction loops walk lists the zones as the public list does
        Assert.Equal(actual.Zones, actual.ZoneSpan.ToArray());
        for (int z = 0; z < expected.Zones.Count; z++)
        {
            Assert.Equal(expected.Zones[z].NrFreePages, actual.Zones[z].NrFreePages);
            Assert.Equal(expected.Zones[z].NrFreeCmaPages, actual.Zones[z].NrFreeCmaPages);
            Assert.Equal(expected.Zones[z].LruPages, actual.Zones[z].LruPages);
            Assert.Equal(expected.Zones[z].NumaEvents, actual.Zones[z].NumaEvents);
            for (int o = 0; o <= Pageblock.MaxOrder; o++)
            {
                foreach (MigrateType mt in Enum.GetValues<MigrateType>())
                {
                    Assert.Equal(expected.FreeListPfns(z, o, mt), actual.FreeListPfns(z, o, mt));
                }
            }
        }

        for (VmEvent e = 0; e < VmEvent.Count; e++)
        {
            Assert.Equal(expected.Event(e), actual.Event(e));
        }

        for (int n = 0; n < expected.NodeCount; n++)
        {
            foreach (LruList l in Enum.GetValues<LruList>())
            {
                Assert.Equal(expected.LruPages(n, l), actual.LruPages(n, l));
            }

            foreach (PageUse u in s_uses)
            {
                Assert.Equal(expected.UsePages(n, u), actual.UsePages(n, u));
            }
        }
    }

    [Theory]
    [InlineData(KernelVersion.V4_10)]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    public void SamePagesAndStateAsAllocateWithACmaArea(KernelVersion v)
    {
        // 64 MiB with 8 MiB of CMA: bursts of up to 600 pages run DMA32 below its low mark and into DMA
        s_ops.Sample(ops => Run(WithCmaArea(v), ops), iter: 40, seed: "0N0XIzNsQ0O2");
    }

    /// <summary>64 MiB in DMA and DMA32 with a CMA area of two order-10 blocks (pfns 8192-10239) in DMA32.</summary>
    internal static MachineSpec WithCmaArea(KernelVersion v) =>
        new([MachineSpec.Zone(0, ZoneType.Dma, 1, 4096), MachineSpec.Zone(0, ZoneType.Dma32, 4096, 16384)])
        {
            Version = v,
            Cma = [new PfnRange(8192, 10240)],
        };

    [Fact]
    public void SamePagesAndStateAsAllocateOnTwoNodes()
    {
        var spec = new MachineSpec(
        [
            MachineSpec.Zone(0, ZoneType.Dma, 1, 4096, reserved: 37),
            MachineSpec.Zone(0, ZoneType.Dma32, 4096, 8192, reserved: 100),
            MachineSpec.Zone(1, ZoneType.Dma32, 8192, 12288),
            MachineSpec.Zone(1, ZoneType.Movable, 12288, 16384),
        ])
        { Version = KernelVersion.V6_1, Cma = [new PfnRange(6144, 7168)] };
        s_ops.Sample(ops => Run(spec, ops), iter: 40, seed: "0N0XIzNsQ0O2");
    }
}
