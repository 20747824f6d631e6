using System.Net;
using System.Text;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// Writes report.html: one self-contained page (inline CSS, plots embedded as base64 PNG data URIs) that opens
/// offline; the same tables and captions as report.md.
/// </summary>
internal static class ReportHtmlWriter
{
    private const string Css = """
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
        p.def { color: #555; max-width: 60em; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; }
        th { background: #f0f0f0; }
        tr:nth-child(even) td { background: #fafafa; }
        figure { margin: 1em 0 2em; } figcaption { color: #555; max-width: 60em; }
        img { max-width: 100%; border: 1px solid #ddd; }
        details { margin: 0.3em 0 0; } summary { cursor: pointer; color: #0072B2; }
        details td[title] { cursor: help; }
        """;

    /// <summary>The HTML text; <paramref name="dir"/> holds the PNGs of <paramref name="plots"/>.</summary>
    public static string Write(CompareResult r, IReadOnlyList<ReportPlot> plots, string dir)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ZoneLab compare: ")
            .Append(E(r.Scenario)).Append("</title>\n<style>\n").Append(Css).Append("\n</style>\n</head>\n<body>\n");
        sb.Append("<h1>ZoneLab compare: ").Append(E(r.Scenario)).Append("</h1>\n<p>").Append(E(CompareReportWriter.Heading(r)))
            .Append(". Run metadata (time, host, wall time) is in run.json; the numbers are in report.json.</p>\n");
        foreach (ReportTable t in ReportTables.Build(r))
        {
            sb.Append("<h2>").Append(E(t.Title)).Append("</h2>\n<p class=\"def\">").Append(E(t.Definition)).Append("</p>\n<table>\n<thead><tr>");
            foreach (string h in t.Headers)
            {
                sb.Append("<th>").Append(E(h)).Append("</th>");
            }
            sb.Append("</tr></thead>\n<tbody>\n");
            foreach (string[] row in t.Rows)
            {
                sb.Append("<tr>");
                foreach (string c in row)
                {
                    sb.Append("<td>").Append(E(c)).Append("</td>");
                }
                sb.Append("</tr>\n");
            }
            sb.Append("</tbody>\n</table>\n");
        }
        if (plots.Count > 0)
        {
            sb.Append("<h2>plots</h2>\n");
            foreach (ReportPlot p in plots)
            {
                string data = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(dir, p.FileName)));
                sb.Append("<figure>\n<img alt=\"").Append(E(p.Title)).Append("\" title=\"").Append(E(p.Title + ": " + p.Caption))
                    .Append("\" src=\"data:image/png;base64,").Append(data)
                    .Append("\">\n<figcaption><b>").Append(E(p.Title)).Append("</b>: ").Append(E(p.Caption)).Append("</figcaption>\n")
                    .Append("<details>\n<summary>the numbers behind this plot (hover a cell for what it is)</summary>\n")
                    .Append(PlotDataTables.For(p, r)).Append("</details>\n</figure>\n");
            }
        }
        List<string> notes = CompareReportWriter.Notes(r);
        if (notes.Count > 0)
        {
            sb.Append("<h2>notes</h2>\n<ul>\n");
            foreach (string n in notes)
            {
                sb.Append("<li>").Append(E(n)).Append("</li>\n");
            }
            sb.Append("</ul>\n");
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
