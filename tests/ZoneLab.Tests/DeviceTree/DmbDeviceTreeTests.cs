using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Layout.DeviceTree;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.DeviceTree;

/// <summary>
/// The DMB series' device-tree form (<c>designated-movable-block</c> reserved-memory nodes, rmem_dmb_setup) against
/// its command-line form <c>movablecore=size@base</c> on the same QEMU virt 2 GiB machine (fixtures in
/// Fixtures/dtb/qemu-virt-2g-dmb-dt.md).
/// </summary>
public class DmbDeviceTreeTests
{
    private static readonly KernelFeatures s_dmb = new() { DesignatedMovableBlocks = true };

    private static BootLayout Build(string dtb, string cmdline = "", KernelFeatures? features = null) =>
        new LayoutBuilder().ForArm64(null, null, DeviceTreeReaderTests.Dtb(dtb)).WithCommandLine(cmdline).WithFeatures(features ?? s_dmb).Build();

    [Fact]
    public void TheDeviceTreeFormGivesTheCommandLineFormsLayout()
    {
        BootLayout dt = Build("qemu-virt-2g-dmb-dt.dtb");
        BootLayout cl = Build("qemu-virt-2g-e1-cma96m.dtb", "movablecore=32M@0x60000000,64M@0xa0000000");
        // by hand: DMB0 [0x60000, 0x62000) and DMB1 [0xa0000, 0xa4000) are MEMBLOCK_MOVABLE in both; ZONE_MOVABLE
        // spans [0x60000, 0xa4000) with 8192 + 16384 = 24576 present pages
        foreach (BootLayout l in new[] { dt, cl })
        {
            ZoneLayout movable = l.Nodes[0].Zone(ZoneType.Movable)!;
            Assert.Equal((0x60000UL, 0xa4000UL, 24576UL), (movable.StartPfn, movable.EndPfn, movable.Present));
            Assert.Equal([new PfnRange(0x60000, 0x62000), new PfnRange(0xa0000, 0xa4000)], DesignZones.Dmbs(l));
        }

        Assert.Equal(cl.MemoryBlocks.Select(b => (b.Index, b.ValidZones, b.Zone)), dt.MemoryBlocks.Select(b => (b.Index, b.ValidZones, b.Zone)));
        Assert.Equal(cl.AllZones.Select(z => (z.Type, z.StartPfn, z.Spanned, z.Present)), dt.AllZones.Select(z => (z.Type, z.StartPfn, z.Spanned, z.Present)));
        string log = LayoutDmesgWriter.Write(dt);
        Assert.Contains("Reserved memory: created DMB at 0x0000000060000000, size 32 MiB", log);
        Assert.Contains("OF: reserved mem: initialized node DMB1@a0000000, compatible id designated-movable-block", log);
    }

    [Fact]
    public void BlocksInsideTheMovableSpanHaveNoValidZoneInBothForms()
    {
        // 128 MiB blocks: memory12 = [0x60000, 0x68000) ... memory20 = [0xa0000, 0xa8000) intersect both the DMA span
        // [0x40000, 0xc0000) and the ZONE_MOVABLE span: early_node_zone_for_memory_block() gives none
        foreach (BootLayout l in new[] { Build("qemu-virt-2g-dmb-dt.dtb"), Build("qemu-virt-2g-e1-cma96m.dtb", "movablecore=32M@0x60000000,64M@0xa0000000") })
        {
            Assert.All(l.MemoryBlocks.Where(b => b.Index is >= 12 and <= 20), b => Assert.Equal("none", b.ValidZones));
            Assert.All(l.MemoryBlocks.Where(b => b.Index is < 12 or > 20), b => Assert.Equal("DMA", b.ValidZones));
        }
    }

    [Fact]
    public void TheDmbDesignAgreesForDeviceTreeCmaPoolsAndCommandLineDmbs()
    {
        // the dmb design makes the reusable shared-dma-pool pool@60000000 (32 MiB) and linux,cma (96 MiB at 0x7a000000)
        // DMBs; movablecore=32M@0x60000000 plus the same linux,cma must give the same memory blocks: ZONE_MOVABLE spans
        // [0x60000, 0x80000), so memory12-15 intersect two zone spans (none), the rest is DMA
        BootLayout pools = DesignRegistry.For(DesignKind.Dmb).Layout(Build("qemu-virt-2g-e2-pools.dtb"));
        BootLayout cmd = DesignRegistry.For(DesignKind.Dmb).Layout(Build("qemu-virt-2g-e1-cma96m.dtb", "movablecore=32M@0x60000000"));
        foreach (BootLayout l in new[] { pools, cmd })
        {
            Assert.Equal(["DMA", "DMA", "DMA", "DMA", "none", "none", "none", "none"], l.MemoryBlocks.Where(b => b.Index <= 15).Select(b => b.ValidZones));
            Assert.All(l.MemoryBlocks.Where(b => b.Index > 15), b => Assert.Equal("DMA", b.ValidZones));
        }
    }

    [Fact]
    public void MisalignedOrNotReusableNodesAreRefusedAndGivenBack()
    {
        BootLayout l = Build("qemu-virt-2g-dmb-dt-bad.dtb");
        string log = LayoutDmesgWriter.Write(l);
        // DMB0 at 0x60200000: 2 MiB aligned, rmem_dmb_setup wants 4 MiB; DMB1 lacks reusable: -EINVAL, silent
        Assert.Contains("Reserved memory: incorrect alignment of DMB region", log);
        Assert.Contains("OF: reserved mem: node DMB0@60200000 compatible matching fail", log);
        Assert.Contains("OF: reserved mem: node DMB1@a0000000 compatible matching fail", log);
        Assert.Empty(DesignZones.Dmbs(l));
        Assert.Equal(0UL, l.Nodes[0].Zone(ZoneType.Movable)!.Present);
        Assert.All(l.ReservedMemory.Where(r => r.Name.StartsWith("DMB", StringComparison.Ordinal)), r => Assert.Equal(ReservedMemoryOutcome.Released, r.Outcome));
    }

    [Fact]
    public void AMainlineKernelHasNoDmbDriverAndKeepsTheRegionsReserved()
    {
        BootLayout l = Build("qemu-virt-2g-dmb-dt.dtb", features: KernelFeatures.Mainline);
        Assert.Empty(DesignZones.Dmbs(l));
        Assert.Equal(0UL, l.Nodes[0].Zone(ZoneType.Movable)!.Present);
        Assert.Contains(l.ReservedMemory, r => r.Name == "DMB0@60000000" && r.Outcome == ReservedMemoryOutcome.Reserved);
    }
}
