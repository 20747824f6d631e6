using ZoneLab.Layout;
using ZoneLab.Layout.DeviceTree;
using ZoneLab.Procfs;
using ZoneLab.Tests.DeviceTree;

namespace ZoneLab.Tests.Arm64;

/// <summary>
/// Layouts of real board device trees from Debian's arm64 kernel package, with values derived by hand from the
/// DTB (dtc output) and arch/arm64/mm/init.c's zone rules.
/// </summary>
public class BoardLayoutTests
{
    private const ulong M = 1UL << 20;

    private static BootLayout Board(string dtb, ulong? ram = null, string cmdline = "") =>
        new LayoutBuilder().ForArm64(ram, null, DeviceTreeReaderTests.Dtb(dtb)).WithCommandLine(cmdline).Build();

    [Fact]
    public void RaspberryPi4HasADma32ZoneAboveItsThirtyBitDmaZone()
    {
        // memory@0 (reg filled in by the firmware) given 4 GiB; dma-ranges → zone_dma_bits 30:
        // ZONE_DMA [0, 1 GiB), ZONE_DMA32 [1 GiB, 4 GiB); linux,cma (64 MiB, alloc-ranges [0, 1 GiB)) at the top of the first GiB.
        BootLayout l = Board("bcm2711-rpi-4-b.dtb", 4UL << 30);
        NodeLayout n = Assert.Single(l.Nodes);
        Assert.Equal((0UL, 0x40000UL), (n.Zone(ZoneType.Dma)!.StartPfn, n.Zone(ZoneType.Dma)!.Spanned));
        Assert.Equal((0x40000UL, 0xc0000UL), (n.Zone(ZoneType.Dma32)!.StartPfn, n.Zone(ZoneType.Dma32)!.Spanned));
        Assert.Equal(0UL, n.Zone(ZoneType.Normal)!.Spanned);
        CmaArea a = Assert.Single(l.CmaAreas);
        Assert.Equal(("linux,cma", 0x3c000000UL, 64 * M, ZoneType.Dma), (a.Name, a.Base, a.Size, a.Zone!.Value));
        Assert.Equal(16384UL, n.Zone(ZoneType.Dma)!.CmaPages);
        Assert.Contains("Reserved memory: created CMA memory pool at 0x000000003c000000, size 64 MiB", LayoutDmesgWriter.Write(l));
    }

    [Fact]
    public void RaspberryPi4WithoutASizeNeedsOne()
    {
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => Board("bcm2711-rpi-4-b.dtb"));
        Assert.Contains("give the RAM size with --mem", e.Message);
    }

    [Fact]
    public void HikeyUsesItsOwnSixMemoryRangesAndItsPoolBecomesTheDefaultArea()
    {
        BootLayout l = Board("hi6220-hikey.dtb");
        ulong bytes = 0x5e00000UL + 0x1000 + 0xefd000 + 0x60f000 + 0x1aaf0000 + 0x1c000000;
        ZoneLayout dma = l.Nodes[0].Zone(ZoneType.Dma)!;
        Assert.Equal((0UL, 0x3e000UL, bytes >> 12), (dma.StartPfn, dma.Spanned, dma.Present));
        // 128 MiB, no alloc-ranges: top-down from the end of RAM (0x3e000000); the DT pool replaces the 64 MiB default
        CmaArea a = Assert.Single(l.CmaAreas);
        Assert.Equal(("linux,cma", 0x36000000UL), (a.Name, a.Base));
        Assert.Equal(ReservedMemoryOutcome.Reserved, l.ReservedMemory.Single(r => r.Name == "ramoops@21f00000").Outcome);
        // the holes between ranges below the end of the last section are initialised as reserved pages
        Assert.Contains(l.UnavailableRanges, u => u.Zone == ZoneType.Dma);
    }

    [Fact]
    public void KhadasVim3NoMapRegionsArePresentButSplitTheMemoryRanges()
    {
        BootLayout l = Board("meson-g12b-a311d-khadas-vim3.dtb");
        // secmon@5000000 (3 MiB) and secmon@5300000 (32 MiB) are adjacent no-map regions: one nomap memblock region
        Assert.Equal(new[] { (0UL, 0x5000UL), (0x5000UL, 0x7300UL), (0x7300UL, 0x80000UL) }, l.Memblock.Select(r => (r.StartPfn, r.EndPfn)));
        Assert.Equal(0x80000UL, l.Nodes[0].Zone(ZoneType.Dma)!.Present);
        // linux,cma 256 MiB aligned 4 MiB, anywhere: 0x80000000 - 256 MiB
        Assert.Equal(0x70000000UL, Assert.Single(l.CmaAreas).Base);
    }

    [Fact]
    public void Imx8mpEvkKeepsTheDefaultAreaBelowFourGib()
    {
        // 3 GiB at 1 GiB and 3 GiB at 4 GiB; dma-ranges end at 0xffffffff → ZONE_DMA is everything below 4 GiB,
        // ZONE_DMA32 is empty, ZONE_NORMAL the upper 3 GiB; the 64 MiB default area sits just below 4 GiB.
        BootLayout l = Board("imx8mp-evk.dtb");
        NodeLayout n = l.Nodes[0];
        Assert.Equal((0x40000UL, 0xc0000UL), (n.Zone(ZoneType.Dma)!.StartPfn, n.Zone(ZoneType.Dma)!.Spanned));
        Assert.Equal(0UL, n.Zone(ZoneType.Dma32)!.Spanned);
        Assert.Equal((0x100000UL, 0xc0000UL), (n.Zone(ZoneType.Normal)!.StartPfn, n.Zone(ZoneType.Normal)!.Spanned));
        CmaArea a = Assert.Single(l.CmaAreas);
        Assert.Equal(("reserved", 0xfc000000UL, ZoneType.Dma), (a.Name, a.Base, a.Zone!.Value));
    }

    [Fact]
    public void MemLimitsTheFirstBytesOfRam()
    {
        BootLayout l = new LayoutBuilder().ForArm64(2UL << 30).WithCommandLine("mem=1536M").Build();
        Assert.Equal(0x40000UL + (1536UL << 8), l.Memblock[^1].EndPfn);
        Assert.Contains("Memory limited to 1536MB", LayoutDmesgWriter.Write(l));
    }

    [Fact]
    public void NumaOffFakesOneNode()
    {
        BootLayout l = new LayoutBuilder().ForArm64(4UL << 30, new ulong[] { 2UL << 30, 2UL << 30 }).WithCommandLine("numa=off").Build();
        Assert.Single(l.Nodes);
        Assert.Contains("NUMA: NUMA disabled", LayoutDmesgWriter.Write(l));
    }
}
