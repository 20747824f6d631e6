using System.Text.Json;

namespace ZoneLab.Tests.Cli;

public class ReplayCommandTests
{
    [Fact]
    public void ReplaysTheRealX86TraceOnMigrateCma()
    {
        // counts from the fixture (docs/trace.md): 26,116 event lines, 4,673 mm_page_alloc, 7,754 mm_page_free of
        // which 1,582 end an allocation made during the trace; a 256 MiB guest has room for all of them
        string trace = FixturePath.Get("trace", "x86_64-6.1-kmem", "trace.txt");
        var (exit, stdout, stderr) = ZonelabProcess.Run("replay", trace, "--mem", "256M", "--format", "json");
        Assert.True(exit == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement r = doc.RootElement;
        Assert.Equal(26116, r.GetProperty("events_read").GetInt64());
        Assert.Equal(4673, r.GetProperty("allocations").GetInt64());
        Assert.Equal(7754, r.GetProperty("frees").GetInt64());
        Assert.Equal(0, r.GetProperty("skipped").GetInt64());
        Assert.Equal(0, r.GetProperty("failed_allocations").GetInt64());
        Assert.Equal(1582, r.GetProperty("model_frees").GetInt64());
    }

    [Fact]
    public void ReplaysTheArm64HugetlbCmaTraceThroughTheArea()
    {
        // 32 successful cma_alloc_finish of 32 MiB gigantic pages from hugetlb_cma=1G: all fit in the model's area
        string trace = FixturePath.Get("trace", "arm64-6.1-hugetlb-cma", "trace.txt.gz");
        var (exit, stdout, stderr) = ZonelabProcess.Run("replay", trace, "--arch", "arm64", "--mem", "2G", "--cmdline", "hugetlb_cma=1G", "--format", "json");
        Assert.True(exit == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(32, doc.RootElement.GetProperty("cma_allocations").GetInt64());
        Assert.Equal(0, doc.RootElement.GetProperty("cma_failed").GetInt64());
    }

    [Fact]
    public void MissingTraceExits2()
    {
        var (exit, _, stderr) = ZonelabProcess.Run("replay", "/nonexistent/trace.txt");
        Assert.Equal(2, exit);
        Assert.StartsWith("zonelab: ", stderr);
    }

    [Fact]
    public void ATraceWithoutEventsExits2()
    {
        // the real trace's own header (tracing on, no event fired yet): nothing to replay, so an error naming what was
        // expected rather than a report of zeros that reads as agreement
        string real = FixturePath.Get("trace", "x86_64-6.1-kmem", "trace.txt");
        string header = Path.Combine(Path.GetTempPath(), $"zl-header-{Environment.ProcessId}.txt");
        File.WriteAllLines(header, File.ReadLines(real).TakeWhile(l => l.StartsWith('#')));
        try
        {
            var (exit, stdout, stderr) = ZonelabProcess.Run("replay", header, "--mem", "256M");
            Assert.Equal(2, exit);
            Assert.Equal("", stdout);
            Assert.StartsWith($"zonelab: {header}: no trace event lines; expected a trace with mm_page_alloc", stderr);
        }
        finally
        {
            File.Delete(header);
        }
    }
}
