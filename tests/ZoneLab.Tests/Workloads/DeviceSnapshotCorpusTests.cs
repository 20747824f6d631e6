using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Procfs;
using ZoneLab.Workloads.DeviceState;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// The kept corpus (Fixtures/snapshot-corpus, see its README): real snapshots with one file cut, changed or taken
/// from the other machine. Each is refused with a one-line error naming the file (and the line where there is one),
/// or accepted when the case says OK.
/// </summary>
public class DeviceSnapshotCorpusTests
{
    public static TheoryData<string> Cases()
    {
        var d = new TheoryData<string>();
        foreach (string dir in Directory.GetDirectories(FixturePath.Get("snapshot-corpus")).OrderBy(x => x, StringComparer.Ordinal))
        {
            d.Add(Path.GetFileName(dir));
        }

        return d;
    }

    /// <summary>Copies the case's base snapshot to a temporary folder with the case's files over it.</summary>
    internal static string Materialize(string name, out string expect)
    {
        string caseDir = FixturePath.Get("snapshot-corpus", name);
        string[] spec = File.ReadAllLines(Path.Combine(caseDir, "case.txt"));
        string Value(string key) => spec.Single(l => l.StartsWith(key + ": ", StringComparison.Ordinal))[(key.Length + 2)..];
        expect = Value("expect");
        string dir = Path.Combine(Path.GetTempPath(), $"zonelab-corpus-{Environment.ProcessId}-{name}");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, true);
        }

        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(FixturePath.Get("snapshot", Value("base"))))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }

        foreach (string f in Directory.GetFiles(caseDir).Where(f => Path.GetFileName(f) != "case.txt"))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        }

        foreach (string r in spec.Where(l => l.StartsWith("remove: ", StringComparison.Ordinal)))
        {
            File.Delete(Path.Combine(dir, r[8..]));
        }

        return dir;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CaseGivesItsOutcome(string name)
    {
        string dir = Materialize(name, out string expect);
        try
        {
            var s = DeviceSnapshot.Load(dir);
            DeviceStatePlan plan = s.Plan(KernelVersion.V6_1);
            Assert.True(expect == "OK", $"{name}: accepted, expected an error containing '{expect}'");
            if (File.ReadAllLines(Path.Combine(FixturePath.Get("snapshot-corpus", name), "case.txt")).FirstOrDefault(l => l.StartsWith("warn: ", StringComparison.Ordinal)) is string warn)
            {
                Assert.Contains(plan.Warnings, w => w.Contains(warn[6..], StringComparison.Ordinal));
            }

            using DesignMachine dm = DeviceStateBoot.Boot(s, DesignKind.MigrateCma, KernelVersion.V6_1, out _);
            InvariantChecker.Check(dm.Machine);
            Assert.NotEmpty(plan.FreeBlocks);
        }
        catch (ZoneLabInputException e)
        {
            Assert.True(expect != "OK", $"{name}: refused: {e.Message}");
            Assert.Contains(expect, e.Message);
            Assert.StartsWith(dir, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void BuddyinfoOnlyPutsTheFreeCmaPagesOnTheCmaLists()
    {
        // arm64 s3 without pagetypeinfo: zoneinfo nr_free_cma 15872 pages, taken largest first from buddyinfo's counts
        // (111 order-10, 8 order-9, ...): 15 order-10 blocks (15360) + 1 order-9 (512) = 15872; the rest is MOVABLE
        string dir = Materialize("buddyinfo-only-arm64", out _);
        try
        {
            var s = DeviceSnapshot.Load(dir);
            using DesignMachine dm = DeviceStateBoot.Boot(s, DesignKind.MigrateCma, KernelVersion.V6_1, out _);
            Zone z = dm.Machine.Zones.Single(x => x.PresentPages != 0);
            Assert.Equal(15872, z.NrFreeCmaPages);
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "buddyinfo")), BuddyinfoWriter.Write(dm.Machine));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
