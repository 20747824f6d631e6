namespace ZoneLab.Tests.Cli;

public class ProcCommandTests
{
    [Fact]
    public void FreshTwoGigabyteGuestBuddyinfoOfDma()
    {
        // DMA present [1,159) + [256,4096) = 3998 pages, managed 3840 (all below 1 MiB reserved; the model keeps
        // present - managed = 158 pages reserved at the zone's lowest pfns, i.e. all of [1,159)).
        // Free [256, 4096) in naturally aligned blocks: [256,512) order 8, [512,1024) order 9, then 3 × order 10.
        var (exit, stdout, _) = ZonelabProcess.Run("proc", "--mem", "2G", "--format", "buddyinfo");
        Assert.Equal(0, exit);
        string dma = stdout.Split('\n')[0];
        Assert.Equal("Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 ", dma);
    }

    [Fact]
    public void ACmaAreaOfTheBootIsInTheMachineProcPrints()
    {
        // The real guest: Debian's 6.1 built with CMA, 2 GiB, cma=128M. proc booted a machine without the CMA areas
        // the layout reserved, so it printed CmaTotal 0 and no CMA pageblocks; the kernel's own files say 131072 kB
        // and 64 blocks (128 MiB / 2 MiB pageblocks) in DMA32.
        string boot = Fixture("x86_64-cma-6.1", "e-2G-cma128M");
        string real = Fixture("procfs", "x86_64-oracle-cma-6.1__e-2G-cma128M");
        var (exit, meminfo, err) = ZonelabProcess.Run("proc", "--dmesg", Path.Combine(boot, "dmesg.txt"), "--kconfig", "cma-amd64", "--format", "meminfo");
        Assert.True(exit == 0, err);
        Assert.Equal(Line(File.ReadAllText(Path.Combine(boot, "meminfo.txt")), "CmaTotal:"), Line(meminfo, "CmaTotal:"));

        var (_, pagetypeinfo, _) = ZonelabProcess.Run("proc", "--dmesg", Path.Combine(boot, "dmesg.txt"), "--kconfig", "cma-amd64", "--format", "pagetypeinfo");
        Assert.Equal(CmaBlocks(File.ReadAllText(Path.Combine(real, "pagetypeinfo.txt")), "DMA32"), CmaBlocks(pagetypeinfo, "DMA32"));
        Assert.Equal(64, CmaBlocks(pagetypeinfo, "DMA32"));
    }

    [Fact]
    public void Arm64HasItsStockCmaArea()
    {
        // --arch is new for proc. Debian's arm64 6.1 under QEMU virt, 4 GiB, movablecore=1G: the kernel's zoneinfo
        // gives DMA cma 16384 (the 64 MiB default area) and Movable cma 0.
        string real = Fixture("arm64-6.1", "c-4G-movablecore1G");
        var (exit, zoneinfo, err) = ZonelabProcess.Run("proc", "--arch", "arm64", "--mem", "4G", "--", "movablecore=1G");
        Assert.True(exit == 0, err);
        Assert.Equal(ZoneCma(File.ReadAllText(Path.Combine(real, "zoneinfo.txt"))), ZoneCma(zoneinfo));
        Assert.Equal(16384, ZoneCma(zoneinfo)["DMA"]);
    }

    [Fact]
    public void AKernelWithoutCmaHasNoCmaLines()
    {
        // Debian's amd64 kernel is built without CONFIG_CMA: its /proc/meminfo has no CmaTotal line (the real file)
        string real = File.ReadAllText(Path.Combine(Fixture("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m"), "meminfo.txt"));
        Assert.DoesNotContain("CmaTotal", real, StringComparison.Ordinal);
        var (exit, meminfo, _) = ZonelabProcess.Run("proc", "--mem", "4G", "--format", "meminfo");
        Assert.Equal(0, exit);
        Assert.DoesNotContain("CmaTotal", meminfo, StringComparison.Ordinal);
    }

    [Fact]
    public void DesignAppliesToADevicesState()
    {
        // --design was read only without --from: a device's state under zone-cma printed the device's own machine.
        // ZONE_CMA puts the device's CMA area in a zone of its own: CmaTotal 65536 kB of the snapshot's meminfo is 32
        // pageblocks of 2 MiB, all in the CMA zone
        string snap = Fixture("snapshot", Path.Combine("arm64-6.1-768M-cma64M", "s1"));
        long cmaKb = long.Parse(Line(File.ReadAllText(Path.Combine(snap, "meminfo")), "CmaTotal:").Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        var (exit, zoneCma, err) = ZonelabProcess.Run("proc", "--from", snap, "--design", "zone-cma", "--format", "pagetypeinfo");
        Assert.True(exit == 0, err);
        string[] row = Line(zoneCma, "Node 0, zone      CMA  ").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cmaKb / 2048, row.Skip(4).Sum(v => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture)));

        var (_, mainline, _) = ZonelabProcess.Run("proc", "--from", snap, "--format", "pagetypeinfo");
        Assert.DoesNotContain("zone      CMA", mainline, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--mem", "4G")]
    [InlineData("--arch", "x86_64")]
    [InlineData("--", "movablecore=1G")]
    public void AMachineBesideASnapshotIsRefused(string option, string value)
    {
        // the snapshot is the machine: a size, an architecture or a command line beside it was silently ignored
        string snap = Fixture("snapshot", Path.Combine("arm64-6.1-768M-cma64M", "s1"));
        var (exit, stdout, stderr) = ZonelabProcess.Run("proc", "--from", snap, "--format", "buddyinfo", option, value);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("zonelab: --from: the snapshot is the machine; ", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    private static string Fixture(string set, string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", set, name);

    private static string Line(string text, string prefix) => text.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));

    // "Node 0, zone    DMA32   0   952   0   0   64   0": the CMA column of "Number of blocks type"
    private static int CmaBlocks(string pagetypeinfo, string zone)
    {
        string[] lines = pagetypeinfo.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("Number of blocks type", StringComparison.Ordinal));
        // "Number of blocks type" and "Node 0, zone DMA32" are both four words before the columns
        int column = Array.IndexOf(lines[header].Split(' ', StringSplitOptions.RemoveEmptyEntries), "CMA");
        string row = lines.Skip(header + 1).First(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, _, var z, ..] && z == zone);
        return int.Parse(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[column], System.Globalization.CultureInfo.InvariantCulture);
    }

    // zone name -> its "cma" line in /proc/zoneinfo, for zones that have pages
    private static Dictionary<string, long> ZoneCma(string zoneinfo)
    {
        var result = new Dictionary<string, long>();
        string? zone = null;
        foreach (string l in zoneinfo.Split('\n'))
        {
            string[] f = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f is ["Node", _, "zone", var z])
            {
                zone = z;
            }
            else if (f is ["cma", var v] && zone != null && long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) is var n && (n > 0 || !result.ContainsKey(zone)))
            {
                result[zone] = n;
            }
        }
        return result;
    }

    [Fact]
    public void BadKernelVersionIsAOneLineError()
    {
        var (exit, _, stderr) = ZonelabProcess.Run("proc", "--mem", "2G", "--kernel", "banana");
        Assert.Equal(2, exit);
        Assert.Contains("--kernel: 'banana' is not a kernel version", stderr);
    }
}
