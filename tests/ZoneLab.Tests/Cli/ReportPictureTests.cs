using System.Text.RegularExpressions;
using ZoneLab.Cli;
using ZoneLab.Metrics;

namespace ZoneLab.Tests.Cli;

/// <summary>
/// The report pictures' data and helpers: device-only areas on the pageblock map, buffer ready times against the
/// deadline, the fitted utilisation axis, the colour-blind-safe palette, and report.html's hoverable data tables.
/// </summary>
public class ReportPictureTests
{
    private const string Small = """
        name: small-pictures
        seed: 3
        machine: {mem: 512M, cmdline: "cma=64M"}
        designs: [migrate-cma, carveout, gcma]
        phases:
          - name: warm-up
            duration: 2s
            actors:
              - {type: anon, rate: 32M/s, lifetime: 2s}
          - name: camera
            duration: 3s
            actors:
              - {type: anon, rate: 32M/s, lifetime: 2s}
              - {type: cma, device: cam, size: 8M, count: 2, period: 1s, hold: 500ms, deadline: 5ms}
        """;

    private static string s_html = string.Empty;

    private static string Html()
    {
        if (s_html.Length == 0)
        {
            string path = ZonelabProcess.WriteTemp("small-pictures.yaml", Small);
            string dir = Path.Combine(Path.GetDirectoryName(path)!, "pictures");
            var (exit, _, err) = ZonelabProcess.Run("compare", path, "--out", dir);
            Assert.True(exit == 0, err);
            s_html = File.ReadAllText(Path.Combine(dir, "report.html"));
        }
        return s_html;
    }

    // the data table under the figure whose caption starts with the plot's title
    private static string TableOf(string html, string title)
    {
        int at = html.IndexOf($"<figcaption><b>{title}</b>", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no figure titled {title}");
        at = html.IndexOf("<details>", at, StringComparison.Ordinal);
        return html[at..html.IndexOf("</details>", at, StringComparison.Ordinal)];
    }

    [Fact]
    public void CarveoutAndGcmaAreasAreDeviceOnlyOnTheMap()
    {
        string html = Html();
        // cma=64M: 32 pageblocks of 2 MiB. A carve-out or GCMA area is never the buddy's, so the map shows it as the
        // device's; with MIGRATE_CMA the same pageblocks are CMA pageblocks the kernel uses.
        foreach (string design in new[] { "carveout", "gcma" })
        {
            string t = TableOf(html, $"{design}: pageblock map");
            Assert.Contains("device area: 32 pageblocks (64 MiB)", t);
            Assert.DoesNotContain(">CMA<", t);
        }
        string cma = TableOf(html, "migrate-cma: pageblock map");
        Assert.Contains("/ CMA: 32 pageblocks (64 MiB)", cma);
        Assert.DoesNotContain("device area", cma);
    }

    [Fact]
    public void EveryPlotHasAHoverableDataTable()
    {
        string html = Html();
        int figures = Regex.Matches(html, "<figure>").Count;
        Assert.True(figures >= 7, html);
        Assert.Equal(figures, Regex.Matches(html, "<details>").Count);
        Assert.Matches("<td title=\"migrate-cma, 0 s: kernel-usable free \\d+ MiB, movable-only free \\d+ MiB\">", html);
    }

    [Fact]
    public void AnUnknownPlotHasNoSilentTable()
    {
        var r = new CompareResult("x", 1, 1, 0.1, []);
        Assert.Throws<InvalidOperationException>(() => PlotDataTables.For(new ReportPlot("new-plot.png", "t", "c"), r));
    }

    [Fact]
    public void ReclaimAgeHasADataTable()
    {
        // 4 reclaimed pages: 2 under 1 s old, 1 of [1, 2) s, 1 of [2, 4) s; 1 went while an older page stayed resident:
        // 25 % inverted, 50 % / 25 % / 25 % per bucket
        var d = new DesignReport { Design = "zone-cma", Available = true, LruOrder = new LruOrder(4, 1, 1, [2, 1, 1]) };
        string table = PlotDataTables.For(new ReportPlot("reclaim-age.png", "t", "c"), new CompareResult("x", 1, 1, 0.1, [d]));
        Assert.Contains("<th>&lt; 1 s</th><th>1-2 s</th><th>2-4 s</th>", table);
        Assert.Contains(">25 %</td>", table);
        Assert.Contains("title=\"zone-cma, age &lt; 1 s: 2 of 4 reclaimed pages\">50 %</td>", table);
        Assert.Contains("title=\"zone-cma, age 2-4 s: 1 of 4 reclaimed pages\">25 %</td>", table);
    }

    [Fact]
    public void BuffersAreReadyWhenTheirBurstsCallsHaveRun()
    {
        // two bursts of three calls: the simulation runs a burst's calls one after another (StepCma), so buffer k of a
        // burst is ready after the sum of the first k + 1 latencies of that burst
        double[] ready = LatencyPlot.ReadyTimes([100, 200, 300, 1, 2, 3], 3);
        Assert.Equal(new double[] { 100, 300, 600, 1, 3, 6 }, ready);
    }

    [Fact]
    public void DeadlineMissesOfTheRunMatchTheReadyTimes()
    {
        string html = Html();
        // deadline 5 ms, 2 buffers of 8 MiB per burst: the right panel exists only when the reconstruction reproduces
        // the run's own late count, which the table prints
        string t = TableOf(html, "cma_alloc latency distribution");
        Assert.Contains("ms deadline", t);
    }

    [Theory]
    [InlineData(98.4, 100, 90.5, 100.5)] // near the top: shifted down to stay within 100.5 %
    [InlineData(0, 0, -0.5, 9.5)]        // a design that never lets the kernel in
    [InlineData(40, 60, 38, 62)]         // wide enough: 10 % padding each side
    public void UtilisationAxisIsFittedWithinZeroToHundred(double min, double max, double left, double right)
    {
        (double l, double r) = UtilisationLatencyPlot.XRange(min, max);
        Assert.Equal(left, l, 6);
        Assert.Equal(right, r, 6);
    }

    [Fact]
    public void DesignsGetTheOkabeItoColours()
    {
        string[] hex = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
        for (int i = 0; i < hex.Length; i++)
        {
            Assert.Equal(ScottPlot.Color.FromHex(hex[i]), PlotStyle.Design(i));
        }
        Assert.Equal(PlotStyle.Design(0), PlotStyle.Design(8));
    }

    [Fact]
    public void MovingAverageKeepsTheEnds()
    {
        Assert.Equal(new[] { 1.5, 2, 3, 3.5 }, PlotStyle.Smooth([1, 2, 3, 4], 3));
    }
}
