using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The engine started from the guest's own page state (`zonelab oracle compare --start-state`) on the --page-state
/// recordings: its step-0 /proc files are the guest's, and the landing measure stays at the published numbers
/// (oracle/page-state/landing.txt, docs/fidelity.md "Where the allocations land").
/// </summary>
public class StartStateTests
{
    private static OracleWorkload Workload(string run) =>
        OracleWorkloadLoader.Load(File.ReadAllText(Path.Combine(run, "workload.yaml")), Path.Combine(run, "workload.yaml"), "w");

    [Theory]
    [MemberData(nameof(GuestPageStateTests.Runs), MemberType = typeof(GuestPageStateTests))]
    public void EngineStartsWithTheGuestsFreeListsAndCensus(string run)
    {
        // the guest's step-0 buddyinfo and pagetypeinfo (its own output) against the engine's, written by the engine's
        // own /proc writers after seeding and read by the same parser
        string dir = Path.Combine(OracleWorkloadTests.Root, run);
        OracleRecording rec = OracleRecording.Read(dir);
        using OracleEngineRunner e = OracleEngineRunner.Run(Workload(dir), rec, start: GuestStartState.Read(rec));
        Assert.Equal(0, e.StartState!.LostFreePages);
        Assert.Equal(0, e.StartState.ReservedUnmatched);
        ProcSnapshot kernel = rec.Snapshots[0], engine = e.Snapshots[0];
        Assert.Equal(kernel.Buddy.Keys.Order(), engine.Buddy.Keys.Order());
        foreach (string zone in kernel.Buddy.Keys)
        {
            Assert.Equal(kernel.Buddy[zone], engine.Buddy[zone]);
            foreach ((string mt, long n) in kernel.Blocks[zone])
            {
                Assert.True(n == engine.Blocks[zone].GetValueOrDefault(mt), $"{zone} {mt}: kernel {n} pageblocks, engine {engine.Blocks[zone].GetValueOrDefault(mt)}");
            }
        }
    }

    public static TheoryData<string, string, bool, double, double> Published()
    {
        var d = new TheoryData<string, string, bool, double, double>();
        foreach (string line in File.ReadAllLines(Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state", "landing.txt")))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            d.Add(t[0], t[1], t[2] == "state", double.Parse(t[3], System.Globalization.CultureInfo.InvariantCulture), double.Parse(t[4], System.Globalization.CultureInfo.InvariantCulture));
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Published))]
    public void LandingStaysAtThePublishedFraction(string workload, string arch, bool startState, double inSequence, double anyOrder)
    {
        // drift gate: the engine's landing may not fall more than 3 points below the published fraction
        FidelityWorkload w = OracleCompare.Compare(Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state", workload, arch), startState: startState);
        Assert.NotNull(w.Landing);
        Assert.True(w.Landing.Fraction >= inSequence - 0.03, $"in sequence {w.Landing.Fraction:P1}, published {inSequence:P1}");
        Assert.True(w.Landing.FractionAnyOrder >= anyOrder - 0.03, $"any order {w.Landing.FractionAnyOrder:P1}, published {anyOrder:P1}");
    }

    [Fact]
    public void RecordingWithoutPageStateIsBadInput()
    {
        string run = OracleCompare.Runs(OracleCompare.All(Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings"))[0])[0];
        var ex = Assert.Throws<ZoneLabInputException>(() => GuestStartState.Read(OracleRecording.Read(run)));
        Assert.Contains("step0.kpageflags.txt", ex.Message);
        Assert.Contains("--page-state", ex.Message);
    }
}
