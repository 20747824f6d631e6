using System.Globalization;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// Parses the text of <c>/proc/zoneinfo</c> (mm/vmstat.c <c>zoneinfo_show_print</c>) into <see cref="ZoneinfoZone"/>s.
/// The per-node block and pageset lines are skipped; per-zone counters are kept in <see cref="ZoneinfoZone.Stats"/>.
/// </summary>
public static class ZoneinfoParser
{
    /// <summary>
    /// Reads a zoneinfo file for the watermark replay: the text is first checked by <see cref="ZoneinfoReader"/> (errors
    /// name the file and line), and a file without "protection:" lines is refused, since watermarks need them.
    /// </summary>
    public static IReadOnlyList<ZoneinfoZone> ParseFile(string path)
    {
        IReadOnlyList<ZoneinfoHeader> headers = ZoneinfoReader.ReadFile(path);
        string name = Path.GetFileName(path);
        foreach (ZoneinfoHeader h in headers)
        {
            if (!h.Fields.ContainsKey("protection"))
            {
                throw new ZoneLabInputException(name, h.Line, $"node {h.Node} zone {h.Zone} has no 'protection: (...)' line; expected a whole /proc/zoneinfo");
            }
        }
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (FormatException ex)
        {
            throw new ZoneLabInputException(name, ex.Message);
        }
    }

    /// <summary>Parses a whole file's text.</summary>
    public static IReadOnlyList<ZoneinfoZone> Parse(string text)
    {
        var zones = new List<ZoneinfoZone>();
        ZoneinfoZone? cur = null;
        bool inNodeStats = false;
        bool inPagesets = false;
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.TrimEnd('\r');
            if (line.StartsWith("Node ", StringComparison.Ordinal))
            {
                // "Node 0, zone      DMA"
                int comma = line.IndexOf(',');
                int node = int.Parse(line.AsSpan(5, comma - 5), CultureInfo.InvariantCulture);
                string name = line[(line.IndexOf("zone", comma, StringComparison.Ordinal) + 4)..].Trim();
                if (!ZoneTypes.TryParse(name, out ZoneType type))
                {
                    throw new FormatException($"unknown zone name '{name}'");
                }

                cur = new ZoneinfoZone { Node = node, Type = type };
                zones.Add(cur);
                inNodeStats = false;
                inPagesets = false;
                continue;
            }

            if (cur is null)
            {
                continue;
            }

            string t = line.Trim();
            if (t.Length == 0)
            {
                continue;
            }

            if (t == "per-node stats")
            {
                inNodeStats = true;
                continue;
            }

            if (t.StartsWith("pages free", StringComparison.Ordinal))
            {
                inNodeStats = false;
                cur.Free = ParseU(t.AsSpan(10));
                continue;
            }

            if (t == "pagesets")
            {
                inPagesets = true;
                continue;
            }

            if (t.StartsWith("protection:", StringComparison.Ordinal))
            {
                string inner = t[(t.IndexOf('(') + 1)..t.IndexOf(')')];
                cur.Protection = inner.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(s => ulong.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                continue;
            }

            if (t.StartsWith("start_pfn:", StringComparison.Ordinal))
            {
                cur.StartPfn = ParseU(t.AsSpan(10));
                inPagesets = false;
                continue;
            }

            if (inNodeStats || inPagesets || t.StartsWith("vm stats threshold", StringComparison.Ordinal)
                || t.StartsWith("node_unreclaimable", StringComparison.Ordinal))
            {
                continue;
            }

            int sp = t.IndexOf(' ');
            if (sp < 0)
            {
                continue;
            }

            string key = t[..sp];
            if (!long.TryParse(t.AsSpan(sp + 1).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
            {
                continue;
            }

            switch (key)
            {
                case "boost": cur.Boost = (ulong)value; break;
                case "min": cur.Min = (ulong)value; break;
                case "low": cur.Low = (ulong)value; break;
                case "high": cur.High = (ulong)value; break;
                case "promo": cur.Promo = (ulong)value; break;
                case "spanned": cur.Spanned = (ulong)value; break;
                case "present": cur.Present = (ulong)value; break;
                case "managed": cur.Managed = (ulong)value; break;
                case "cma": cur.Cma = (ulong)value; break;
                default: cur.Stats[key] = value; break;
            }
        }

        return zones;
    }

    /// <summary>Number of zone types of the kernel config that printed the file (entries of <c>protection:</c>).</summary>
    public static int MaxNrZones(IReadOnlyList<ZoneinfoZone> zones) => zones.Count == 0 ? 0 : zones[0].Protection.Length;

    private static ulong ParseU(ReadOnlySpan<char> s) => ulong.Parse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);
}
