namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab hotplug</c> end to end: steps run in command-line order with the kernel's results.</summary>
public class HotplugCommandTests
{
    [Fact]
    public void StepsRunInOrderAndPrintValidZones()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("hotplug", "--mem", "2G", "--offline", "12", "--offline", "0", "--online-kernel", "12", "--", "movablecore=512M");
        // memory0 spans DMA and DMA32 (offline_pages: -EINVAL across zones), so like the shell script it exits 1
        Assert.Equal(1, exit);
        int a = stdout.IndexOf("== echo offline > memory12/state  (before: valid_zones=Movable)", StringComparison.Ordinal);
        int b = stdout.IndexOf("== echo offline > memory0/state  (before: valid_zones=none)", StringComparison.Ordinal);
        int c = stdout.IndexOf("== echo online_kernel > memory12/state  (before: valid_zones=Normal Movable)", StringComparison.Ordinal);
        Assert.True(a >= 0 && b > a && c > b, stdout);
        Assert.Contains("sh: write error: Invalid argument", stdout);
        Assert.Contains("after: state=online valid_zones=Normal", stdout);
        Assert.Contains("memory12 phys_index=0x0000000c state=online node=0 valid_zones=Normal removable=1", stdout);
    }

    [Fact]
    public void AllStepsSucceedingExitsZero()
    {
        // block 12 ([0x60000, 0x68000), 1536-1664 MiB) is all ZONE_MOVABLE with movablecore=512M and holds nothing at boot
        var (exit, stdout, _) = ZonelabProcess.Run("hotplug", "--quiet", "--mem", "2G", "--offline", "12", "--", "movablecore=512M");
        Assert.Equal(0, exit);
        Assert.Contains("result: OK", stdout);
    }

    [Fact]
    public void ABlockThatDoesNotExistIsAnInputError()
    {
        // a 2 GiB pc guest has blocks 0..15 (128 MiB each); there is no memory999 to write to
        var (exit, _, stderr) = ZonelabProcess.Run("hotplug", "--mem", "2G", "--offline", "999");
        Assert.Equal(2, exit);
        Assert.Contains("memory999 does not exist (this machine has memory0..memory15)", stderr);
    }
}
