namespace ZoneLab.Tests.Robustness;

/// <summary>
/// The fuzzing campaign's regression corpus (Fixtures/fuzz-corpus, README.md there): each folder holds a minimised
/// input that crashed, hung or ran away before issue 15, its command line (args.txt, one argument per line,
/// <c>{dir}</c> for the folder) and the exit code it must give now (expect.txt). Every case: no stack trace, no hang,
/// bounded memory, and exit 2 with one located line or the exit code expected.
/// </summary>
[Collection(InProcessCollection.Name)]
public class FuzzCorpusTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string d in Directory.GetDirectories(FixturePath.Get("fuzz-corpus")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(d));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CorpusInputEndsCleanly(string name)
    {
        string dir = FixturePath.Get("fuzz-corpus", name);
        string[] args = File.ReadAllLines(Path.Combine(dir, "args.txt")).Select(a => a.Replace("{dir}", dir)).ToArray();
        int expected = int.Parse(File.ReadAllText(Path.Combine(dir, "expect.txt")).Trim());
        InProcessResult r = InProcessZonelab.Run(args, TimeSpan.FromSeconds(90), memoryLimitBytes: 2L << 30);
        Assert.True(r.Crash == null, $"{name}: {r.Crash}");
        Assert.True(r.Exit != null, $"{name}: did not end: {r.Err}");
        Assert.DoesNotContain("   at ", r.Err);
        Assert.True(r.Exit == expected, $"{name}: exit {r.Exit}, expected {expected}; stderr: {r.Err}");
        if (expected == 2)
        {
            string line = RobustFiles.AssertInputError(r);
            // located: "zonelab: SOURCE: ..." where SOURCE is a file (with line or byte offset) or an option
            Assert.Matches(@"^zonelab: [^ :]+(:\d+(:\d+)?)?( [^:]+)?: ", line);
        }
    }
}
