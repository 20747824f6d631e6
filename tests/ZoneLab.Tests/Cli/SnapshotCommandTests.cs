using System.Diagnostics;
using ZoneLab.Procfs;
using ZoneLab.Workloads.DeviceState;

namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab snapshot</c> and <c>--from DIR</c> end to end through the built command.</summary>
public class SnapshotCommandTests
{
    private static string Snap(string name) => FixturePath.Get("snapshot", name);

    [Fact]
    public void SnapshotPrintsTheScript()
    {
        var (exit, stdout, _) = ZonelabProcess.Run("snapshot");
        Assert.Equal(0, exit);
        Assert.Equal(DeviceSnapshotScript.Text, stdout);
        Assert.StartsWith("#!/bin/sh\n", stdout);
    }

    [Fact]
    public void TheScriptRunsUnderBusyboxAndItsFolderIsRead()
    {
        // the host's own kernel: the script must produce the files and the readers must accept them
        string? busybox = new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists);
        if (busybox == null || !File.Exists("/proc/buddyinfo"))
        {
            return; // no busybox or no /proc here: nothing to run the script with
        }

        string dir = Path.Combine(Path.GetTempPath(), $"zonelab-host-snapshot-{Environment.ProcessId}");
        string script = ZonelabProcess.WriteTemp("zonelab-snapshot.sh", DeviceSnapshotScript.Text);
        var psi = new ProcessStartInfo(busybox) { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(dir);
        using (Process p = Process.Start(psi)!)
        {
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }

        try
        {
            foreach (string f in new[] { "zoneinfo", "buddyinfo", "meminfo", "vmstat", "cmdline", "version", "uname-r", "uname-m", "snapshot.txt" })
            {
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            }

            Assert.StartsWith("zonelab-snapshot 1\n", File.ReadAllText(Path.Combine(dir, "snapshot.txt")));
            Assert.NotEmpty(BuddyinfoReader.Read(Path.Combine(dir, "buddyinfo"), "buddyinfo"));
            Assert.True(MeminfoReader.Read(Path.Combine(dir, "meminfo"), "meminfo").Pages("MemTotal") > 0);
            if (File.Exists(Path.Combine(dir, "pagetypeinfo")))
            {
                Assert.NotEmpty(PagetypeinfoReader.Read(Path.Combine(dir, "pagetypeinfo"), "pagetypeinfo").Zones);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ProcFromASnapshotPrintsItsBuddyinfo()
    {
        string dir = Snap("arm64-6.1-768M-cma64M/s2");
        var (exit, stdout, stderr) = ZonelabProcess.Run("proc", "--from", dir, "--format", "buddyinfo");
        Assert.True(exit == 0, stderr);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "buddyinfo")), stdout);
    }

    [Fact]
    public void RunFromASnapshotStartsFromItsState()
    {
        // android-camera on the arm64 guest's state: its 64 MiB CMA area replaces the scenario's 512 MiB one
        var (exit, stdout, stderr) = ZonelabProcess.Run("run", "android-camera", "--design", "migrate-cma", "--from", Snap("arm64-6.1-768M-cma64M/s3"), "--format", "json");
        Assert.True(exit == 0, stderr);
        string compact = stdout.Replace(" ", string.Empty);
        Assert.Contains("\"design\":\"migrate-cma\"", compact);
        Assert.Contains("\"reserved_pages\":16384", compact); // 64 MiB: the guest's cma=64M, not the scenario's area
        Assert.Contains("\"device_requests\":48", compact);
    }

    [Fact]
    public void ReplayFromASnapshotRunsTheTraceOnItsState()
    {
        var (exit, stdout, stderr) = ZonelabProcess.Run("replay", FixturePath.Get("trace", "x86_64-6.1-kmem", "trace.txt"), "--from", Snap("x86_64-6.1-512M/s3"), "--format", "json");
        Assert.True(exit == 0, stderr);
        Assert.Contains("\"events_read\":26116", stdout);
    }

    [Fact]
    public void MismatchedSnapshotIsAOneLineErrorWithFileAndLine()
    {
        // the x86 guest's files with the arm64 guest's buddyinfo: it has no DMA32 line (x86 zoneinfo: DMA32 present 126944)
        string dir = Path.Combine(Path.GetTempPath(), $"zonelab-mismatch-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            foreach (string f in Directory.GetFiles(Snap("x86_64-6.1-512M/s1")))
            {
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
            }

            File.Copy(Path.Combine(Snap("arm64-6.1-768M-cma64M/s1"), "buddyinfo"), Path.Combine(dir, "buddyinfo"), overwrite: true);
            var (exit, _, stderr) = ZonelabProcess.Run("compare", "android-camera", "--from", dir);
            Assert.Equal(2, exit);
            Assert.Single(stderr.TrimEnd((char)10).Split((char)10));
            Assert.StartsWith($"zonelab: {Path.Combine(dir, "buddyinfo")}: no line for node 0 zone DMA32, which the machine of the boot log has (126944 present pages)", stderr);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MissingFolderIsAOneLineError()
    {
        var (exit, _, stderr) = ZonelabProcess.Run("proc", "--from", "/nonexistent/snap", "--format", "buddyinfo");
        Assert.Equal(2, exit);
        Assert.Equal("zonelab: /nonexistent/snap: not a folder; expected a folder written by the snapshot script (zonelab snapshot)\n", stderr);
    }
}
