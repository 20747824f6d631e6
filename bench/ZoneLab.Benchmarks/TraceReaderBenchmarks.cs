using BenchmarkDotNet.Attributes;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Benchmarks;

/// <summary>
/// Throughput of the ftrace reader on the recorded real trace (tests/ZoneLab.Tests/Fixtures/trace/x86_64-6.1-kmem),
/// repeated in memory to about a million lines; one operation is one line, so the reported time per operation is
/// the cost of a line and 1e9 / it is lines per second.
/// </summary>
[MemoryDiagnoser]
public class TraceReaderBenchmarks
{
    private const int TargetLines = 1_000_000;
    private byte[] _text = [];

    /// <summary>Lines in the in-memory trace.</summary>
    public static int Lines { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        string[] lines = File.ReadAllLines(FindFixture());
        string[] events = lines.Where(l => !l.StartsWith('#')).ToArray();
        var sb = new System.Text.StringBuilder();
        int n = 0;
        while (n < TargetLines)
        {
            foreach (string l in events)
            {
                sb.Append(l).Append('\n');
            }

            n += events.Length;
        }

        Lines = n;
        _text = System.Text.Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Only finding the line ends: the floor any line reader pays, to read the others against on a busy host.</summary>
    [Benchmark(Baseline = true, Description = "baseline: split lines only", OperationsPerInvoke = TargetLines)]
    public long SplitLines()
    {
        ReadOnlySpan<byte> span = _text;
        long sum = 0;
        int pos = 0;
        while (true)
        {
            int nl = span[pos..].IndexOf((byte)'\n');
            if (nl < 0)
            {
                return sum;
            }

            sum += span[pos];
            pos += nl + 1;
        }
    }

    [Benchmark(Description = "read: lines of the real kmem trace", OperationsPerInvoke = TargetLines)]
    public long Read()
    {
        using var r = new FtraceReader(new MemoryStream(_text, writable: false), "bench");
        long pfns = 0;
        while (r.Read())
        {
            pfns += r.Current.Pfn;
        }

        return pfns;
    }

    [Benchmark(Description = "read + pair allocations (TraceAllocationTracker)", OperationsPerInvoke = TargetLines)]
    public TraceSummary ReadAndTrack()
    {
        using var r = new FtraceReader(new MemoryStream(_text, writable: false), "bench");
        return new TraceAllocationTracker().ObserveAll(r);
    }

    internal static string FindFixture()
    {
        const string rel = "tests/ZoneLab.Tests/Fixtures/trace/x86_64-6.1-kmem/trace.txt";
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string p = Path.Combine(d.FullName, rel);
                if (File.Exists(p))
                {
                    return p;
                }
            }
        }

        throw new FileNotFoundException($"{rel} not found above {Environment.CurrentDirectory}");
    }
}
