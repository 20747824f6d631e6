using System.Globalization;

namespace ZoneLab.Procfs;

/// <summary>
/// <c>/proc/meminfo</c> as read: every "Name: value [kB]" line (fs/proc/meminfo.c), values kept as printed (kB for the
/// sized fields, counts for HugePages_*), with the line each came from.
/// </summary>
public sealed class MeminfoFile
{
    private readonly Dictionary<string, (long Value, int Line)> _fields;

    internal MeminfoFile(string source, Dictionary<string, (long Value, int Line)> fields)
    {
        Source = source;
        _fields = fields;
    }

    /// <summary>The file name used in errors.</summary>
    public string Source { get; }

    /// <summary>Field names in file order.</summary>
    public IEnumerable<string> Names => _fields.OrderBy(f => f.Value.Line).Select(f => f.Key);

    /// <summary>True when the field is present.</summary>
    public bool Has(string name) => _fields.ContainsKey(name);

    /// <summary>A field's value (kB for sized fields), or null when the kernel did not print it.</summary>
    public long? Kb(string name) => _fields.TryGetValue(name, out var f) ? f.Value : null;

    /// <summary>The line a field is on (0 when absent).</summary>
    public int LineOf(string name) => _fields.TryGetValue(name, out var f) ? f.Line : 0;

    /// <summary>A required field in pages of 4 KiB (kB / 4).</summary>
    public long Pages(string name)
        => _fields.TryGetValue(name, out var f) ? f.Value / 4 : throw new ZoneLabInputException(Source, $"no '{name}:' line; expected a whole /proc/meminfo");

    /// <summary>An optional field in pages (0 when absent: older kernels lack e.g. KernelStack).</summary>
    public long PagesOrZero(string name) => _fields.TryGetValue(name, out var f) ? f.Value / 4 : 0;
}

/// <summary>Reads <c>/proc/meminfo</c>.</summary>
public static class MeminfoReader
{
    /// <summary>Reads a file; <paramref name="source"/> names it in errors.</summary>
    public static MeminfoFile Read(string path, string source) => Parse(ProcText.ReadLines(path, source), source);

    /// <summary>Parses the file's lines: "Name:" then a count followed by "kB" (without it for the HugePages_ counts).</summary>
    public static MeminfoFile Parse(IReadOnlyList<string> lines, string source)
    {
        var fields = new Dictionary<string, (long, int)>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            if (line.Trim().Length == 0)
            {
                continue;
            }

            int colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new ZoneLabInputException(source, i + 1, "expected 'Name: value kB'");
            }

            string name = line[..colon];
            string[] rest = ProcText.Tokens(line[(colon + 1)..]);
            if (rest.Length is < 1 or > 2 || (rest.Length == 2 && rest[1] != "kB"))
            {
                throw new ZoneLabInputException(source, i + 1, $"{ProcText.Clip(name)}: expected a number, optionally followed by kB");
            }

            // fs/proc/meminfo.c prints every field through show_val_kb (" kB") but the four HugePages_ counts: a sized
            // field without its unit is a line cut short (a meminfo cut after "Inactive(anon):   1" read as 1 kB)
            if (rest.Length == 1 && !name.StartsWith("HugePages_", StringComparison.Ordinal))
            {
                throw new ZoneLabInputException(source, i + 1, $"{ProcText.Clip(name)}: expected '{ProcText.Clip(rest[0])} kB' (every field but HugePages_* is in kB); is the file cut short?");
            }

            if (!long.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v > long.MaxValue / 1024)
            {
                throw new ZoneLabInputException(source, i + 1, $"{ProcText.Clip(name)}: '{ProcText.Clip(rest[0])}' is not a count");
            }

            if (!fields.TryAdd(name, (v, i + 1)))
            {
                throw new ZoneLabInputException(source, i + 1, $"{ProcText.Clip(name)} appears twice");
            }
        }

        if (!fields.ContainsKey("MemTotal"))
        {
            throw new ZoneLabInputException(source, "no 'MemTotal:' line; expected /proc/meminfo");
        }

        return new MeminfoFile(source, fields);
    }
}
