using System.Diagnostics;
using ZoneLab.Tests.Oracle;

namespace ZoneLab.Tests.Cluster;

/// <summary>
/// Runs tests/cluster/slurm-one-node.sh: a one-node Slurm cluster made on this machine runs a sweep as a job array of
/// 4 tasks, and a task killed with SIGKILL and resubmitted; the merged rows must equal the single-process rows. Runs when
/// ZONELAB_LIVE_SLURM=1 (.ci/run sets it) as root; skipped when Slurm or munge cannot be installed or started.
/// </summary>
public class LiveSlurmTests
{
    [SkippableFact]
    public void SweepAsAJobArrayMergesToTheSingleProcessRows()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("ZONELAB_LIVE_SLURM") == "1", "set ZONELAB_LIVE_SLURM=1 to start a one-node Slurm cluster");
        string? script = RepoFiles.Find("tests/cluster/slurm-one-node.sh");
        Skip.If(script == null, "tests/cluster/slurm-one-node.sh not found");

        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(script!);
        psi.ArgumentList.Add("--zonelab");
        psi.ArgumentList.Add("dotnet " + Path.Combine(AppContext.BaseDirectory, "zonelab.dll"));
        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Skip.If(p.ExitCode == 77, "Slurm is not available here: " + err.Result.Trim());
        Assert.True(p.ExitCode == 0, $"slurm-one-node.sh failed ({p.ExitCode}): {err.Result}");
        Assert.Contains("slurm one-node test passed", output);
    }
}
