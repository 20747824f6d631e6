using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// The version- and build-dependent parts of the boot log: memoryless nodes in each kernel era, ZONE_DEVICE from the
/// kernel configuration, "pages in unavailable ranges" placement, and a CONFIG_CMA kernel recognised from its log.
/// The expected lines follow the kernel source of each version (free_area_init(), free_area_init_node(),
/// memmap_init(), mem_init_print_info()) worked by hand on the real logs of Fixtures/real-x86.
/// </summary>
public class BootLogVersionTests
{
    private static string[] RealLog(string name) => File.ReadAllLines(FixturePath.Get("real-x86", name, "dmesg.txt"));

    // The same machine and firmware tables, as a kernel of another version would have logged them.
    private static BootLayout AsVersion(string name, string version)
    {
        string[] lines = RealLog(name);
        int at = Array.FindIndex(lines, l => l.Contains("] Linux version ", StringComparison.Ordinal));
        lines[at] = $"[    0.000000] Linux version {version} (test) #1 SMP";
        MachineDescription m = DmesgReader.Read(lines, name);
        return new LayoutBuilder().FromMachine(m).Build();
    }

    private static List<string> InitmemLines(BootLayout l) =>
        RealBootLogLines.Parse(LayoutDmesgWriter.Write(l).Split('\n')).Initmem.ToList();

    [Fact]
    public void CpuOnlySratNodesAreMemorylessInTheLate4xStyle()
    {
        // 5.0: init_cpu_to_node() → init_memory_less_node() for SRAT nodes 1 and 3 (CPUs, no memory), after smpboot.
        BootLayout l = AsVersion("hpe-dl325-epyc-5.0-memoryless", "5.0.15-1-amd64");
        Assert.Equal(new[] { new MemorylessNode(1, true), new MemorylessNode(3, true) }, l.MemorylessNodes);
        Assert.Equal(new[]
        {
            "Initmem setup node 0 [mem 0x0000000000001000-0x000000087fffffff]",
            "Initmem setup node 2 [mem 0x0000000880000000-0x000000107f1fffff]",
            "Initmem setup node 1 [mem 0x0000000000000000-0x0000000000000000]",
            "On node 1 totalpages: 0",
            "Initmem setup node 3 [mem 0x0000000000000000-0x0000000000000000]",
            "On node 3 totalpages: 0",
        }, InitmemLines(l));
    }

    [Fact]
    public void MemorylessNodesAreInitialisedInNodeOrderFrom517()
    {
        // 6.1 free_area_init(): for_each_node(nid) { if (!node_online(nid)) { pr_info("Initializing node %d as
        // memoryless"); ... free_area_init_node() → "Initmem setup node %d as memoryless" } ... }
        BootLayout l = AsVersion("hpe-dl325-epyc-5.0-memoryless", "6.1.0-13-amd64");
        Assert.Equal(new[]
        {
            "Initmem setup node 0 [mem 0x0000000000001000-0x000000087fffffff]",
            "Initializing node 1 as memoryless",
            "Initmem setup node 1 as memoryless",
            "Initmem setup node 2 [mem 0x0000000880000000-0x000000107f1fffff]",
            "Initializing node 3 as memoryless",
            "Initmem setup node 3 as memoryless",
        }, InitmemLines(l));
    }

    [Fact]
    public void From67OnlyTheInitmemLineNamesAMemorylessNode()
    {
        BootLayout l = AsVersion("hpe-dl325-epyc-5.0-memoryless", "6.8.0-31-generic");
        Assert.DoesNotContain(InitmemLines(l), x => x.StartsWith("Initializing", StringComparison.Ordinal));
        Assert.Contains("Initmem setup node 3 as memoryless", InitmemLines(l));
    }

    [Fact]
    public void Before40NoMemorylessNodeIsSetUpAtBoot()
    {
        // 3.9 with mem=1G: SRAT nodes 2 and 3 lose their memory, nothing is printed for them.
        BootLayout l = new LayoutBuilder().FromDmesg(FixturePath.Get("real-x86", "amd-warthog-3.9-mem1G-4node", "dmesg.txt")).Build();
        Assert.Equal(new[] { 2, 3 }, l.MemorylessNodes.Select(m => m.Nid));
        Assert.Equal(2, InitmemLines(l).Count);
    }

    [Fact]
    public void UnavailableRangesFollowEachNodeBefore515()
    {
        // 5.12-5.14: memmap_init() runs inside free_area_init_node(), so each node's lines follow its Initmem line.
        BootLayout l = AsVersion("hpe-dl325-epyc-5.0-memoryless", "5.13.0-52-generic");
        string[] lines = LayoutDmesgWriter.Write(l).Split('\n');
        int node2 = Array.IndexOf(lines, "Initmem setup node 2 [mem 0x0000000880000000-0x000000107f1fffff]");
        int lastNode0 = Array.FindLastIndex(lines, x => x.StartsWith("On node 0, zone", StringComparison.Ordinal));
        int firstNode2 = Array.FindIndex(lines, x => x.StartsWith("On node 2, zone", StringComparison.Ordinal));
        Assert.True(lastNode0 > 0 && lastNode0 < node2 && firstNode2 > node2, string.Join('\n', lines));

        // 6.1: one memmap_init() after every node.
        string[] v61 = LayoutDmesgWriter.Write(AsVersion("hpe-dl325-epyc-5.0-memoryless", "6.1.0-13-amd64")).Split('\n');
        int n2 = Array.IndexOf(v61, "Initmem setup node 2 [mem 0x0000000880000000-0x000000107f1fffff]");
        Assert.True(Array.FindIndex(v61, x => x.StartsWith("On node 0, zone", StringComparison.Ordinal)) > n2);
    }

    [Fact]
    public void Before512NoUnavailableRangeLines()
    {
        Assert.DoesNotContain("unavailable ranges", LayoutDmesgWriter.Write(AsVersion("thinkpad-t14-7.1-efi", "5.11.0")));
        Assert.Contains("On node 0, zone DMA32: 22168 pages in unavailable ranges", LayoutDmesgWriter.Write(AsVersion("thinkpad-t14-7.1-efi", "5.12.0")));
    }

    [Fact]
    public void ZoneDeviceIsPartOfTheKernelConfiguration()
    {
        string with = LayoutDmesgWriter.Write(new LayoutBuilder().FromQemu(2UL << 30).Build());
        Assert.Contains("  Device   empty\n", with);
        string without = LayoutDmesgWriter.Write(new LayoutBuilder().FromQemu(2UL << 30)
            .WithKernelConfig(KernelConfig.DebianAmd64 with { ZoneDevice = false }).Build());
        Assert.DoesNotContain("Device", without);
    }

    [Fact]
    public void ZoneDeviceFromADotConfig()
    {
        string dir = Directory.CreateTempSubdirectory("zl-kconfig").FullName;
        try
        {
            string path = Path.Combine(dir, ".config");
            File.WriteAllText(path, "CONFIG_CMA=y\n# CONFIG_ZONE_DEVICE is not set\n");
            KernelConfig c = KernelConfig.FromDotConfig(path, KernelConfig.DebianAmd64);
            Assert.False(c.ZoneDevice);
            BootLayout l = new LayoutBuilder().FromQemu(2UL << 30).WithKernelConfig(c).Build();
            Assert.DoesNotContain(ZoneType.Device, l.ZoneTypesConfigured);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TheLogsOwnZoneLinesWinOverTheConfiguration()
    {
        // 5.11 on the X4600 prints no "Device" line: its kernel has no ZONE_DEVICE, whatever --kconfig guesses.
        BootLayout l = new LayoutBuilder().FromDmesg(FixturePath.Get("real-x86", "sun-x4600m2-5.11-8node", "dmesg.txt"))
            .WithKernelConfig(KernelConfig.DebianAmd64).Build();
        Assert.DoesNotContain(ZoneType.Device, l.ZoneTypesConfigured);
    }

    [Fact]
    public void ACmaKernelIsRecognisedFromItsLog()
    {
        // The real oracle boot with cma=128M prints "131072K cma-reserved" and "cma: Reserved 128 MiB at
        // 0x0000000077e00000": without --kconfig the model must still reserve the area where that kernel did.
        BootLayout cma = new LayoutBuilder().FromDmesg(FixturePath.Get("x86_64-cma-6.1", "e-2G-cma128M", "dmesg.txt")).Build();
        Assert.True(cma.Config!.Cma);
        ZoneLab.Layout.CmaArea area = Assert.Single(cma.CmaAreas);
        Assert.Equal(0x77e00000UL, area.Base);
        Assert.Equal(128UL << 20, area.Size);

        // Debian's stock kernel prints "0K cma-reserved" without CONFIG_CMA: that proves nothing, stay without CMA.
        BootLayout stock = new LayoutBuilder().FromDmesg(FixturePath.Get("x86_64-6.1", "x01-pc-2g-plain", "dmesg.txt")).Build();
        Assert.False(stock.Config!.Cma);
    }

    [Fact]
    public void ReaderTakesTheLogsFacts()
    {
        MachineDescription m = DmesgReader.Read(RealLog("hpe-dl325-epyc-5.0-memoryless"), "hpe");
        Assert.Equal(new Version(5, 0, 15), m.KernelVersion); // "5.0.0-1+reiser4.0.2-amd64 ... Debian 5.0.15-1+reiser4.0.2": the stable release from the banner
        Assert.Equal(new[] { 0, 1, 2, 3 }, m.SratCpuNodes);
        Assert.Equal(new[] { "DMA", "DMA32", "Normal", "Device" }, m.LogZoneNames);
        Assert.Null(m.LogSaysCma);

        MachineDescription t = DmesgReader.Read(RealLog("thinkpad-t14-7.1-efi"), "t14");
        Assert.Equal(10, t.FirmwareE820.Entries.Count); // 12 lines, 2 of them "[gap ...]"
        // trim_bios_range()'s first page is read; the update printed after NUMA setup no longer changes memblock
        Assert.Equal(new[] { (0UL, 0x1000UL) }, t.E820RamToReserved);

        MachineDescription c = DmesgReader.Read(RealLog("clevo-p65x-3.16-efi-crashkernel"), "clevo");
        Assert.Contains((0x93000000UL, 0x100000000UL), c.E820RamToReserved);
    }
}
