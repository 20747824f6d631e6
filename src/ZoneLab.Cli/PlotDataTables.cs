using System.Globalization;
using System.Net;
using System.Text;
using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// The numbers behind each report plot as a small HTML table for report.html (inside a collapsed
/// <c>&lt;details&gt;</c> under the picture): every cell carries a <c>title</c>, so hovering it names the design, the
/// time or zone and the value. Every plot kind has one; an unknown plot file is an error, not a silent omission.
/// </summary>
internal static class PlotDataTables
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>Simulated seconds between the columns of the over-time tables.</summary>
    public const double TimeStepSeconds = 10;

    /// <summary>The table of <paramref name="plot"/>.</summary>
    public static string For(ReportPlot plot, CompareResult r)
    {
        string f = plot.FileName;
        if (f.StartsWith("pageblocks-", StringComparison.Ordinal))
        {
            string design = f["pageblocks-".Length..^".png".Length];
            return Pageblocks(r.Designs.Single(d => d.Design == design));
        }
        return f switch
        {
            "free-memory.png" => OverTime(r, "free MiB (kernel-usable / movable-only)",
                s => $"{Mib(s.KernelUsableFreePages)} / {Mib(s.MovableOnlyFreePages)}",
                (d, s) => $"{d}, {Num(s.TimeSeconds)} s: kernel-usable free {Mib(s.KernelUsableFreePages)} MiB, movable-only free {Mib(s.MovableOnlyFreePages)} MiB"),
            "fragmentation.png" => OverTime(r, "unusable free space index (all / kernel-usable)",
                s => $"{Num(s.UnusableIndex / 1000.0)} / {Num(s.KernelUnusableIndex / 1000.0)}",
                (d, s) => $"{d}, {Num(s.TimeSeconds)} s: unusable index of all free memory {Num(s.UnusableIndex / 1000.0)}, of the kernel-usable free lists {Num(s.KernelUnusableIndex / 1000.0)}"),
            "cma-latency-cdf.png" => Latency(r),
            "cma-utilisation-vs-latency.png" => Utilisation(r),
            "bandwidth-share.png" => Bandwidth(r),
            "reclaim-age.png" => ReclaimAge(r),
            _ => throw new InvalidOperationException($"report plot {f} has no data table (PlotDataTables.For)"),
        };
    }

    private static string Pageblocks(DesignReport d)
    {
        PageblockMap map = d.Pageblocks!;
        var counts = new SortedDictionary<(int Zone, int Kind), long>();
        long holes = 0;
        for (int b = 0; b < map.Count; b++)
        {
            if (!map.TryGet(b, out ZoneType z, out MigrateType mt))
            {
                holes++;
                continue;
            }
            var key = ((int)z, map.IsDeviceOnly(b) ? PageblockMap.DeviceOnlyType : (int)mt);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        var zones = counts.Keys.Select(k => k.Zone).Distinct().ToList();
        var kinds = counts.Keys.Select(k => k.Kind).Distinct().Order().ToList();
        var sb = new StringBuilder();
        sb.Append("<table>\n<thead><tr><th>zone</th>");
        foreach (int k in kinds)
        {
            sb.Append("<th>").Append(E(KindName(k))).Append("</th>");
        }
        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (int z in zones)
        {
            string zone = ZoneTypes.Name((ZoneType)z);
            sb.Append("<tr><td>").Append(E(zone)).Append("</td>");
            foreach (int k in kinds)
            {
                long n = counts.GetValueOrDefault((z, k));
                Cell(sb, n.ToString(s_inv), $"{d.Design}: {zone} / {KindName(k)}: {n} pageblocks ({n * 2} MiB)");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("<tr><td>holes</td>");
        Cell(sb, holes.ToString(s_inv), $"{d.Design}: {holes} pageblocks of holes ({holes * 2} MiB)");
        sb.Append("</tr>\n</tbody>\n</table>\n");
        return sb.ToString();
    }

    private static string KindName(int kind) => kind == PageblockMap.DeviceOnlyType ? "device area" : MigrateTypes.Name((MigrateType)kind);

    // one row per design, one column every TimeStepSeconds (the sample at or just before that time)
    private static string OverTime(CompareResult r, string what, Func<MetricsSample, string> value, Func<string, MetricsSample, string> title)
    {
        var designs = r.Designs.Where(d => d.Available && d.Samples.Count > 0).ToList();
        if (designs.Count == 0)
        {
            return "<p>no samples</p>\n";
        }
        double end = designs.Max(d => d.Samples[^1].TimeSeconds);
        var times = new List<double>();
        for (double t = 0; t <= end + 1e-9; t += TimeStepSeconds)
        {
            times.Add(t);
        }
        var sb = new StringBuilder();
        sb.Append("<table>\n<thead><tr><th>").Append(E(what)).Append("</th>");
        foreach (double t in times)
        {
            sb.Append("<th>").Append(Num(t)).Append(" s</th>");
        }
        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (DesignReport d in designs)
        {
            sb.Append("<tr><td>").Append(E(d.Design)).Append("</td>");
            foreach (double t in times)
            {
                MetricsSample s = At(d.Samples, t);
                Cell(sb, value(s), title(d.Design, s));
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
        return sb.ToString();
    }

    private static MetricsSample At(IReadOnlyList<MetricsSample> samples, double t)
    {
        MetricsSample best = samples[0];
        foreach (MetricsSample s in samples)
        {
            if (s.TimeSeconds > t + 1e-9)
            {
                break;
            }
            best = s;
        }
        return best;
    }

    private static string Latency(CompareResult r)
    {
        PlotDevice? device = r.Timeline.Devices.Count == 1 ? r.Timeline.Devices[0] : null;
        var sb = new StringBuilder();
        sb.Append("<table>\n<thead><tr><th>design</th><th>calls</th><th>p50 ms</th><th>p99 ms</th><th>max ms</th>");
        if (device?.DeadlineMs is double)
        {
            sb.Append("<th>ready p50 ms</th><th>ready p99 ms</th><th>late</th>");
        }
        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (DesignReport d in r.Designs.Where(d => d.Available && d.DeviceLatenciesMs.Count > 0))
        {
            sb.Append("<tr><td>").Append(E(d.Design)).Append("</td>");
            Cell(sb, d.DeviceLatenciesMs.Count.ToString(s_inv), $"{d.Design}: {d.DeviceLatenciesMs.Count} cma_alloc() calls");
            Cell(sb, Num(d.DeviceLatency.P50Ms), $"{d.Design}: median cma_alloc() latency {Num(d.DeviceLatency.P50Ms)} ms");
            Cell(sb, Num(d.DeviceLatency.P99Ms), $"{d.Design}: 99th percentile {Num(d.DeviceLatency.P99Ms)} ms");
            Cell(sb, Num(d.DeviceLatency.MaxMs), $"{d.Design}: slowest call {Num(d.DeviceLatency.MaxMs)} ms");
            if (device?.DeadlineMs is double deadline)
            {
                double[] ready = LatencyPlot.ReadyTimes(d.DeviceLatenciesMs, device.Count).Order().ToArray();
                double p50 = ready[Math.Clamp((int)Math.Ceiling(0.5 * ready.Length) - 1, 0, ready.Length - 1)];
                double p99 = ready[Math.Clamp((int)Math.Ceiling(0.99 * ready.Length) - 1, 0, ready.Length - 1)];
                Cell(sb, Num(p50), $"{d.Design}: half the buffers ready within {Num(p50)} ms of their burst's request");
                Cell(sb, Num(p99), $"{d.Design}: 99 % of the buffers ready within {Num(p99)} ms");
                Cell(sb, d.DeadlineMisses.ToString(s_inv), $"{d.Design}: {d.DeadlineMisses} buffers later than the {Num(deadline)} ms deadline");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
        return sb.ToString();
    }

    private static string Utilisation(CompareResult r)
    {
        var sb = new StringBuilder();
        sb.Append("<table>\n<thead><tr><th>design</th><th>calls</th><th>use at request, min-max %</th><th>latency min-max ms</th></tr></thead>\n<tbody>\n");
        foreach (DesignReport d in r.Designs.Where(d => d.Available && d.DeviceLatenciesMs.Count > 0))
        {
            double uMin = d.DeviceUtilisationAtRequest.Min() * 100, uMax = d.DeviceUtilisationAtRequest.Max() * 100;
            double lMin = d.DeviceLatenciesMs.Min(), lMax = d.DeviceLatenciesMs.Max();
            sb.Append("<tr><td>").Append(E(d.Design)).Append("</td>");
            Cell(sb, d.DeviceLatenciesMs.Count.ToString(s_inv), $"{d.Design}: {d.DeviceLatenciesMs.Count} cma_alloc() calls");
            Cell(sb, $"{Num(uMin)}-{Num(uMax)}", $"{d.Design}: the kernel used {Num(uMin)} to {Num(uMax)} % of the device areas when the calls came");
            Cell(sb, $"{Num(lMin)}-{Num(lMax)}", $"{d.Design}: calls took {Num(lMin)} to {Num(lMax)} ms");
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
        return sb.ToString();
    }

    // reclaim-age.png: per design, the share of the reclaimed pages in each age bucket (0: under 1 s, k: [2^(k-1), 2^k) s)
    private static string ReclaimAge(CompareResult r)
    {
        var aged = r.Designs.Where(d => d.Available && d.LruOrder is { AgedPages: > 0 }).ToList();
        int buckets = aged.Count == 0 ? 0 : aged.Max(d => d.LruOrder!.AgeHistogram.Length);
        var sb = new StringBuilder();
        sb.Append("<table>\n<thead><tr><th>design</th><th>inverted</th>");
        for (int k = 0; k < buckets; k++)
        {
            sb.Append("<th>").Append(E(AgeBucket(k))).Append("</th>");
        }
        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (DesignReport d in aged)
        {
            LruOrder o = d.LruOrder!;
            sb.Append("<tr><td>").Append(E(d.Design)).Append("</td>");
            Cell(sb, Num(o.InvertedFraction * 100) + " %", $"{d.Design}: {Num(o.InvertedFraction * 100)} % of {o.AgedPages} reclaimed pages went while an older page of the same list stayed resident");
            for (int k = 0; k < buckets; k++)
            {
                long n = k < o.AgeHistogram.Length ? o.AgeHistogram[k] : 0;
                Cell(sb, Num(100.0 * n / o.AgedPages) + " %", $"{d.Design}, age {AgeBucket(k)}: {n} of {o.AgedPages} reclaimed pages");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
        return sb.ToString();
    }

    private static string AgeBucket(int k) => k == 0 ? "< 1 s" : $"{Num(Math.Pow(2, k - 1))}-{Num(Math.Pow(2, k))} s";

    private static string Bandwidth(CompareResult r)
    {
        var sb = new StringBuilder();
        sb.Append("<table>\n<thead><tr><th>design</th><th>controller</th><th>load GB/s</th><th>share</th></tr></thead>\n<tbody>\n");
        foreach (DesignReport d in r.Designs.Where(d => d.Available && d.Bandwidth is { Controllers.Count: > 0 }))
        {
            foreach (ControllerLoad c in d.Bandwidth!.Controllers)
            {
                sb.Append("<tr><td>").Append(E(d.Design)).Append("</td><td>").Append(E(c.Name)).Append("</td>");
                Cell(sb, Num(c.LoadBytesPerSecond / 1e9), $"{d.Design}, {c.Name}: load {Num(c.LoadBytesPerSecond / 1e9)} GB/s");
                Cell(sb, Num(c.Share * 100) + " %", $"{d.Design}, {c.Name}: {Num(c.Share * 100)} % of the load");
                sb.Append("</tr>\n");
            }
        }
        sb.Append("</tbody>\n</table>\n");
        return sb.ToString();
    }

    private static void Cell(StringBuilder sb, string text, string title) =>
        sb.Append("<td title=\"").Append(E(title)).Append("\">").Append(E(text)).Append("</td>");

    private static string Mib(long pages) => (pages / 256.0).ToString("0", s_inv);

    private static string Num(double v) => Math.Abs(v) >= 100 ? v.ToString("0", s_inv) : v.ToString("0.###", s_inv);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
