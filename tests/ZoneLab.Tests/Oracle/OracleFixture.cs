using System.Text.RegularExpressions;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// One real-kernel boot recorded by tests/oracle/record-fixtures.sh: the case line (QEMU options and kernel
/// arguments) and what the guest printed (dmesg, /proc/zoneinfo, memory blocks).
/// </summary>
public sealed partial class OracleFixture
{
    private OracleFixture(string dir)
    {
        Dir = dir;
        Name = Path.GetFileName(dir);
        string[] parts = File.ReadAllText(Path.Combine(dir, "case.txt")).Split('|');
        QemuOptions = parts[1].Trim();
        KernelArgs = parts.Length > 2 ? parts[2].Trim() : string.Empty;
    }

    public string Dir { get; }

    public string Name { get; }

    public string QemuOptions { get; }

    public string KernelArgs { get; }

    public string DmesgPath => Path.Combine(Dir, "dmesg.txt");

    public string ZoneinfoPath => Path.Combine(Dir, "zoneinfo.txt");

    public string[] DmesgLines => File.ReadAllLines(DmesgPath);

    public override string ToString() => Name;

    /// <summary>Value of a QEMU option in the case line, e.g. "--mem".</summary>
    public string? Option(string name)
    {
        string[] t = QemuOptions.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int i = Array.IndexOf(t, name);
        return i >= 0 && i + 1 < t.Length ? t[i + 1] : null;
    }

    [GeneratedRegex(@"^\[\s*\d+\.\d+\] ")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^(This configuration results in unmirrored kernel memory\.|Zone ranges:|  \S+ +(\[mem .*\]|empty)|Movable zone start for each node|  Node \d+: 0x[0-9a-f]+|Early memory node ranges|  node +\d+: \[mem .*\]|Initmem setup node .*|On node \d+, zone \S+: \d+ pages in unavailable ranges)$")]
    private static partial Regex ZoneLine();

    /// <summary>The kernel's zone lines from the real boot log, timestamps removed, in order.</summary>
    public List<string> RealZoneLines()
    {
        var result = new List<string>();
        bool on = false;
        foreach (string raw in DmesgLines)
        {
            string l = Timestamp().Replace(raw, string.Empty);
            if (l.StartsWith("Built ", StringComparison.Ordinal) && l.Contains("zonelists", StringComparison.Ordinal))
            {
                break;
            }
            if (l == "Zone ranges:" || l.StartsWith("This configuration results", StringComparison.Ordinal))
            {
                on = true;
            }
            if (on && ZoneLine().IsMatch(l))
            {
                result.Add(l);
            }
        }
        return result;
    }

    /// <summary>memoryN → (node, valid_zones) from memory-blocks.txt.</summary>
    public Dictionary<ulong, (int Node, string ValidZones)> RealMemoryBlocks()
    {
        var d = new Dictionary<ulong, (int, string)>();
        foreach (string l in File.ReadAllLines(Path.Combine(Dir, "memory-blocks.txt")))
        {
            Match m = Regex.Match(l, @"^memory(\d+) .*node=(\S+) valid_zones=(\S+)");
            if (m.Success)
            {
                d[ulong.Parse(m.Groups[1].Value)] = (m.Groups[2].Value == "-" ? -1 : int.Parse(m.Groups[2].Value), m.Groups[3].Value);
            }
        }
        return d;
    }

    /// <summary>All recorded x86-64 fixtures (Fixtures/x86_64-6.1/*), sorted by name.</summary>
    public static IEnumerable<OracleFixture> All()
    {
        string root = Path.Combine(AppContext.BaseDirectory, "Fixtures", "x86_64-6.1");
        if (!Directory.Exists(root))
        {
            yield break;
        }
        foreach (string d in Directory.GetDirectories(root).OrderBy(x => x, StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(d, "case.txt")) && File.Exists(Path.Combine(d, "zoneinfo.txt")) && new FileInfo(Path.Combine(d, "zoneinfo.txt")).Length > 0)
            {
                yield return new OracleFixture(d);
            }
        }
    }

    /// <summary>xunit member data: fixture names.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (OracleFixture f in All())
        {
            data.Add(f.Name);
        }
        return data;
    }

    public static OracleFixture Get(string name) => All().Single(f => f.Name == name);
}
