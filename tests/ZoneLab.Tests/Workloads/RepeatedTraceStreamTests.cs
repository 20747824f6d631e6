using System.Text;
using ZoneLab.Metrics;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

public class RepeatedTraceStreamTests
{
    [Fact]
    public void RepeatsTheTextAcrossSmallReads()
    {
        // 3 copies of the 5 bytes "a\nbc\n" = 15 bytes, read 4 at a time: reads of 4, 4, 4, 3, then 0.
        using var s = new RepeatedTraceStream("a\nbc\n"u8.ToArray(), 3);
        Assert.Equal(15, s.Length);
        var got = new MemoryStream();
        var buf = new byte[4];
        var sizes = new List<int>();
        int n;
        while ((n = s.Read(buf, 0, buf.Length)) > 0)
        {
            sizes.Add(n);
            got.Write(buf, 0, n);
        }

        Assert.Equal(new[] { 4, 4, 4, 3 }, sizes);
        Assert.Equal("a\nbc\na\nbc\na\nbc\n", Encoding.ASCII.GetString(got.ToArray()));
    }

    [Fact]
    public void TextWithoutFinalNewlineIsRefused()
    {
        // Two copies of "x" would read as one line "xx".
        Assert.Throws<ArgumentException>(() => new RepeatedTraceStream("x"u8.ToArray(), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RepeatedTraceStream("x\n"u8.ToArray(), 0));
    }

    [Fact]
    public void ReaderCountsEveryCopy()
    {
        // 2 event lines x 1000 copies = 2000 events, read through the reader's 1 MiB buffer refills.
        byte[] text = "a-1 [000] 1.0: mm_page_free: page=x pfn=0x10 order=0\nb-2 [001] 1.5: kmalloc: call_site=x ptr=y\n"u8.ToArray();
        using var r = new FtraceReader(new RepeatedTraceStream(text, 1000), "rep");
        int frees = 0;
        while (r.Read())
        {
            frees++;
        }

        Assert.Equal(1000, frees);
        Assert.Equal(2000, r.Stats.EventLines);
        Assert.Equal(1000, r.Stats.Skipped);
    }

    [Fact]
    public void BenchJsonPrintsNullForFiguresNotMeasured()
    {
        var r = new EngineBenchResult(58.0, double.NaN, 171.8, 798.1, 11.0, double.NaN, 0, double.NaN, 0)
        {
            ReplayEvents = 10_002_428,
            ReplayEventsPerSecond = 1_834_611.4,
            ReplayEventsPerCpuSecond = 3_000_000,
            CompareDefaultSeconds = 8.561,
        };
        string json = r.ToJson();
        Assert.Contains("\"order0_alloc_free_ns_1tib\": null", json);
        Assert.Contains("\"replay_events\": 10002428, \"replay_events_per_second\": 1834611, \"replay_events_per_cpu_second\": 3000000", json);
        Assert.EndsWith("\"compare_default_seconds\": 8.56}", json);
        Assert.DoesNotContain("NaN", json);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(JsonValueKindNull, doc.RootElement.GetProperty("build_1tib_seconds").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
