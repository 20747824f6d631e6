using System.CommandLine;

namespace ZoneLab.Cli;

/// <summary><c>zonelab oracle</c>: the engine against real kernels (docs/oracle.md): <c>run</c> records, <c>compare</c> replays, <c>costs</c> reads the guest's timings.</summary>
internal static class OracleCommand
{
    public static Command Create()
    {
        var cmd = new Command("oracle", "Run workloads on a real kernel under QEMU and compare the engine with the recordings.");
        cmd.Subcommands.Add(OracleRunCommand.Create());
        cmd.Subcommands.Add(OracleCompareCommand.Create());
        cmd.Subcommands.Add(OracleCostsCommand.Create());
        return cmd;
    }
}
