using System.Globalization;

namespace ZoneLab.Procfs;

/// <summary>
/// Reads <c>/proc/vmstat</c> (mm/vmstat.c <c>vmstat_show</c>: "name value" per line; node and zone counters, then
/// events). Values are signed: a per-cpu drift can show a small counter as negative on some kernels.
/// </summary>
public static class VmstatReader
{
    /// <summary>Reads a file; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyDictionary<string, long> Read(string path, string source) => Parse(ProcText.ReadLines(path, source), source);

    /// <summary>Parses the file's lines.</summary>
    public static IReadOnlyDictionary<string, long> Parse(IReadOnlyList<string> lines, string source)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Count; i++)
        {
            string[] t = ProcText.Tokens(lines[i]);
            if (t.Length == 0)
            {
                continue;
            }

            if (t.Length != 2 || !long.TryParse(t[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
            {
                throw new ZoneLabInputException(source, i + 1, "expected 'name value'");
            }

            if (!d.TryAdd(t[0], v))
            {
                throw new ZoneLabInputException(source, i + 1, $"{ProcText.Clip(t[0])} appears twice");
            }
        }

        if (!d.ContainsKey("nr_free_pages"))
        {
            throw new ZoneLabInputException(source, "no 'nr_free_pages' line; expected /proc/vmstat");
        }

        return d;
    }
}
