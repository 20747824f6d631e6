using CsCheck;
using ZoneLab.Cli.Sizing;
using ZoneLab.Cli.Sweep;

namespace ZoneLab.Tests.Sweep;

/// <summary>The sweep's readers fed mutated input: a grid file, a goal, a part file; each loads or fails with one input error.</summary>
public class SweepFuzzTests
{
    private const string GridText = """
        scenario: stb-dual-memc
        axes:
          cmdline.movablecore: ["300M@0x60000000,300M@0x320000000", none]
          actors.thread0.rate: [128MiB/s, 256MiB/s]
        designs: [dmb-300M-each, movablecore-600M]
        seeds: {from: 1, count: 2}
        metrics: [bandwidth.achieved, kernel_failures]
        tick: 0.1
        """;

    private const string Chars = " :-[]{},\n#x0123456789.%/sMG\"'&*!|>@";

    private static string Mutate(string s, int at, int op, int c, int len) => op switch
    {
        0 => s.Remove(at, Math.Min(len, s.Length - at)),
        1 => s[..at] + Chars[c] + s[(at + 1)..],
        2 => s.Insert(at, Chars[c].ToString()),
        _ => s[..at],
    };

    [Fact]
    public void MutatedGridLoadsOrFailsWithOneLineNamingTheFile()
    {
        Gen.Select(Gen.Int[0, GridText.Length - 1], Gen.Int[0, 3], Gen.Int[0, Chars.Length - 1], Gen.Int[1, 30])
            .Sample((at, op, c, len) =>
            {
                try
                {
                    SweepGrid g = SweepGridLoader.Load(Mutate(GridText, at, op, c, len), "fuzz.yaml", null);
                    _ = new SweepPlan(g).Count;
                }
                catch (ZoneLabInputException e)
                {
                    Assert.StartsWith("fuzz.yaml:", e.Message);
                    Assert.DoesNotContain('\n', e.Message);
                }
            }, iter: 300, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void MutatedGoalParsesOrNamesTheOption()
    {
        const string goal = "cma_alloc.p99<=500ms and kernel_failures==0 and cma_alloc.success==100% and bandwidth.achieved>=11.5GB/s";
        Gen.Select(Gen.Int[0, goal.Length - 1], Gen.Int[0, 3], Gen.Int[0, Chars.Length - 1], Gen.Int[1, 20])
            .Sample((at, op, c, len) =>
            {
                try
                {
                    SizeGoal.Parse(Mutate(goal, at, op, c, len));
                }
                catch (ZoneLabInputException e)
                {
                    Assert.StartsWith("--goal: ", e.Message);
                }
            }, iter: 2000, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void MutatedPartFileIsReadOrNamedAsNotAPart()
    {
        string dir = Path.Combine(Path.GetTempPath(), "zonelab-part-fuzz-" + Environment.ProcessId);
        Directory.CreateDirectory(Path.Combine(dir, "parts"));
        var columns = new List<SweepColumn>
        {
            new("point", SweepColumnType.Int32, ""), new("design", SweepColumnType.String, ""), new("seed", SweepColumnType.Int64, ""),
            new("m", SweepColumnType.Double, ""),
        };
        const string part = """{"point":3,"design":"dmb","seed":2,"m":11.958333333333334}""";
        string path = Path.Combine(dir, "parts", "p-000000003.json");
        Gen.Select(Gen.Int[0, part.Length - 1], Gen.Int[0, 3], Gen.Int[0, Chars.Length - 1], Gen.Int[1, 10])
            .Sample((at, op, c, len) =>
            {
                File.WriteAllText(path, Mutate(part, at, op, c, len));
                try
                {
                    SweepStore.ReadRows(dir, columns, out _);
                }
                catch (ZoneLabInputException e)
                {
                    Assert.StartsWith(path + ": not a part of this sweep", e.Message);
                }
            }, iter: 1000, seed: "0N0XIzNsQ0O2", threads: 1);
    }
}
