using System.Globalization;

namespace ZoneLab.Procfs;

/// <summary>
/// Line and token helpers shared by the /proc readers of a device snapshot: bounded reads (a /proc text file is at most
/// a few hundred kB; anything far larger is not one), numbers that must fit, and the "Node N, zone NAME" prefix that
/// buddyinfo, pagetypeinfo and zoneinfo share.
/// </summary>
internal static class ProcText
{
    /// <summary>Largest file a reader accepts (64 MiB; /proc/zoneinfo of a 1024-CPU machine is a few MB).</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>The file's lines (without line ends), refusing files that cannot be /proc text.</summary>
    public static string[] ReadLines(string path, string source)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ZoneLabInputException(source, "file not found");
        }

        if (info.Length > MaxBytes)
        {
            throw new ZoneLabInputException(source, $"{info.Length} bytes; a /proc text file is far smaller (limit {MaxBytes})");
        }

        // the length above is 0 for a device such as /dev/zero: InputFiles bounds the read itself (size and line length)
        using FileStream fs = InputFiles.OpenRead(path);
        List<string> lines = InputFiles.ReadLines(fs, source, MaxBytes);
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains('\0'))
            {
                throw new ZoneLabInputException(source, i + 1, "NUL byte; expected the text of a /proc file");
            }
        }

        return [.. lines];
    }

    /// <summary>Whitespace-separated tokens.</summary>
    public static string[] Tokens(string line) => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A non-negative decimal count that fits a long.</summary>
    public static long Count(string token, string source, int line, string what)
    {
        if (!long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out long v))
        {
            throw new ZoneLabInputException(source, line, $"{what}: '{Clip(token)}' is not a count");
        }

        return v;
    }

    /// <summary>
    /// Parses the "Node N, zone NAME" prefix; returns the node, the zone name and the index of the first token after
    /// the zone name in <paramref name="tokens"/>.
    /// </summary>
    public static (int Node, string Zone, int Next) NodeZone(string[] tokens, string source, int line)
    {
        // "Node", "0,", "zone", "DMA32", ...
        if (tokens.Length < 4 || tokens[0] != "Node" || !tokens[1].EndsWith(',') || tokens[2] != "zone")
        {
            throw new ZoneLabInputException(source, line, "expected 'Node N, zone NAME ...'");
        }

        if (!int.TryParse(tokens[1].AsSpan(0, tokens[1].Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int node) || node > 1023)
        {
            throw new ZoneLabInputException(source, line, $"'{Clip(tokens[1])}' is not a node number");
        }

        return (node, tokens[3].TrimEnd(','), 4);
    }

    /// <summary>A token cut to a printable length for messages.</summary>
    public static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
