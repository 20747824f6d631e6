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
    /// <summary>Writes the folder; returns the files written (names only) in order.</summary>
    public static List<string> Write(string dir, CompareResult r, IReadOnlyList<double> wallSeconds, string command)
    {
        Directory.CreateDirectory(dir);
        var plots = new List<ReportPlot>();
        foreach (DesignReport d in r.Designs)
        {
            if (d.Available && d.Pageblocks != null)
            {
                var p = new ReportPlot($"pageblocks-{d.Design}.png", $"{d.Design}: pageblock map",
                    "One cell per 2 MiB pageblock in physical address order at the end of the run; the hue is the pageblock's "
                    + "migratetype (get_pfnblock_migratetype), the shade its zone (darker DMA/DMA32, lighter ZONE_MOVABLE/ZONE_CMA), grey a hole.");
                PageblockPlot.Save(Path.Combine(dir, p.FileName), r.Scenario, d);
                plots.Add(p);
            }
        }
        Add(plots, dir, new ReportPlot("free-memory.png", "free memory over time",
            "Free pages per design, split into kernel-usable (solid: any request can take them) and movable-only (dashed: "
            + "free MIGRATE_CMA pages and free pages of ZONE_MOVABLE/ZONE_CMA)."), p => FreeMemoryPlot.Save(p, r.Scenario, r.Designs));
        Add(plots, dir, new ReportPlot("cma-latency-cdf.png", "cma_alloc latency distribution",
            "Cumulative distribution of cma_alloc() latencies per design (cost model, log scale)."), p => LatencyPlot.Save(p, r.Scenario, r.Designs));
        Add(plots, dir, new ReportPlot("cma-utilisation-vs-latency.png", "cma_alloc latency vs CMA utilisation",
            "Each cma_alloc() as a point: how much of the device areas the kernel was using when it was requested, against its latency."),
            p => UtilisationLatencyPlot.Save(p, r.Scenario, r.Designs));
        Add(plots, dir, new ReportPlot("fragmentation.png", "unusable free space index over time",
            "unusable_free_index at pageblock order over time (0: all free memory is in blocks of 2 MiB or more, 1: none is): all free memory (solid) and the free lists GFP_KERNEL may use (dashed)."),
            p => FragmentationPlot.Save(p, r.Scenario, r.Designs));
        if (r.Designs.Any(d => d.Bandwidth != null))
        {
            Add(plots, dir, new ReportPlot("bandwidth-share.png", "memory-controller bandwidth share",
                "Each memory controller's share of the load per design (workload accesses spread over the controllers holding its pages, device traffic on the controller holding its buffers; docs/bandwidth.md)."),
                p => BandwidthPlot.Save(p, r.Scenario, r.Designs));
        }

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

    private static void Add(List<ReportPlot> plots, string dir, ReportPlot p, Action<string> save)
    {
        save(Path.Combine(dir, p.FileName));
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
