using ZoneLab.Allocator;
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

    /// <summary>The --page-state workloads (oracle/page-state/WORKLOAD/ARCH), relative to the repository root.</summary>
    public static TheoryData<string> PageStateRecorded()
    {
        var d = new TheoryData<string>();
        foreach (string dir in OracleCompare.All(Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state")))
        {
            d.Add(Path.GetRelativePath(OracleWorkloadTests.Root, dir));
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(PageStateRecorded))]
    public void EngineFromTheGuestsStateStaysWithinThePublishedTolerance(string dir)
    {
        // the guest-state table's drift gate (`zonelab oracle compare --all --start-state`, docs/fidelity.md Round 10):
        // every counter within the target or a listed gap of oracle/page-state/known-gaps.txt that did not grow
        string root = OracleWorkloadTests.Root;
        KnownGaps gaps = KnownGaps.Parse(File.ReadAllText(Path.Combine(root, "oracle", "page-state", "known-gaps.txt")), "page-state/known-gaps.txt");
        FidelityWorkload w = OracleCompare.Compare(Path.Combine(root, dir), startState: true);
        Assert.Empty(gaps.Violations(w));
        // the engine starts with run 1's free pages exactly: the pages of the guest's step-0 buddyinfo, sum of
        // count << order over its zones and orders (pages on the guest's per-cpu lists are on no free list and are
        // used pages in kpageflags too)
        OracleRecording run1 = OracleRecording.Read(OracleCompare.Runs(Path.Combine(root, dir))[0]);
        long free = 0;
        foreach (long[] orders in run1.Snapshots[0].Buddy.Values)
        {
            for (int o = 0; o < orders.Length; o++)
            {
                free += orders[o] << o;
            }
        }
        Assert.Equal(free, w.Counters.Single(c => c.Name == "start.nr_free_pages").Model);
    }

    public static TheoryData<string, string, bool, double, double, double> Published()
    {
        var d = new TheoryData<string, string, bool, double, double, double>();
        foreach (string line in File.ReadAllLines(Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state", "landing.txt")))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double F(int i) => double.Parse(t[i], System.Globalization.CultureInfo.InvariantCulture);
            d.Add(t[0], t[1], t[2] == "state", F(3), F(4), F(5));
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Published))]
    public void LandingStaysAtThePublishedFraction(string workload, string arch, bool startState, double inSequence, double near, double anyOrder)
    {
        // drift gate: the engine's landing may not fall more than 3 points below the published fraction
        FidelityWorkload w = OracleCompare.Compare(Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state", workload, arch), startState: startState);
        Assert.NotNull(w.Landing);
        Assert.True(w.Landing.Fraction >= inSequence - 0.03, $"in sequence {w.Landing.Fraction:P1}, published {inSequence:P1}");
        Assert.True(w.Landing.FractionNear >= near - 0.03, $"near {w.Landing.FractionNear:P1}, published {near:P1}");
        Assert.True(w.Landing.FractionAnyOrder >= anyOrder - 0.03, $"any order {w.Landing.FractionAnyOrder:P1}, published {anyOrder:P1}");
    }

    [Fact]
    public void LandingPairsAllocationsByOrderAndMigratetypeInSequence()
    {
        // kernel: pageblocks 0x200, 0x200, 0x200, 0x400 (order 0, migratetype 1 = Movable); engine: pfns 0x201, 0x400,
        // 0x200, 0x4ff = pageblocks 0x200, 0x400, 0x200, 0x400, and one order-9 page the kernel did not allocate.
        // In sequence positions 0, 2 and 3 agree (3 of 4 pairs); as multisets min(3, 2) + min(1, 2) = 3; within 512
        // positions every engine pageblock is one of the kernel's (4); the order-9 class has no pair.
        GuestAllocTrace k = GuestAllocTrace.Parse(["0 1 200 3 GFP_HIGHUSER_MOVABLE", "0 1 400 1 GFP_HIGHUSER_MOVABLE", "overrun 0"], "allocs",
            [MigrateType.Unmovable, MigrateType.Movable]);
        LandedAlloc[] e = [new(0, MigrateType.Movable, 0x201), new(0, MigrateType.Movable, 0x400), new(0, MigrateType.Movable, 0x200),
            new(0, MigrateType.Movable, 0x4ff), new(9, MigrateType.Movable, 0x1000)];
        LandingResult l = OracleLanding.Measure([k], [e], startState: true);
        LandingClass c = l.Classes.Single(x => x.Order == 0);
        Assert.Equal((4L, 4L, 4L, 3L, 3L, 4L), (c.Kernel, c.Engine, c.Pairs, c.Same, c.SameAnyOrder, c.SameNear));
        Assert.Equal(0, l.Classes.Single(x => x.Order == 9).Pairs);
        Assert.Equal(0.75, l.Fraction);
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
