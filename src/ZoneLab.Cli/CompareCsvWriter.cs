using System.Text;
using ZoneLab.Cli.Sweep;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// <c>compare --format csv</c>: every report table (<see cref="ReportTables"/>) as its own CSV file (RFC 4180, the
/// header row first, cells as the tables print them), named after the table: <c>01-device-memory-cma_alloc.csv</c>.
/// The folder is written whole (a temporary folder renamed into place).
/// </summary>
internal static class CompareCsvWriter
{
    /// <summary>Writes the tables into <paramref name="dir"/>; returns the file names in report order.</summary>
    public static List<string> Write(string dir, CompareResult r)
    {
        string full = Path.GetFullPath(dir);
        string tmp = full.TrimEnd(Path.DirectorySeparatorChar) + $".{Environment.ProcessId}{AtomicFile.TempSuffix}";
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        Directory.CreateDirectory(tmp);
        var names = new List<string>();
        List<ReportTable> tables = ReportTables.Build(r);
        for (int i = 0; i < tables.Count; i++)
        {
            string name = $"{i + 1:D2}-{Slug(tables[i].Title)}.csv";
            var sb = new StringBuilder();
            sb.AppendJoin(',', tables[i].Headers.Select(SweepCsv.Field)).Append('\n');
            foreach (string[] row in tables[i].Rows)
            {
                sb.AppendJoin(',', row.Select(SweepCsv.Field)).Append('\n');
            }
            File.WriteAllText(Path.Combine(tmp, name), sb.ToString(), new UTF8Encoding(false));
            names.Add(name);
        }
        if (Directory.Exists(full))
        {
            Directory.Delete(full, recursive: true);
        }
        Directory.Move(tmp, full);
        return names;
    }

    /// <summary>"device memory (cma_alloc)" → "device-memory-cma_alloc".</summary>
    public static string Slug(string title)
    {
        var sb = new StringBuilder();
        foreach (char c in title.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }
        return sb.ToString().Trim('-');
    }
}
