using ZoneLab.Layout;

namespace ZoneLab.Tests.Designs;

/// <summary>
/// The BCM7278 example of the DMB series (v4 cover letter): arm64, 1 GiB at 0x40000000 and 1 GiB at 0x300000000,
/// <c>movablecore=300M@0x60000000,300M@0x320000000</c>, laid out by the DMB code path with managed = present (no boot
/// reservations in this synthetic layout).
/// </summary>
internal static class Bcm7278Layout
{
    private static readonly ZoneType[] s_arm64Zones = { ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal, ZoneType.Movable };

    public static BootLayout Build()
    {
        var cl = KernelCommandLine.Parse("movablecore=300M@0x60000000,300M@0x320000000", new KernelFeatures { DesignatedMovableBlocks = true });
        var memblock = new List<MemblockRegion> { new(0x40000, 0x80000, 0), new(0x300000, 0x340000, 0) };
        memblock = DesignatedMovableBlocks.Apply(memblock, cl, memblockPopulatedAtEarlyParams: true, dmbCount: 19, new List<string>());
        var max = new ulong[ZoneTypes.Count];
        max[(int)ZoneType.Dma] = 0x100000;
        max[(int)ZoneType.Dma32] = 0x100000;
        max[(int)ZoneType.Normal] = 0x340000;
        BootLayout l = FreeAreaInit.Compute(new FreeAreaInit.Input("arm64", memblock, s_arm64Zones, max, cl, 27, 128UL << 20, null, new List<string>(), DmbPatches: true));
        foreach (ZoneLayout z in l.AllZones)
        {
            z.Managed = z.Present;
        }

        return l;
    }
}
