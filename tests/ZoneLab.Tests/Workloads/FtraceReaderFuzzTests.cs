using CsCheck;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// Real lines of both fixtures, mutated at random (a byte deleted, replaced or inserted, the line cut short):
/// the reader either reads the line or stops with <see cref="ZoneLabInputException"/> at that line, never with
/// another exception.
/// </summary>
public class FtraceReaderFuzzTests
{
    private static readonly string[] s_lines = LoadLines();

    private static string[] LoadLines()
    {
        var lines = new List<string>();
        foreach ((string fixture, string file) in new[] { ("x86_64-6.1-kmem", "trace.txt"), ("arm64-6.1-hugetlb-cma", "trace.txt.gz") })
        {
            Stream s = File.OpenRead(FixturePath.Get("trace", fixture, file));
            if (file.EndsWith(".gz", StringComparison.Ordinal))
            {
                s = new System.IO.Compression.GZipStream(s, System.IO.Compression.CompressionMode.Decompress);
            }

            using var r = new StreamReader(s);
            int n = 0;
            while (r.ReadLine() is string l)
            {
                // Every 97th line keeps all event kinds and the header in the sample.
                if (n++ % 97 == 0 || l.Contains("extfrag") || l.Contains("cma_"))
                {
                    lines.Add(l);
                }
            }
        }

        lines.Add("CPU:0 [LOST 12 EVENTS]");
        lines.Add("cpus=2");
        return [.. lines];
    }

    private const string Bytes = " :=[]()-.x0123456789|_#abcGFP<>\t";

    [Fact]
    public void MutatedLinesReadOrFailWithTheLine()
    {
        Gen.Select(Gen.Int[0, s_lines.Length - 1], Gen.Int[0, 3], Gen.Int[0, 400], Gen.Int[0, Bytes.Length - 1])
            .Sample((idx, op, at, b) =>
            {
                string line = s_lines[idx];
                int p = line.Length == 0 ? 0 : at % line.Length;
                string bad = op switch
                {
                    0 => line.Length == 0 ? line : line.Remove(p, 1),
                    1 => line.Length == 0 ? line : line[..p] + Bytes[b] + line[(p + 1)..],
                    2 => line.Insert(p, Bytes[b].ToString()),
                    _ => line[..p],
                };
                string text = s_lines[0] + "\n" + bad + "\n" + s_lines[1] + "\n";
                using FtraceReader r = FtraceReader.FromText(text, "fuzz.txt");
                try
                {
                    while (r.Read())
                    {
                    }
                }
                catch (ZoneLabInputException e)
                {
                    Assert.Equal(2, e.Line);
                    Assert.StartsWith("fuzz.txt:2: ", e.Message);
                }
            }, iter: 20_000);
    }
}
