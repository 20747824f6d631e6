using System.Text.Json;
using ZoneLab.Tests.Oracle;

namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab oracle run/compare</c> end to end without QEMU: bad input is one line and exit 2; the JSON contract.</summary>
public class OracleCommandTests
{
    [Fact]
    public void RunRejectsAnUnknownStepBeforeBooting()
    {
        string w = ZonelabProcess.WriteTemp("bad-step.yaml", "machine: {mem: 512M}\nsteps:\n  - mmap: {name: a, size: 1M}\n");
        string outDir = Path.Combine(Path.GetTempPath(), "zl-oracle-out-" + Environment.ProcessId);
        (int exit, _, string err) = ZonelabProcess.Run("oracle", "run", w, "--out", outDir);
        Assert.Equal(2, exit);
        Assert.Matches(@"^zonelab: .*bad-step\.yaml:3:\d+: steps\[0\]\.mmap: unknown step 'mmap' \(expected one of: .*\)\n$", err);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void RunRejectsAWorkloadForAnotherArchitecture()
    {
        string w = ZonelabProcess.WriteTemp("arm-only.yaml", "archs: [arm64]\nmachine: {mem: 512M}\nsteps:\n  - sleep: 1s\n");
        (int exit, _, string err) = ZonelabProcess.Run("oracle", "run", w, "--out", Path.GetTempPath() + "/zl-x", "--arch", "x86_64");
        Assert.Equal(2, exit);
        Assert.EndsWith("the workload does not run on x86_64 (archs: arm64)\n", err, StringComparison.Ordinal);
    }

    [Fact]
    public void RunRejectsNoAllocTraceWithoutPageState()
    {
        string w = ZonelabProcess.WriteTemp("sleep-nt.yaml", "machine: {mem: 512M}\nsteps:\n  - sleep: 1s\n");
        string outDir = Path.Combine(Path.GetTempPath(), "zl-oracle-notrace-" + Environment.ProcessId);
        (int exit, _, string err) = ZonelabProcess.Run("oracle", "run", w, "--out", outDir, "--no-alloc-trace");
        Assert.Equal(2, exit);
        Assert.EndsWith("--no-alloc-trace: goes with --page-state\n", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("--drain-trace")]
    [InlineData("--page-state", "--no-alloc-trace", "--drain-trace")]
    public void RunRejectsDrainTraceWithoutTheAllocationTrace(params string[] options)
    {
        string w = ZonelabProcess.WriteTemp("sleep-dt.yaml", "machine: {mem: 512M}\nsteps:\n  - sleep: 1s\n");
        string outDir = Path.Combine(Path.GetTempPath(), "zl-oracle-draintrace-" + Environment.ProcessId);
        (int exit, _, string err) = ZonelabProcess.Run(["oracle", "run", w, "--out", outDir, .. options]);
        Assert.Equal(2, exit);
        Assert.EndsWith("--drain-trace: goes with --page-state and the allocation trace\n", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void RunRejectsAMissingKernelImageAndLeavesNoFolder()
    {
        string w = ZonelabProcess.WriteTemp("sleep.yaml", "machine: {mem: 512M}\nsteps:\n  - sleep: 1s\n");
        string outDir = Path.Combine(Path.GetTempPath(), "zl-oracle-nokernel-" + Environment.ProcessId);
        (int exit, _, string err) = ZonelabProcess.Run("oracle", "run", w, "--out", outDir, "--kernel", "/nonexistent/bzImage");
        Assert.Equal(2, exit);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("/nonexistent/bzImage", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
        Assert.Empty(Directory.GetDirectories(Path.GetTempPath(), ".zl-oracle-nokernel-*"));
    }

    [Fact]
    public void CompareJsonFollowsTheContract()
    {
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", "frag-then-hugepages", "x86_64");
        (int exit, string json, string err) = ZonelabProcess.Run("oracle", "compare", dir, "--format", "json");
        Assert.True(exit == 0, err);
        using JsonDocument d = JsonDocument.Parse(json);
        JsonElement w = d.RootElement.GetProperty("workloads")[0];
        Assert.Equal("frag-then-hugepages", w.GetProperty("name").GetString());
        Assert.Equal("x86_64", w.GetProperty("arch").GetString());
        JsonElement[] counters = [.. w.GetProperty("counters").EnumerateArray()];
        // the workload's fifth step asks for 120 huge pages (oracle/workloads/frag-then-hugepages.yaml)
        JsonElement hp = counters.Single(c => c.GetProperty("name").GetString() == "step5.hugepages");
        Assert.True(hp.GetProperty("structural").GetBoolean());
        Assert.InRange(hp.GetProperty("kernel").GetInt64(), 0, 120);
        Assert.InRange(hp.GetProperty("model").GetInt64(), 0, 120);
        Assert.All(counters, c => Assert.Equal(JsonValueKind.Number, c.GetProperty("kernel").ValueKind));
    }

    [Fact]
    public void CompareRejectsAFolderThatIsNoRecording()
    {
        string empty = Directory.CreateTempSubdirectory("zl-oracle-empty").FullName;
        (int exit, _, string err) = ZonelabProcess.Run("oracle", "compare", empty);
        Directory.Delete(empty);
        Assert.Equal(2, exit);
        Assert.Contains("not an oracle recording", err, StringComparison.Ordinal);
    }
}
