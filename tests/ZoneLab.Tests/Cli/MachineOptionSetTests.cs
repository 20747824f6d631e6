using System.CommandLine;
using ZoneLab.Cli;
using ZoneLab.Tests.Robustness;

namespace ZoneLab.Tests.Cli;

/// <summary>The machine options are declared once (MachineOptionSet): the same name, help and errors in every command.</summary>
public class MachineOptionSetTests
{
    private static readonly string[] s_machineOptions = ["--dmesg", "--mem", "--numa", "--machine", "--arch", "--dtb", "--kconfig", "--zoneinfo"];

    [Fact]
    public void EveryCommandDescribesAMachineOptionTheSameWay()
    {
        // replay's --mem (a 1G default) and --cmdline (added to the traced command line) say how they differ; the rest agree
        var byName = new Dictionary<string, HashSet<string>>();
        foreach (Command c in ZonelabMain.CreateRoot().Subcommands.Where(c => c.Name is "layout" or "proc" or "hotplug" or "replay"))
        {
            foreach (Option o in c.Options.Where(o => s_machineOptions.Contains(o.Name) && !(c.Name == "replay" && o.Name == "--mem")))
            {
                (byName.TryGetValue(o.Name, out var set) ? set : byName[o.Name] = []).Add(o.Description ?? "");
            }
        }
        Assert.Equal(s_machineOptions.Order(StringComparer.Ordinal), byName.Keys.Order(StringComparer.Ordinal));
        Assert.All(byName, kv => Assert.Single(kv.Value));
    }

    [Theory]
    [InlineData("layout")]
    [InlineData("proc")]
    [InlineData("hotplug")]
    public void AMissingBootLogIsOneLocatedLine(string command)
    {
        InProcessResult r = RobustFiles.Run(command, "--dmesg", "/nonexistent/boot.log");
        Assert.Equal(2, r.Exit);
        Assert.Equal("zonelab: /nonexistent/boot.log: file not found\n", r.Err);
    }

    [Fact]
    public void Aarch64IsArm64()
    {
        // uname -m's name for arm64: the same QEMU virt machine (2 GiB at 0x40000000 → 524288 pages)
        InProcessResult a = RobustFiles.Run("layout", "--arch", "aarch64", "--mem", "2G", "--format", "json");
        InProcessResult b = RobustFiles.Run("layout", "--arch", "arm64", "--mem", "2G", "--format", "json");
        Assert.Equal(0, a.Exit);
        Assert.Equal(b.Out, a.Out);
    }

    [Fact]
    public void ADesignIsParsedOnceForEveryCommand()
    {
        InProcessResult r = RobustFiles.Run("layout", "--mem", "2G", "--design", "zone_cma");
        Assert.Equal(2, r.Exit);
        Assert.StartsWith("zonelab: --design: 'zone_cma' is not a design; expected one of migrate-cma, zone-cma", r.Err, StringComparison.Ordinal);
        Assert.Equal(0, RobustFiles.Run("layout", "--mem", "2G", "--design", "mainline", "--format", "json").Exit);
    }
}
