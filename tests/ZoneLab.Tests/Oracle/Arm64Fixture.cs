using System.Globalization;
using System.Text.RegularExpressions;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// One real boot of Debian's stock 6.1 arm64 kernel under QEMU virt (Fixtures/arm64-6.1/, recorded by the arm64
/// oracle): case.txt (<c>name | --arch arm64 --mem 2G [--numa A,B] [--dtb boot.dtb] | kernel args</c>), the full
/// command line, dmesg, /proc/zoneinfo, memory blocks and memblock debugfs.
/// </summary>
public sealed partial class Arm64Fixture
{
    private Arm64Fixture(string dir)
    {
        Dir = dir;
        Name = Path.GetFileName(dir);
        string[] parts = File.ReadAllText(Path.Combine(dir, "case.txt")).Split('|');
        Options = parts[1].Trim();
        KernelArgs = parts.Length > 2 ? parts[2].Trim() : string.Empty;
        CommandLine = File.ReadAllText(Path.Combine(dir, "cmdline.txt")).TrimEnd('\n');
    }

    public string Dir { get; }

    public string Name { get; }

    public string Options { get; }

    public string KernelArgs { get; }

    /// <summary>The guest's /proc/cmdline (QEMU -append).</summary>
    public string CommandLine { get; }

    public string File_(string name) => Path.Combine(Dir, name);

    public string[] DmesgLines => File.ReadAllLines(File_("dmesg.txt"));

    public override string ToString() => Name;

    public string? Option(string name)
    {
        string[] t = Options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int i = Array.IndexOf(t, name);
        return i >= 0 && i + 1 < t.Length ? t[i + 1] : null;
    }

    /// <summary>The layout the model computes for the fixture's machine and command line.</summary>
    public BootLayout Layout(bool withZoneinfo = false)
    {
        ulong ram = KernelNumber.ParseSize(Option("--mem")!, "--mem");
        List<ulong>? numa = Option("--numa")?.Split(',').Select(s => KernelNumber.ParseSize(s, "--numa")).ToList();
        string? dtb = Option("--dtb") is string d ? File_(d) : null;
        var b = new LayoutBuilder().ForArm64(ram, numa, dtb).WithCommandLine(CommandLine);
        if (InitrdSize() is ulong initrd)
        {
            b.WithInitrdSize(initrd);
        }
        if (withZoneinfo)
        {
            b.WithZoneinfo(File_("zoneinfo.txt"));
        }
        return b.Build();
    }

    /// <summary>linux,initrd-end - linux,initrd-start from the guest's /proc/device-tree dump.</summary>
    public ulong? InitrdSize()
    {
        string path = File_("devicetree.txt");
        if (!File.Exists(path))
        {
            return null;
        }
        string text = File.ReadAllText(path);
        Match s = Regex.Match(text, @"linux,initrd-start = <0x([0-9a-f]+)>");
        Match e = Regex.Match(text, @"linux,initrd-end = <0x([0-9a-f]+)>");
        return s.Success && e.Success
            ? ulong.Parse(e.Groups[1].Value, NumberStyles.HexNumber) - ulong.Parse(s.Groups[1].Value, NumberStyles.HexNumber)
            : null;
    }

    [GeneratedRegex(@"^\[\s*\d+\.\d+\] ")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^(Zone ranges:|  \S+ +(\[mem .*\]|empty)|Movable zone start for each node|  Node \d+: 0x[0-9a-f]+|Early memory node ranges|  node +\d+: \[mem .*\]|Initmem setup node .*|On node \d+, zone \S+: \d+ pages in unavailable ranges)$")]
    private static partial Regex ZoneLine();

    [GeneratedRegex(@"^(Machine model: |Reserved memory: |OF: reserved mem: |OF: fdt: |NUMA: |hugetlb_cma: |cma: |Memory limited to )")]
    private static partial Regex BootMessage();

    /// <summary>True for a line of free_area_init()'s zone report.</summary>
    public static bool IsZoneLine(string l) => ZoneLine().IsMatch(l);

    private IEnumerable<string> Lines() => DmesgLines.Select(l => Timestamp().Replace(l, string.Empty));

    /// <summary>free_area_init()'s zone lines, in order.</summary>
    public List<string> RealZoneLines()
    {
        var result = new List<string>();
        bool on = false;
        foreach (string l in Lines())
        {
            if (l.StartsWith("Built ", StringComparison.Ordinal))
            {
                break;
            }
            on |= l == "Zone ranges:";
            if (on && ZoneLine().IsMatch(l))
            {
                result.Add(l);
            }
        }
        return result;
    }

    /// <summary>Every line the model prints (boot messages and zone lines) as it appears in the real log, in order.</summary>
    public List<string> RealModelledLines()
    {
        var result = new List<string>();
        bool zones = false;
        bool early = true;
        foreach (string l in Lines())
        {
            if (l.StartsWith("Built ", StringComparison.Ordinal) || l.StartsWith("Kernel command line:", StringComparison.Ordinal))
            {
                early = false;
            }
            zones |= l == "Zone ranges:";
            if (early && zones && ZoneLine().IsMatch(l))
            {
                result.Add(l);
            }
            else if (early && BootMessage().IsMatch(l))
            {
                result.Add(l);
            }
            else if (!early && l.StartsWith("cma: CMA area ", StringComparison.Ordinal))
            {
                result.Add(l);
            }
        }
        return result;
    }

    /// <summary>"cma: Reserved N MiB at 0x..." and "Reserved memory: created CMA memory pool at 0x..., size N MiB" as (base, MiB).</summary>
    public List<(ulong Base, ulong MiB)> RealCmaDeclarations()
    {
        var result = new List<(ulong, ulong)>();
        foreach (string l in Lines())
        {
            Match m = Regex.Match(l, @"^(?:cma: Reserved (\d+) MiB at 0x([0-9a-f]+)|Reserved memory: created CMA memory pool at 0x([0-9a-f]+), size (\d+) MiB)$");
            if (m.Success)
            {
                result.Add(m.Groups[1].Success
                    ? (ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber), ulong.Parse(m.Groups[1].Value))
                    : (ulong.Parse(m.Groups[3].Value, NumberStyles.HexNumber), ulong.Parse(m.Groups[4].Value)));
            }
        }
        return result;
    }

    /// <summary>memoryN → (node, valid_zones).</summary>
    public Dictionary<ulong, (int Node, string ValidZones)> RealMemoryBlocks()
    {
        var d = new Dictionary<ulong, (int, string)>();
        foreach (string l in File.ReadAllLines(File_("memory-blocks.txt")))
        {
            Match m = Regex.Match(l, @"^memory(\d+) .*node=(\S+) valid_zones=(\S+)");
            if (m.Success)
            {
                d[ulong.Parse(m.Groups[1].Value)] = (m.Groups[2].Value == "-" ? -1 : int.Parse(m.Groups[2].Value), m.Groups[3].Value);
            }
        }
        return d;
    }

    public static IEnumerable<Arm64Fixture> All()
    {
        string root = Path.Combine(AppContext.BaseDirectory, "Fixtures", "arm64-6.1");
        if (!Directory.Exists(root))
        {
            yield break;
        }
        foreach (string d in Directory.GetDirectories(root).OrderBy(x => x, StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(d, "case.txt")) && File.Exists(Path.Combine(d, "zoneinfo.txt")))
            {
                yield return new Arm64Fixture(d);
            }
        }
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (Arm64Fixture f in All())
        {
            data.Add(f.Name);
        }
        return data;
    }

    public static Arm64Fixture Get(string name) => All().Single(f => f.Name == name);
}
