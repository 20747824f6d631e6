using System.Text.Json;
using System.Text.RegularExpressions;

namespace ZoneLab.Tests.Cli;

/// <summary><c>zonelab compare --out</c> and <c>zonelab run</c> (docs/report.md).</summary>
public class CompareReportTests
{
    private const string Small = """
        name: small-report
        seed: 3
        machine: {mem: 512M, cmdline: "cma=64M"}
        designs: [migrate-cma, cma-in-movable, carveout]
        phases:
          - duration: 4s
            actors:
              - {type: anon, rate: 32M/s, lifetime: 2s}
              - {type: page_cache, rate: 16M/s}
              - {type: cma, device: cam, size: 8M, count: 2, period: 1s, hold: 500ms}
        """;

    private static readonly string[] s_pngs =
    [
        "pageblocks-migrate-cma.png", "pageblocks-cma-in-movable.png", "pageblocks-carveout.png",
        "free-memory.png", "cma-latency-cdf.png", "cma-utilisation-vs-latency.png", "fragmentation.png",
    ];

    [Fact]
    public void OutFolderIsReproducibleAndOnlyRunJsonHoldsHostData()
    {
        string path = ZonelabProcess.WriteTemp("small-report.yaml", Small);
        string a = Path.Combine(Path.GetDirectoryName(path)!, "report-a"), b = Path.Combine(Path.GetDirectoryName(path)!, "report-b");
        foreach (string dir in new[] { a, b })
        {
            var (exit, _, err) = ZonelabProcess.Run("compare", path, "--out", dir);
            Assert.True(exit == 0, err);
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "report.md")), File.ReadAllBytes(Path.Combine(b, "report.md")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "report.json")), File.ReadAllBytes(Path.Combine(b, "report.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "report.html")), File.ReadAllBytes(Path.Combine(b, "report.html")));
        foreach (string png in s_pngs)
        {
            byte[] head = File.ReadAllBytes(Path.Combine(a, png))[..8];
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);
        }

        // run.json carries the host data; none of it may leak into the other text files
        using JsonDocument run = JsonDocument.Parse(File.ReadAllText(Path.Combine(a, "run.json")));
        JsonElement root = run.RootElement;
        Assert.Equal(3, root.GetProperty("wall_seconds").EnumerateObject().Count());
        string[] host = [root.GetProperty("utc").GetString()!, root.GetProperty("host").GetString()!, root.GetProperty("dotnet").GetString()!];
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", host[0]);
        foreach (string f in new[] { "report.md", "report.json", "report.html" })
        {
            string text = File.ReadAllText(Path.Combine(a, f));
            Assert.DoesNotContain(host[0][..10], text);
            Assert.DoesNotMatch(@"\b" + Regex.Escape(host[1]) + @"\b", text);
            Assert.DoesNotContain(host[2], text);
        }
    }

    [Fact]
    public void ReportJsonIsTheJsonFormatAndMarkdownHasTheTables()
    {
        string path = ZonelabProcess.WriteTemp("small-report-json.yaml", Small);
        string dir = Path.Combine(Path.GetDirectoryName(path)!, "report-json");
        var (exit, stdout, err) = ZonelabProcess.Run("compare", path, "--format", "json", "--out", dir);
        Assert.True(exit == 0, err);
        Assert.Equal(stdout, File.ReadAllText(Path.Combine(dir, "report.json")));

        string md = File.ReadAllText(Path.Combine(dir, "report.md"));
        // 64 MiB of CMA in a 512 MiB machine: migrate-cma keeps it as MIGRATE_CMA pageblocks (page cache and anon may use
        // them), cma-in-movable puts the area (still MIGRATE_CMA pageblocks) in ZONE_MOVABLE, which only
        // __GFP_MOVABLE|__GFP_HIGHMEM reaches, so page cache (GFP_USER|__GFP_MOVABLE) cannot; the carve-out has no
        // movable-only memory at all
        Assert.Contains("| GFP_KERNEL | no | no | - |", md);
        Assert.Contains("| GFP_USER\\|__GFP_MOVABLE | yes (CMA) | no | - |", md);
        Assert.Contains("| GFP_HIGHUSER_MOVABLE | yes (CMA) | yes (zone + CMA) | - |", md);
        Assert.Contains("![free memory over time](free-memory.png)", md);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement carveout = doc.RootElement.GetProperty("designs")[2];
        Assert.Equal(0, carveout.GetProperty("movable_only_managed_pages").GetInt64());
        Assert.Equal(JsonValueKind.Null, carveout.GetProperty("kernel_to_movable_only_ratio").ValueKind);
        // 4 s, two 8 MiB buffers per second from t = 0: 8 requests of 2,048 pages, all served by the carve-out
        Assert.Equal(8 * 2048, carveout.GetProperty("device_pages_allocated").GetInt64());
        Assert.Equal(1.0, carveout.GetProperty("device_success_rate").GetDouble());
    }

    [Fact]
    public void HtmlIsSelfContainedAndBalanced()
    {
        string path = ZonelabProcess.WriteTemp("small-report-html.yaml", Small);
        string dir = Path.Combine(Path.GetDirectoryName(path)!, "report-html");
        var (exit, _, err) = ZonelabProcess.Run("compare", path, "--design", "migrate-cma", "--out", dir);
        Assert.True(exit == 0, err);
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.StartsWith("<!DOCTYPE html>", html);
        // one embedded image per PNG (1 pageblock map + 4 plots), no external references
        Assert.Equal(5, Regex.Matches(html, "<img [^>]*src=\"data:image/png;base64,").Count);
        Assert.DoesNotMatch("(src|href)=\"(?!data:)", html);
        foreach (string tag in new[] { "table", "tr", "td", "th", "figure", "h2", "p" })
        {
            Assert.Equal(Regex.Matches(html, $"<{tag}[ >]").Count, Regex.Matches(html, $"</{tag}>").Count);
        }
    }

    [Fact]
    public void RunGivesTheSameNumbersAsCompareForThatDesign()
    {
        string path = ZonelabProcess.WriteTemp("small-run.yaml", Small);
        var (e1, compare, err1) = ZonelabProcess.Run("compare", path, "--format", "json");
        var (e2, run, err2) = ZonelabProcess.Run("run", path, "--design", "cma-in-movable", "--format", "json");
        Assert.True(e1 == 0, err1);
        Assert.True(e2 == 0, err2);
        using JsonDocument c = JsonDocument.Parse(compare), r = JsonDocument.Parse(run);
        JsonElement designs = r.RootElement.GetProperty("designs");
        Assert.Equal(1, designs.GetArrayLength());
        Assert.Equal(c.RootElement.GetProperty("designs")[1].GetRawText(), designs[0].GetRawText());
        // progress on stderr is plain text when redirected: no ANSI escapes
        Assert.Contains("zonelab: cma-in-movable done", err2);
        Assert.DoesNotContain('\u001b', err2);
    }

    [Fact]
    public void WatchPrintsASnapshotPerIntervalWhenRedirected()
    {
        string path = ZonelabProcess.WriteTemp("small-watch.yaml", Small);
        string dir = Path.Combine(Path.GetDirectoryName(path)!, "report-run");
        var (exit, stdout, err) = ZonelabProcess.Run("run", path, "--design", "migrate-cma", "--watch", "--watch-every", "1.5", "--out", dir);
        Assert.True(exit == 0, err);
        // the report folder of one design: its pageblock map, the four plots, and run.json with one wall time
        Assert.True(File.Exists(Path.Combine(dir, "pageblocks-migrate-cma.png")));
        Assert.True(File.Exists(Path.Combine(dir, "fragmentation.png")));
        using (JsonDocument run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json"))))
        {
            Assert.Equal("run", run.RootElement.GetProperty("command").GetString());
            Assert.Equal(["migrate-cma"], run.RootElement.GetProperty("wall_seconds").EnumerateObject().Select(p => p.Name));
        }

        // 4 s in 0.1 s ticks; a snapshot at the first tick at or past 0, 1.5 and 3 s
        Assert.Equal(["0", "1.5", "3"], Regex.Matches(stdout, @"^--- migrate-cma at ([\d.]+) s ---$", RegexOptions.Multiline).Select(m => m.Groups[1].Value));
        Assert.Equal(3, Regex.Matches(stdout, @"^/proc/buddyinfo\nNode 0, zone      DMA ", RegexOptions.Multiline).Count);
        Assert.Contains("Free pages count per migrate type at order", stdout);
        Assert.Contains("device memory (cma_alloc)", stdout);
        Assert.DoesNotContain('\u001b', stdout);
    }

    [Theory]
    [InlineData("--design", "no-such-design")]
    [InlineData("--design", "migrate-cma", "--watch-every", "0")]
    public void RunBadArgumentsExit2(params string[] args)
    {
        string path = ZonelabProcess.WriteTemp("small-bad-run.yaml", Small);
        var (exit, stdout, stderr) = ZonelabProcess.Run(["run", path, .. args]);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("zonelab: ", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void WithoutDeviceRequestsSuccessAndLatencyAreDashes()
    {
        // no cma actor: 0 calls, so the success rate and the latency percentiles do not exist (not "0.0 %" / "0.00")
        string path = ZonelabProcess.WriteTemp("small-no-device.yaml", """
            name: small-no-device
            seed: 3
            machine: {mem: 512M, cmdline: "cma=64M"}
            designs: [migrate-cma]
            phases:
              - duration: 2s
                actors:
                  - {type: anon, rate: 32M/s, lifetime: 1s}
            """);
        string dir = Path.Combine(Path.GetDirectoryName(path)!, "report-no-device");
        var (exit, _, err) = ZonelabProcess.Run("compare", path, "--out", dir);
        Assert.True(exit == 0, err);
        string md = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("| migrate-cma | 64 | 0 | 0/0 | - | - | - | - | 0 | - |", md);
    }
}
