namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab layout --format iomem</c> end to end (issue 13 item 9).</summary>
public class LayoutIomemCommandTests
{
    [Fact]
    public void X86PcWithNokaslrPrintsE820AndTheKernelImage()
    {
        // QEMU pc 2 GiB e820: [0, 0x9fc00) RAM, [0x9fc00, 0xa0000) reserved, [0xf0000, 0x100000) reserved,
        // [0x100000, 0x7ffe0000) RAM, [0x7ffe0000, 0x80000000) reserved, [0xfffc0000, 0x100000000) reserved;
        // trim_bios_range() makes the first page reserved. Debian 6.1.0-56-amd64's image at 16 MiB (nokaslr).
        var (exit, stdout, stderr) = ZonelabProcess.Run("layout", "--mem", "2G", "--format", "iomem", "--", "nokaslr");
        Assert.Equal(0, exit);
        Assert.StartsWith(
            "00000000-00000fff : Reserved\n00001000-0009fbff : System RAM\n0009fc00-0009ffff : Reserved\n", stdout);
        Assert.Contains("00100000-7ffdffff : System RAM\n  01000000-01e01d31 : Kernel code\n  02000000-028eafff : Kernel rodata\n"
            + "  02a00000-02c4897f : Kernel data\n  03310000-043fffff : Kernel bss\n7ffe0000-7fffffff : Reserved\n", stdout);
        Assert.Contains("zonelab: iomem: PCI bus windows", stderr);
    }

    [Fact]
    public void CarveoutDesignSplitsSystemRamOnArm64()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--arch", "arm64", "--mem", "2G", "--design", "carveout", "--format", "iomem", "--", "cma=64M@0x80000000");
        Assert.Equal(0, exit);
        string[] top = stdout.Split('\n').Where(l => l.Length > 0 && l[0] != ' ').ToArray();
        Assert.Equal(["40000000-7fffffff : System RAM", "80000000-83ffffff : reserved", "84000000-bfffffff : System RAM"], top);
    }

    [Fact]
    public void IomemIsAListedFormat()
    {
        var (exit, _, stderr) = ZonelabProcess.Run("layout", "--mem", "1G", "--format", "iomemx");
        Assert.Equal(2, exit);
        Assert.Contains("iomem", stderr);
    }
}
