using System.Globalization;
using Spectre.Console;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>Prints a <see cref="CompareResult"/> as tables or JSON (no host data, so the output is reproducible).</summary>
internal static class CompareReportWriter
{
    /// <summary>The JSON document, ending with a newline.</summary>
    public static string Json(CompareResult r) => ZoneLabJson.Report(r);

    /// <summary>The report tables (<see cref="ReportTables"/>), the skipped designs and actors.</summary>
    public static void Text(IAnsiConsole c, CompareResult r)
    {
        c.WriteLine(Heading(r));
        foreach (ReportTable t in ReportTables.Build(r))
        {
            FittedTable.Write(c, t.Title, t.Headers, t.Rows);
        }
        foreach (string line in Notes(r))
        {
            c.WriteLine(line);
        }
    }

    /// <summary>The first line: scenario, seed and simulated time.</summary>
    public static string Heading(CompareResult r)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        return $"scenario {r.Scenario}, seed {r.Seed}, {r.DurationSeconds.ToString("0.#", inv)} s simulated in {r.TickSeconds.ToString("0.###", inv)} s steps";
    }

    /// <summary>
    /// The boot warnings on stderr, for the formats whose stdout is data (JSON, CSV) and so carries no notes: a CMA
    /// area the kernel could not reserve must not go unseen.
    /// </summary>
    public static void BootWarningsToStderr(CompareResult r)
    {
        foreach (string line in BootNotes(r))
        {
            Console.Error.WriteLine($"zonelab: warning: {line}");
        }
    }

    // a boot warning once, naming the designs whose kernels gave it when not every design's did
    private static IEnumerable<string> BootNotes(CompareResult r)
    {
        var ran = r.Designs.Where(d => d.Available).ToList();
        foreach (string w in ran.SelectMany(d => d.BootWarnings ?? []).Distinct(StringComparer.Ordinal))
        {
            var who = ran.Where(d => d.BootWarnings?.Contains(w, StringComparer.Ordinal) == true).Select(d => d.Design).ToList();
            yield return who.Count == ran.Count ? $"boot: {w}" : $"boot ({string.Join(", ", who)}): {w}";
        }
    }

    /// <summary>Skipped designs, what the designs' boots warned about, and actors the model does not run.</summary>
    public static List<string> Notes(CompareResult r)
    {
        var lines = new List<string>();
        foreach (DesignReport d in r.Designs)
        {
            if (!d.Available)
            {
                lines.Add($"skipped {d.Design}: {d.SkipReason}");
            }
        }
        lines.AddRange(BootNotes(r));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (DesignReport d in r.Designs)
        {
            foreach (string a in d.SkippedActors)
            {
                if (seen.Add(a))
                {
                    lines.Add($"not modelled: {a}");
                }
            }
        }
        return lines;
    }
}
