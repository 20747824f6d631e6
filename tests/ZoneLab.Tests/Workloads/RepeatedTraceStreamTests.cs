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
    public void ReaderParsesTheCopiesInPlaceWithLineNumbersRunningOn()
    {
        // 3 lines a copy (free, kmalloc, free) x 4 copies: the reader walks the text itself (the stream is never
        // read, its position stays 0), yet counts lines on across copies: the last free is line 4 * 3 = 12, pfn 0x21.
        byte[] text = "a-1 [000] 1.0: mm_page_free: page=x pfn=0x20 order=0\nb-2 [001] 1.5: kmalloc: call_site=x ptr=y\na-1 [000] 2.0: mm_page_free: page=x pfn=0x21 order=1\n"u8.ToArray();
        var stream = new RepeatedTraceStream(text, 4);
        using var r = new FtraceReader(stream, "rep");
        var lines = new List<long>();
        while (r.Read())
        {
            lines.Add(r.Current.Line);
        }

        Assert.Equal([1L, 3, 4, 6, 7, 9, 10, 12], lines);
        Assert.Equal((0x21L, 1), ((long)r.Current.Pfn, r.Current.Order));
        Assert.Equal((12L, 8L, 4L), (r.Stats.Lines, r.Stats.Events, r.Stats.Skipped));
        Assert.Equal(0, stream.Position);
    }

    [Fact]
    public void AnErrorInPlaceNamesTheLineTheStreamPathNames()
    {
        // A free without its order field is malformed: line 2 of the first copy, whether the text is parsed in place
        // or read through a stream.
        byte[] text = "a-1 [000] 1.0: mm_page_free: page=x pfn=0x20 order=0\na-1 [000] 1.1: mm_page_free: page=x pfn=0x20\n"u8.ToArray();
        using var seq = FtraceReader.FromText(System.Text.Encoding.UTF8.GetString(text) + System.Text.Encoding.UTF8.GetString(text), "rep");
        using var rep = new FtraceReader(new RepeatedTraceStream(text, 2), "rep");
        var fromText = Assert.Throws<ZoneLabInputException>(() => Drain(seq));
        var fromCopies = Assert.Throws<ZoneLabInputException>(() => Drain(rep));
        Assert.StartsWith("rep:2:", fromText.Message);
        Assert.Equal(fromText.Message, fromCopies.Message);
    }

    private static void Drain(FtraceReader r)
    {
        while (r.Read())
        {
        }
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
        Assert.DoesNotContain("NaN", json);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        System.Text.Json.JsonElement root = doc.RootElement;
        Assert.Equal(JsonValueKindNull, root.GetProperty("order0_alloc_free_ns_1tib").ValueKind);
        // rounded as reported: events/s to 1 (1834611.4 -> 1834611), seconds to 0.01 (8.561 -> 8.56)
        Assert.Equal(10_002_428, root.GetProperty("replay_events").GetInt64());
        Assert.Equal(1_834_611, root.GetProperty("replay_events_per_second").GetDouble());
        Assert.Equal(3_000_000, root.GetProperty("replay_events_per_cpu_second").GetDouble());
        Assert.Equal(8.56, root.GetProperty("compare_default_seconds").GetDouble());
        Assert.Equal("compare_default_seconds", root.EnumerateObject().Last().Name);
        Assert.Equal(JsonValueKindNull, doc.RootElement.GetProperty("build_1tib_seconds").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
