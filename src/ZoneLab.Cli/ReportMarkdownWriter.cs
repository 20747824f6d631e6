using System.Text;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>Writes report.md: the heading, the report tables with their definitions, and links to the plots.</summary>
internal static class ReportMarkdownWriter
{
    /// <summary>The markdown text (no host data: byte-identical for the same scenario and seed).</summary>
    public static string Write(CompareResult r, IReadOnlyList<ReportPlot> plots)
    {
        var sb = new StringBuilder();
        sb.Append("# ZoneLab compare: ").Append(r.Scenario).Append("\n\n");
        sb.Append(CompareReportWriter.Heading(r)).Append(". Run metadata (time, host, wall time) is in run.json; the numbers are in report.json.\n\n");
        foreach (ReportTable t in ReportTables.Build(r))
        {
            sb.Append("## ").Append(t.Title).Append("\n\n").Append(t.Definition).Append("\n\n");
            sb.Append("| ").AppendJoin(" | ", t.Headers.Select(Cell)).Append(" |\n|");
            for (int i = 0; i < t.Headers.Count; i++)
            {
                sb.Append(i == 0 ? " --- |" : " ---: |");
            }
            sb.Append('\n');
            foreach (string[] row in t.Rows)
            {
                sb.Append("| ").AppendJoin(" | ", row.Select(Cell)).Append(" |\n");
            }
            sb.Append('\n');
        }
        if (plots.Count > 0)
        {
            sb.Append("## plots\n\n");
            foreach (ReportPlot p in plots)
            {
                sb.Append("### ").Append(p.Title).Append("\n\n").Append(p.Caption).Append("\n\n");
                sb.Append("![").Append(p.Title).Append("](").Append(p.FileName).Append(")\n\n");
            }
        }
        List<string> notes = CompareReportWriter.Notes(r);
        if (notes.Count > 0)
        {
            sb.Append("## notes\n\n");
            foreach (string n in notes)
            {
                sb.Append("- ").Append(n).Append('\n');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}
