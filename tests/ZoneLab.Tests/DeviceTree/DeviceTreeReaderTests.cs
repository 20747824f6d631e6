using ZoneLab.Layout.DeviceTree;

namespace ZoneLab.Tests.DeviceTree;

/// <summary>
/// The FDT reader on real blobs: QEMU virt DTBs extended with reserved-memory nodes (the arm64 oracle's e1/e2 boots)
/// and board DTBs from Debian's linux-image-6.1.0-56-arm64 package. Expected values were read off
/// <c>dtc -I dtb -O dts</c> and an independent Python walk of the structure block.
/// </summary>
public class DeviceTreeReaderTests
{
    internal static string Dtb(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "dtb", name);

    private static int CountNodes(DeviceTreeNode n) => n.Descendants().Count();

    private static int CountProperties(DeviceTreeNode n) => n.Descendants().Sum(d => d.Properties.Count);

    [Theory]
    [InlineData("bcm2711-rpi-4-b.dtb", 254, 886)]
    [InlineData("hi6220-hikey.dtb", 320, 1325)]
    [InlineData("imx8mp-evk.dtb", 196, 1119)]
    [InlineData("meson-g12b-a311d-khadas-vim3.dtb", 560, 1771)]
    [InlineData("qemu-virt-2g-e1-cma96m.dtb", 58, 228)]
    [InlineData("qemu-virt-2g-e2-pools.dtb", 61, 235)]
    public void EveryNodeAndPropertyIsRead(string file, int nodes, int properties)
    {
        FlattenedDeviceTree t = FlattenedDeviceTree.Load(Dtb(file));
        Assert.Equal(nodes, CountNodes(t.Root));
        Assert.Equal(properties, CountProperties(t.Root));
        Assert.Equal(17u, t.Header.Version);
        Assert.Equal(16u, t.Header.LastCompVersion);
    }

    [Fact]
    public void QemuVirtWithPoolsDecodesLikeDtc()
    {
        BootDeviceTree dt = BootDeviceTree.Load(Dtb("qemu-virt-2g-e2-pools.dtb"));
        Assert.Equal((2, 2), (dt.RootAddressCells, dt.RootSizeCells));
        Assert.Equal("linux,dummy-virt", dt.Model);
        DtMemoryRange m = Assert.Single(dt.Memory);
        Assert.Equal((0x40000000UL, 0x80000000UL, (int?)null), (m.Base, m.Size, m.Nid));
        Assert.Null(dt.Bootargs); // QEMU writes /chosen/bootargs itself at boot
        Assert.True(dt.ReservedMemoryRootValid);
        Assert.Equal(new[] { "linux,cma", "pool@60000000", "carveout@70000000", "dma@74000000" }, dt.ReservedMemory.Select(r => r.Name));

        ReservedMemoryNode cma = dt.ReservedMemory[0];
        Assert.True(cma.IsSharedDmaPool && cma.Reusable && cma.CmaDefault && !cma.NoMap);
        Assert.Equal(0x6000000UL, cma.Size);
        Assert.Equal(0x400000UL, cma.Alignment);
        Assert.Equal(new[] { new DtRange(0x40000000, 0x40000000) }, cma.AllocRanges);
        Assert.Null(cma.Reg);

        ReservedMemoryNode pool = dt.ReservedMemory[1];
        Assert.True(pool.Reusable && pool.IsSharedDmaPool && !pool.CmaDefault);
        Assert.Equal(new[] { new DtRange(0x60000000, 0x2000000) }, pool.Reg);

        ReservedMemoryNode carve = dt.ReservedMemory[2];
        Assert.True(carve.NoMap);
        Assert.Empty(carve.Compatible);
        Assert.Equal(new[] { new DtRange(0x70000000, 0x1000000) }, carve.Reg);

        ReservedMemoryNode dma = dt.ReservedMemory[3];
        Assert.True(dma.IsSharedDmaPool && !dma.Reusable && !dma.NoMap);
        Assert.Equal(new[] { new DtRange(0x74000000, 0x800000) }, dma.Reg);
        Assert.Equal(OfDmaRanges.PhysAddrMax, dt.MaxDmaCpuAddress);
    }

    [Fact]
    public void RaspberryPi4HasAThirtyBitDmaZoneAndASixtyFourMebibyteCmaPool()
    {
        BootDeviceTree dt = BootDeviceTree.Load(Dtb("bcm2711-rpi-4-b.dtb"));
        // root #address-cells 2, #size-cells 1: the cma size is one cell, alloc-ranges three cells per entry
        Assert.Equal((2, 1), (dt.RootAddressCells, dt.RootSizeCells));
        Assert.Empty(dt.Memory); // memory@0 reg = <0 0 0>: the firmware fills it in
        Assert.Equal(new[] { new FdtReserveEntry(0, 0x1000) }, dt.MemReserve);
        Assert.Equal(new[] { "linux,cma", "nvram@0" }, dt.ReservedMemory.Select(r => r.Name));
        Assert.False(dt.ReservedMemory[1].Available); // status = "disabled": skipped by fdt_scan_reserved_mem()
        ReservedMemoryNode cma = dt.ReservedMemory[0];
        Assert.Equal(64UL << 20, cma.Size);
        Assert.True(cma.Reusable && cma.CmaDefault);
        Assert.Equal(new[] { new DtRange(0, 0x40000000) }, cma.AllocRanges);
        // soc dma-ranges <0xc0000000 0x0 0x0 0x40000000>: bus 0xc0000000 is CPU 0x0, 1 GiB; emmc2bus the same;
        // PCIe reaches 3 GiB. The minimum, 0x3fffffff, gives zone_dma_bits = fls64() = 30.
        Assert.Equal(0x3fffffffUL, dt.MaxDmaCpuAddress);
    }

    [Fact]
    public void HikeyHasSixMemoryRangesAndAStaticRamoopsRegion()
    {
        BootDeviceTree dt = BootDeviceTree.Load(Dtb("hi6220-hikey.dtb"));
        Assert.Equal(
            new ulong[] { 0x0, 0x5f00000, 0x5f02000, 0x6e00000, 0x7410000, 0x22000000 },
            dt.Memory.Select(m => m.Base));
        Assert.Equal(
            new ulong[] { 0x5e00000, 0x1000, 0xefd000, 0x60f000, 0x1aaf0000, 0x1c000000 },
            dt.Memory.Select(m => m.Size));
        Assert.Equal(new[] { "ramoops@21f00000", "linux,cma" }, dt.ReservedMemory.Select(r => r.Name));
        Assert.Equal(new[] { new DtRange(0x21f00000, 0x100000) }, dt.ReservedMemory[0].Reg);
        Assert.Equal(128UL << 20, dt.ReservedMemory[1].Size);
        Assert.Null(dt.ReservedMemory[1].AllocRanges);
        Assert.Equal(OfDmaRanges.PhysAddrMax, dt.MaxDmaCpuAddress);
    }

    [Fact]
    public void KhadasVim3HasNoMapSecureMonitorsAndAnAlignedPool()
    {
        BootDeviceTree dt = BootDeviceTree.Load(Dtb("meson-g12b-a311d-khadas-vim3.dtb"));
        Assert.Equal(new DtMemoryRange(0, 0x80000000, null, false, "/memory@0"), Assert.Single(dt.Memory));
        Assert.Equal(new[] { true, true, false }, dt.ReservedMemory.Select(r => r.NoMap));
        Assert.Equal(new[] { new DtRange(0x5300000, 0x2000000) }, dt.ReservedMemory[1].Reg);
        Assert.Equal(256UL << 20, dt.ReservedMemory[2].Size);
        Assert.Equal(4UL << 20, dt.ReservedMemory[2].Alignment);
    }

    [Fact]
    public void Imx8mpEvkHasMemoryAboveFourGibAndOnlyEnabledUsbLimitsDma()
    {
        BootDeviceTree dt = BootDeviceTree.Load(Dtb("imx8mp-evk.dtb"));
        Assert.Equal(new[] { (0x40000000UL, 0xc0000000UL), (0x100000000UL, 0xc0000000UL) }, dt.Memory.Select(m => (m.Base, m.Size)));
        ReservedMemoryNode dsp = Assert.Single(dt.ReservedMemory);
        Assert.True(dsp.NoMap);
        Assert.Equal(0x52u, dsp.Phandle);
        // usb@32f10108 (status okay): dma-ranges <0x40000000 0x40000000 0xc0000000> → CPU end 0xffffffff;
        // usb@32f10100 has the same ranges but is disabled and not walked.
        Assert.Equal(0xffffffffUL, dt.MaxDmaCpuAddress);
    }

    [Fact]
    public void NodePathsAndCellsFollowTheParents()
    {
        FlattenedDeviceTree t = FlattenedDeviceTree.Load(Dtb("qemu-virt-2g-e2-pools.dtb"));
        DeviceTreeNode pool = t.Find("/reserved-memory/pool@60000000")!;
        Assert.Equal("/reserved-memory/pool@60000000", pool.Path);
        Assert.Equal("pool", pool.BaseName);
        Assert.Equal("60000000", pool.UnitAddress);
        Assert.Equal((2, 2), (pool.AddressCells, pool.SizeCells));
        Assert.Equal("/", t.Root.Path);
        Assert.NotNull(t.Find("/memory"));
    }
}
