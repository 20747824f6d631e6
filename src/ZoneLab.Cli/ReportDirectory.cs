using System.Globalization;
using System.Runtime.InteropServices;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// <c>--out DIR</c>: writes report.md, report.html, report.json, the PNG plots and run.json (docs/report.md). Only
/// run.json holds host data (time, host, .NET version, wall seconds), so everything else is reproducible.
/// </summary>
internal static class ReportDirectory
{
    /// <summary>
    /// Writes the folder atomically: everything goes into a temporary sibling folder that is renamed into place
    /// at the end (<see cref="AtomicOutput"/>), so a signal or a full disk never leaves a truncated report or a mix
    /// with an earlier run's files. Returns the files written (names only) in order.
    /// </summary>
    public static List<string> Write(string dir, CompareResult r, IReadOnlyList<double> wallSeconds, string command)
        => AtomicOutput.Folder(dir, tmp => WriteInto(tmp, r, wallSeconds, command));

    private static List<string> WriteInto(string dir, CompareResult r, IReadOnlyList<double> wallSeconds, string command)
    {
        var all = new List<ReportPlot>();
        var batch = new PlotBatch();
        foreach (DesignReport d in r.Designs)
        {
            if (d.Available && d.Pageblocks != null)
            {
                var p = new ReportPlot($"pageblocks-{d.Design}.png", $"{d.Design}: pageblock map",
                    "One cell per 2 MiB pageblock in physical address order at the end of the run, coloured by the pageblock's "
                    + "migratetype (get_pfnblock_migratetype); black borders separate the zones, each named where it starts; yellow is a "
                    + "device area the kernel never uses (carve-out, GCMA), grey a hole.");
                Add(batch, all, p, path => PageblockPlot.Save(path, r.Scenario, d));
            }
        }
        Add(batch, all, new ReportPlot("free-memory.png", "free memory over time",
            "One panel per design on the same scale: free memory any request can take (kernel-usable, dark) and stacked on it the free "
            + "memory only movable requests can take (movable-only, striped: free MIGRATE_CMA pages and free pages of ZONE_MOVABLE/ZONE_CMA); "
            + "the phases in which the device asks for memory are shaded, each burst a dotted line."), p => FreeMemoryPlot.Save(p, r));
        Add(batch, all, new ReportPlot("cma-latency-cdf.png", "cma_alloc latency distribution",
            "Cumulative distribution per design on a log time axis (cost model; dots mark p50 and p99). Left: each cma_alloc() call. "
            + "Right (one device with a deadline): when each buffer is ready, counted from its burst's request, against the deadline (dashed)."),
            p => LatencyPlot.Save(p, r.Scenario, r.Designs, r.Timeline));
        Add(batch, all, new ReportPlot("cma-utilisation-vs-latency.png", "cma_alloc latency vs CMA utilisation",
            "One panel per design: each cma_alloc() as a point, how much of the device areas the kernel was using when it was requested "
            + "(x) against its latency (y); both axes fitted to the design's points (read the tick labels; the designs' decades apart are in the latency distribution)."),
            p => UtilisationLatencyPlot.Save(p, r.Scenario, r.Designs));
        Add(batch, all, new ReportPlot("fragmentation.png", "unusable free space index over time",
            "unusable_free_index at pageblock order (0: all free memory is in blocks of 2 MiB or more, 1: none is), one panel per design: "
            + "5-second moving average of all free memory (solid) over the raw samples (faint), and of the free lists GFP_KERNEL may use (dashed black)."),
            p => FragmentationPlot.Save(p, r));
        if (r.Designs.Any(d => d.LruOrder is { AgedPages: > 0 }))
        {
            Add(batch, all, new ReportPlot("reclaim-age.png", "age of reclaimed pages",
                "Share of the pages reclaim freed per LRU age bucket (time since the page was added to the LRU or last activated), "
                + "per design; the legend gives the share reclaimed while an older page of the same inactive list stayed resident."),
                p => ReclaimAgePlot.Save(p, r.Scenario, r.Designs));
        }

        if (r.Designs.Any(d => d.Bandwidth != null))
        {
            Add(batch, all, new ReportPlot("bandwidth-share.png", "memory-controller bandwidth share",
                "Each memory controller's share of the load per design (workload accesses spread over the controllers holding its pages, device traffic on the controller holding its buffers; docs/bandwidth.md)."),
                p => BandwidthPlot.Save(p, r.Scenario, r.Designs));
        }

        List<string> drawn = batch.Write(dir, new PlotGuard());
        List<ReportPlot> plots = [.. all.Where(p => drawn.Contains(p.FileName))];
        File.WriteAllText(Path.Combine(dir, "report.json"), CompareReportWriter.Json(r));
        File.WriteAllText(Path.Combine(dir, "report.md"), ReportMarkdownWriter.Write(r, plots));
        File.WriteAllText(Path.Combine(dir, "report.html"), ReportHtmlWriter.Write(r, plots, dir));
        File.WriteAllText(Path.Combine(dir, "run.json"), RunJson(r, wallSeconds, command));
        var files = new List<string> { "report.md", "report.html", "report.json", "run.json" };
        foreach (ReportPlot p in plots)
        {
            files.Add(p.FileName);
        }
        return files;
    }

    private static void Add(PlotBatch batch, List<ReportPlot> plots, ReportPlot p, Action<string> save)
    {
        batch.Add(p.FileName, save);
        plots.Add(p);
    }

    // run metadata: the only place for host data
    private static string RunJson(CompareResult r, IReadOnlyList<double> wallSeconds, string command)
    {
        var wall = new SortedDictionary<string, double>(StringComparer.Ordinal);
        double total = 0;
        for (int i = 0; i < r.Designs.Count; i++)
        {
            wall[r.Designs[i].Design] = Math.Round(wallSeconds[i], 3);
            total += wallSeconds[i];
        }
        return ZoneLabJson.Run(new RunMetadata
        {
            Command = command,
            Utc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Host = Environment.MachineName,
            Os = RuntimeInformation.OSDescription,
            Dotnet = RuntimeInformation.FrameworkDescription,
            Processors = Environment.ProcessorCount,
            WallSeconds = wall,
            WallSecondsSum = Math.Round(total, 3),
        });
    }
}
