using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>Hand-built machine specs for tests.</summary>
internal static class TestMachines
{
    /// <summary>One node, DMA [1, 4096) + DMA32 [4096, 524256): a 2 GiB QEMU guest without reservations.</summary>
    public static MachineSpec Qemu2G(KernelVersion v = KernelVersion.V6_1) => new(
    [
        MachineSpec.Zone(0, ZoneType.Dma, 1, 4096),
        MachineSpec.Zone(0, ZoneType.Dma32, 4096, 524256),
    ])
    { Version = v };

    /// <summary>One zone DMA32 [4096, 8192): 16 MiB, four order-10 blocks, debug checks on.</summary>
    public static MachineSpec Tiny(KernelVersion v = KernelVersion.V6_1) => new(
    [
        MachineSpec.Zone(0, ZoneType.Dma32, 4096, 8192),
    ])
    { Version = v, DebugChecks = true };

    /// <summary>64 MiB: DMA [1, 4096) + DMA32 [4096, 16384), optional CMA area, debug checks on.</summary>
    public static MachineSpec Small(KernelVersion v = KernelVersion.V6_1, PfnRange? cma = null) => new(
    [
        MachineSpec.Zone(0, ZoneType.Dma, 1, 4096),
        MachineSpec.Zone(0, ZoneType.Dma32, 4096, 16384),
    ])
    { Version = v, DebugChecks = true, Cma = cma is PfnRange c ? [c] : [] };

    /// <summary>free_area[order].nr_free of every zone and order.</summary>
    public static long[] Buddyinfo(Machine m)
    {
        var r = new long[m.Zones.Count * Pageblock.NrOrders];
        for (int z = 0; z < m.Zones.Count; z++)
        {
            for (int o = 0; o <= Pageblock.MaxOrder; o++)
            {
                r[z * Pageblock.NrOrders + o] = m.AreaNrFree(z, o);
            }
        }

        return r;
    }
}
