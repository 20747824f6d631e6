using System.Globalization;
using System.Text.RegularExpressions;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>One zone's header numbers read from a real /proc/zoneinfo, with the line it starts on.</summary>
public sealed record ZoneinfoHeader(int Node, string Zone, ulong Spanned, ulong Present, ulong Managed, ulong? StartPfn, int Line)
{
    /// <summary>Any other "key value" lines of the zone (min, low, high, nr_free_pages, ...).</summary>
    public Dictionary<string, string> Fields { get; init; } = new();

    /// <summary>The zone's <c>cma</c> line (zone-&gt;cma_pages; kernels with CONFIG_CMA), 0 when absent.</summary>
    public ulong Cma => Fields.TryGetValue("cma", out string? v) && ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) ? n : 0;
}

/// <summary>Reads /proc/zoneinfo (mm/vmstat.c:zoneinfo_show_print layout) into per-zone records.</summary>
public static partial class ZoneinfoReader
{
    [GeneratedRegex(@"^Node (\d+), zone\s+(\S+)\s*$")]
    private static partial Regex Header();

    [GeneratedRegex(@"^\s+(\S+?):?\s+(.+?)\s*$")]
    private static partial Regex Field();

    /// <summary>Reads a zoneinfo file; errors name <paramref name="source"/> (default: the file's name).</summary>
    public static IReadOnlyList<ZoneinfoHeader> ReadFile(string path, string? source = null)
    {
        return Read(InputFiles.ReadLines(path), source ?? Path.GetFileName(path));
    }

    /// <summary>Reads zoneinfo lines.</summary>
    public static IReadOnlyList<ZoneinfoHeader> Read(IReadOnlyList<string> lines, string source)
    {
        var zones = new List<ZoneinfoHeader>();
        int node = -1, headerLine = 0;
        string? zone = null;
        Dictionary<string, string>? fields = null;

        void Flush()
        {
            if (zone == null || fields == null)
            {
                return;
            }
            ulong managed = Num(fields, "managed", headerLine);
            if (fields.TryGetValue("free", out string? free) && ulong.TryParse(free, NumberStyles.None, CultureInfo.InvariantCulture, out ulong freePages) && freePages > managed)
            {
                // NR_FREE_PAGES counts pages the zone's buddy allocator holds, all of them managed
                throw new ZoneLabInputException(source, headerLine, $"node {node} zone {zone}: pages free {freePages} exceeds managed {managed}; expected free <= managed");
            }
            zones.Add(new ZoneinfoHeader(node, zone, Num(fields, "spanned", headerLine), Num(fields, "present", headerLine), managed,
                fields.ContainsKey("start_pfn") ? Num(fields, "start_pfn", headerLine) : null, headerLine)
            { Fields = fields });
        }

        ulong Num(Dictionary<string, string> f, string key, int line)
        {
            if (!f.TryGetValue(key, out string? v) || !ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
            {
                throw new ZoneLabInputException(source, line, $"zone has no '{key}' line; expected /proc/zoneinfo text");
            }
            return n;
        }

        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            Match h = Header().Match(line);
            if (h.Success)
            {
                Flush();
                if (!int.TryParse(h.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out node) || node >= Layout.KernelLimits.MaxNumNodes)
                {
                    throw new ZoneLabInputException(source, i + 1, $"node {h.Groups[1].Value} is beyond MAX_NUMNODES ({Layout.KernelLimits.MaxNumNodes}); expected a node id the kernel can print");
                }
                zone = h.Groups[2].Value;
                headerLine = i + 1;
                fields = new Dictionary<string, string>();
                continue;
            }
            if (fields == null)
            {
                if (line.Trim().Length > 0)
                {
                    throw new ZoneLabInputException(source, i + 1, "expected a 'Node N, zone NAME' header first; is this /proc/zoneinfo?");
                }
                continue;
            }
            string t = line.Trim();
            if (t.StartsWith("pages free", StringComparison.Ordinal))
            {
                fields["free"] = t[10..].Trim();
                continue;
            }
            if (t.StartsWith("protection:", StringComparison.Ordinal))
            {
                fields["protection"] = t[11..].Trim();
                continue;
            }
            Match f = Field().Match(line);
            if (f.Success && !fields.ContainsKey(f.Groups[1].Value))
            {
                if (f.Groups[1].Value == "start_pfn" && !ulong.TryParse(f.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw new ZoneLabInputException(source, i + 1, $"start_pfn '{f.Groups[2].Value}' is not a page frame number; expected a decimal number");
                }
                fields[f.Groups[1].Value] = f.Groups[2].Value;
            }
        }
        Flush();
        if (zones.Count == 0)
        {
            throw new ZoneLabInputException(source, "no 'Node N, zone NAME' headers; expected /proc/zoneinfo text");
        }
        return zones;
    }

    /// <summary>The managed counts of a zoneinfo file, as the layout takes them (<see cref="RealManagedCounts"/>).</summary>
    public static RealManagedCounts ManagedCounts(string path, string? source = null)
    {
        var zones = new List<RealZoneCount>();
        foreach (ZoneinfoHeader h in ReadFile(path, source))
        {
            zones.Add(new RealZoneCount(h.Node, h.Zone, h.Present, h.Managed, h.Line));
        }
        return new RealManagedCounts(source ?? Path.GetFileName(path), zones);
    }
}
