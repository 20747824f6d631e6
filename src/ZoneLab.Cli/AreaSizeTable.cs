using System.Globalization;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>The compare report's table of the run's device-area share next to published area sizes (issue 13 item 8).</summary>
internal static class AreaSizeTable
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>The table, or null when no design reported its areas and memory.</summary>
    public static ReportTable? Build(List<DesignReport> ran)
    {
        DesignReport? d = ran.Find(r => r.PresentPages > 0 && r.ReservedPages > 0);
        if (d == null)
        {
            return null;
        }
        double runMiB = d.ReservedPages * 4096.0 / (1 << 20), memMiB = d.PresentPages * 4096.0 / (1 << 20);
        double runShare = runMiB / memMiB;
        var rows = new List<string[]>();
        rows.Add(["this run (" + d.Design + ")", "device areas", Mib(runMiB), Mib(memMiB), ReportTables.Pct(runShare), "1.00", "the scenario"]);
        foreach (PublishedAreaSize p in PublishedAreaSizes.All)
        {
            string memory = p.MemoryMiB is double m ? Mib(m) : "-";
            string share = p.Share is double s ? ReportTables.Pct(s) : "-";
            string vsRun = p.Share is double s2 ? (s2 / runShare).ToString("0.00", s_inv) : "-";
            rows.Add([p.System, p.Kind, Mib(p.AreaMiB), memory, share, vsRun, p.Source]);
        }
        return new ReportTable("device area size against published sizes",
            "The run's device areas (CMA areas, DMBs, carve-outs) as a share of present memory, next to area sizes published in "
            + "kernel device trees, the DMB and ZONE_CMA series and the hugetlb_cma commit (docs/seed-questions.md). "
            + "vs run: the published share divided by this run's.",
            ["system", "area", "MiB", "memory MiB", "share", "vs run", "source"], rows);
    }

    private static string Mib(double v) => v.ToString("#,0", s_inv);
}
