using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The recorded suite replayed in the engine (oracle/recordings/WORKLOAD/ARCH/run*, recorded on Debian's 6.1.192
/// kernels under QEMU TCG by `zonelab oracle run`): every counter within the published target or a listed gap that
/// did not grow (oracle/known-gaps.txt, docs/fidelity.md). No QEMU runs here.
/// </summary>
public class OracleReplayTests
{
    private static List<string> RecordedDirs() =>
        [.. OracleCompare.All(Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings")).Select(d => Path.GetRelativePath(OracleWorkloadTests.Root, d))];

    public static TheoryData<string> Recorded()
    {
        var d = new TheoryData<string>();
        foreach (string dir in RecordedDirs())
        {
            d.Add(dir);
        }
        return d;
    }

    [Fact]
    public void EveryWorkloadIsRecordedOnItsArchitectures()
    {
        var recorded = RecordedDirs().ToHashSet(StringComparer.Ordinal);
        foreach (string f in Directory.GetFiles(Path.Combine(OracleWorkloadTests.Root, "oracle", "workloads"), "*.yaml"))
        {
            OracleWorkload w = OracleWorkloadLoader.LoadFile(f);
            foreach (string arch in w.Archs)
            {
                Assert.Contains(Path.Combine("oracle", "recordings", w.Name, arch), recorded);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Recorded))]
    public void EngineStaysWithinThePublishedTolerance(string dir)
    {
        string root = OracleWorkloadTests.Root;
        KnownGaps gaps = KnownGaps.Parse(File.ReadAllText(Path.Combine(root, "oracle", "known-gaps.txt")), "known-gaps.txt");
        FidelityWorkload w = OracleCompare.Compare(Path.Combine(root, dir));
        Assert.Empty(gaps.Violations(w));
        // the starting point is re-created from the recording: the engine begins with the kernel's free page count
        FidelityRow start = w.Counters.Single(c => c.Name == "start.nr_free_pages");
        Assert.InRange(start.Model, start.KernelMin - 64, start.KernelMax + 64);
    }

    [Fact]
    public void RecordingReaderRejectsBrokenFilesAsBadInput()
    {
        string dir = Path.Combine(Path.GetTempPath(), "zl-oracle-broken-" + Environment.ProcessId);
        string src = OracleCompare.Runs(Path.Combine(OracleWorkloadTests.Root, RecordedDirs()[0]))[0];
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, true);
        }
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(src))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        File.WriteAllText(Path.Combine(dir, "step1.vmstat.txt"), "nr_free_pages twelve\n");
        var e = Assert.Throws<ZoneLabInputException>(() => OracleRecording.Read(dir));
        Assert.Contains("step1.vmstat.txt:1: expected a whole number, not 'twelve'", e.Message, StringComparison.Ordinal);
        File.Delete(Path.Combine(dir, "step1.vmstat.txt"));
        e = Assert.Throws<ZoneLabInputException>(() => OracleRecording.Read(dir));
        Assert.Contains("step1.vmstat.txt: missing", e.Message, StringComparison.Ordinal);
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData(100, 120, 125, true, true)]    // structural: 125 is within 10 % of 120
    [InlineData(100, 120, 133, true, false)]   // 13 above 120 is more than 12
    [InlineData(40, 50, 60, true, true)]       // under 100: within 10 pages
    [InlineData(40, 50, 61, true, false)]
    [InlineData(1000, 1000, 1999, false, true)] // other counters: within 2x
    [InlineData(1000, 1000, 2001, false, false)]
    [InlineData(3, 5, 9, false, true)]          // both under 10
    public void TargetRules(long min, long max, long model, bool structural, bool ok) =>
        Assert.Equal(ok, FidelityTable.Within(min, max, model, structural));
}
