namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab hotplug</c> end to end: steps run in command-line order with the kernel's results.</summary>
public class HotplugCommandTests
{
    [Fact]
    public void StepsRunInOrderAndPrintValidZones()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("hotplug", "--mem", "2G", "--offline", "12", "--offline", "0", "--online-kernel", "12", "--", "movablecore=512M");
        Assert.Equal(0, exit);
        int a = stdout.IndexOf("== echo offline > memory12/state  (before: valid_zones=Movable)", StringComparison.Ordinal);
        int b = stdout.IndexOf("== echo offline > memory0/state  (before: valid_zones=none)", StringComparison.Ordinal);
        int c = stdout.IndexOf("== echo online_kernel > memory12/state  (before: valid_zones=Normal Movable)", StringComparison.Ordinal);
        Assert.True(a >= 0 && b > a && c > b, stdout);
        Assert.Contains("sh: write error: Invalid argument", stdout);
        Assert.Contains("after: state=online valid_zones=Normal", stdout);
        Assert.Contains("memory12 phys_index=0x0000000c state=online node=0 valid_zones=Normal removable=1", stdout);
    }
}
