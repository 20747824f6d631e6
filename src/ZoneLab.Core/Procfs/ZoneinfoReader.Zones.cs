using System.Globalization;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <content>
/// The typed reading of /proc/zoneinfo (mm/vmstat.c <c>zoneinfo_show_print</c>) into <see cref="ZoneinfoZone"/>s, for
/// the watermark replay: the per-node block and pageset lines are skipped; per-zone counters are kept in
/// <see cref="ZoneinfoZone.Stats"/>.
/// </content>
public static partial class ZoneinfoReader
{
    /// <summary>
    /// Reads a zoneinfo file for the watermark replay: the text is first read as zone headers (<see cref="ReadFile"/>: errors
    /// name <paramref name="source"/>, default the file's name, and the line), and a file without "protection:" lines is refused, since watermarks need them.
    /// </summary>
    public static IReadOnlyList<ZoneinfoZone> ParseFile(string path, string? source = null)
    {
        string name = source ?? Path.GetFileName(path);
        string[] lines = Lines(InputFiles.ReadAllText(path));
        IReadOnlyList<ZoneinfoHeader> headers = Read(lines, name);
        foreach (ZoneinfoHeader h in headers)
        {
            if (!h.Fields.ContainsKey("protection"))
            {
                throw new ZoneLabInputException(name, h.Line, $"node {h.Node} zone {h.Zone} has no 'protection: (...)' line; expected a whole /proc/zoneinfo");
            }
        }
        try
        {
            return ParseZones(lines, name);
        }
        catch (FormatException ex)
        {
            throw new ZoneLabInputException(name, ex.Message);
        }
    }

    /// <summary>
    /// Parses a whole file's text into typed zones: the text is read as zone headers first (<see cref="Read"/>, with
    /// its located errors), then every number is checked, the zone names must be the kernel's, and every node must
    /// list the same zones in zone order (<see cref="MaxNrZones"/> of them).
    /// </summary>
    public static IReadOnlyList<ZoneinfoZone> Parse(string text, string source = "zoneinfo")
    {
        string[] lines = Lines(text);
        Read(lines, source);
        return ParseZones(lines, source);
    }

    private static string[] Lines(string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            lines[i] = lines[i].TrimEnd('\r');
        }

        return lines;
    }

    private static List<ZoneinfoZone> ParseZones(string[] lines, string source)
    {
        var zones = new List<ZoneinfoZone>();
        ZoneinfoZone? cur = null;
        bool inNodeStats = false;
        bool inPagesets = false;
        int lineNo = 0;
        var headerLines = new List<int>();
        foreach (string line in lines)
        {
            lineNo++;
            if (line.StartsWith("Node ", StringComparison.Ordinal))
            {
                // "Node 0, zone      DMA"
                int comma = line.IndexOf(',');
                int zoneAt = comma < 0 ? -1 : line.IndexOf("zone", comma, StringComparison.Ordinal);
                if (zoneAt < 0 || !int.TryParse(line.AsSpan(5, comma - 5), NumberStyles.None, CultureInfo.InvariantCulture, out int node)
                    || node >= Layout.KernelLimits.MaxNumNodes)
                {
                    throw new ZoneLabInputException(source, lineNo, $"'{Clip(line)}' is not a zone header; expected 'Node N, zone NAME' with N below MAX_NUMNODES ({Layout.KernelLimits.MaxNumNodes})");
                }
                string name = line[(zoneAt + 4)..].Trim();
                if (!ZoneTypes.TryParse(name, out ZoneType type))
                {
                    throw new ZoneLabInputException(source, lineNo, $"unknown zone name '{Clip(name)}'; expected DMA, DMA32, Normal, HighMem, Movable or Device");
                }

                cur = new ZoneinfoZone { Node = node, Type = type };
                zones.Add(cur);
                headerLines.Add(lineNo);
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
                cur.Free = ParseU(t.AsSpan(10), source, lineNo, "pages free");
                continue;
            }

            if (t == "pagesets")
            {
                inPagesets = true;
                continue;
            }

            if (t.StartsWith("protection:", StringComparison.Ordinal))
            {
                int open = t.IndexOf('('), close = t.IndexOf(')');
                if (open < 0 || close < open)
                {
                    throw new ZoneLabInputException(source, lineNo, "expected 'protection: (N, N, ...)'");
                }
                string[] parts = t[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                cur.Protection = new ulong[parts.Length];
                for (int k = 0; k < parts.Length; k++)
                {
                    cur.Protection[k] = ParseU(parts[k], source, lineNo, "protection");
                }
                continue;
            }

            if (t.StartsWith("start_pfn:", StringComparison.Ordinal))
            {
                cur.StartPfn = ParseU(t.AsSpan(10), source, lineNo, "start_pfn");
                inPagesets = false;
                continue;
            }

            if (inPagesets && ReadPagesetLine(cur, t, source, lineNo))
            {
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
                case "boost":
                    cur.Boost = (ulong)value;
                    break;
                case "min":
                    cur.Min = (ulong)value;
                    break;
                case "low":
                    cur.Low = (ulong)value;
                    break;
                case "high":
                    cur.High = (ulong)value;
                    break;
                case "promo":
                    cur.Promo = (ulong)value;
                    break;
                case "spanned":
                    cur.Spanned = (ulong)value;
                    break;
                case "present":
                    cur.Present = (ulong)value;
                    break;
                case "managed":
                    cur.Managed = (ulong)value;
                    break;
                case "cma":
                    cur.Cma = (ulong)value;
                    break;
                default:
                    cur.Stats[key] = value;
                    break;
            }
        }

        if (zones.Count == 0)
        {
            throw new ZoneLabInputException(source, "no 'Node N, zone NAME' headers; expected /proc/zoneinfo text");
        }
        CheckZoneOrder(zones, headerLines, source);
        return zones;
    }

    // "cpu: N" opens a CPU's pageset; its "count:", "high:" and "batch:" lines follow (zoneinfo_show_print)
    private static bool ReadPagesetLine(ZoneinfoZone cur, string t, string source, int lineNo)
    {
        int colon = t.IndexOf(':');
        if (colon < 0)
        {
            return false;
        }

        string key = t[..colon];
        if (key is not ("cpu" or "count" or "high" or "batch"))
        {
            return false;
        }

        if (!long.TryParse(t.AsSpan(colon + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long v))
        {
            throw new ZoneLabInputException(source, lineNo, $"'{Clip(t)}': expected '{key}: N' in a pagesets block");
        }

        if (key == "cpu")
        {
            cur.Pagesets.Add(new ZoneinfoPageset { Cpu = (int)Math.Min(v, int.MaxValue) });
            return true;
        }

        if (cur.Pagesets.Count == 0)
        {
            throw new ZoneLabInputException(source, lineNo, $"'{Clip(t)}' before any 'cpu: N' line of the pagesets block");
        }

        ZoneinfoPageset p = cur.Pagesets[^1];
        switch (key)
        {
            case "count":
                p.Count = v;
                break;
            case "high":
                p.High = v;
                break;
            default:
                p.Batch = v;
                break;
        }

        return true;
    }

    /// <summary>
    /// Number of zone types of the kernel config that printed the file: zoneinfo_show() prints every zone of a node,
    /// empty ones included, so it is the number of zone headers of the first node (not the length of a
    /// <c>protection:</c> array, which a partial file may lack).
    /// </summary>
    public static int MaxNrZones(IReadOnlyList<ZoneinfoZone> zones)
    {
        int n = 0;
        foreach (ZoneinfoZone z in zones)
        {
            if (z.Node == zones[0].Node)
            {
                n++;
            }
        }
        return n;
    }

    // zoneinfo_show() walks every node's zones in zone-type order, so each node lists the same zones: DMA, DMA32,
    // Normal, Movable, ... (ZONE_TYPE order), and each protection array has one entry per zone (MAX_NR_ZONES).
    private static void CheckZoneOrder(List<ZoneinfoZone> zones, List<int> headerLines, string source)
    {
        int perNode = MaxNrZones(zones);
        if (perNode < 3 || perNode > ZoneLab.Allocator.VmSysctls.MaxZoneTypes)
        {
            throw new ZoneLabInputException(source, headerLines[0], $"node {zones[0].Node} lists {perNode} zones; a kernel prints every zone of a node, 3 to {ZoneLab.Allocator.VmSysctls.MaxZoneTypes} of them");
        }
        for (int i = 0; i < zones.Count; i++)
        {
            ZoneinfoZone z = zones[i];
            int k = i % perNode;
            if ((int)z.Type != k || z.Node != zones[i - k].Node || (k == 0 && i > 0 && z.Node == zones[i - 1].Node))
            {
                throw new ZoneLabInputException(source, headerLines[i], $"node {z.Node} zone {ZoneTypes.Name(z.Type)} out of place; expected every node to list the same {perNode} zones in zone order, as zoneinfo_show() prints them");
            }
            if (z.Protection.Length != 0 && z.Protection.Length != perNode)
            {
                throw new ZoneLabInputException(source, headerLines[i], $"node {z.Node} zone {ZoneTypes.Name(z.Type)}: protection has {z.Protection.Length} entries; expected {perNode}, one per zone");
            }
        }
        if (zones.Count % perNode != 0)
        {
            throw new ZoneLabInputException(source, headerLines[^1], $"the last node lists fewer than {perNode} zones; is the file cut short?");
        }
    }

    private static ulong ParseU(ReadOnlySpan<char> s, string source, int line, string what)
    {
        if (!ulong.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong v))
        {
            throw new ZoneLabInputException(source, line, $"{what}: '{Clip(s.Trim().ToString())}' is not a non-negative 64-bit number");
        }
        return v;
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
