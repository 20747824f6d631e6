using System.Globalization;
using System.Text.RegularExpressions;

namespace ZoneLab.Layout;

/// <summary>
/// Reads an x86 boot log (dmesg, serial console or journal text, with or without timestamps) into a
/// <see cref="MachineDescription"/>: the <c>BIOS-e820:</c> map, ACPI SRAT node ranges, the kernel's own
/// "Early memory node ranges", the command line and the memory block size line.
/// </summary>
public static partial class DmesgReader
{
    [GeneratedRegex(@"BIOS-e820: \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\] (.+?)\s*$")]
    private static partial Regex E820Line();

    // Kernels before 4.x: "BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)"
    [GeneratedRegex(@"BIOS-e820: ([0-9a-fA-F]{8,16}) - ([0-9a-fA-F]{8,16}) \((.+)\)\s*$")]
    private static partial Regex E820LineOld();

    [GeneratedRegex(@"SRAT: Node (\d+) PXM (\d+) \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]( hotplug)?")]
    private static partial Regex SratLine();

    [GeneratedRegex(@"^\s*node\s+(\d+): \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]\s*$")]
    private static partial Regex NodeRangeLine();

    [GeneratedRegex(@"^RAMDISK: \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]")]
    private static partial Regex RamdiskLine();

    [GeneratedRegex(@"^NODE_DATA\((\d+)\) allocated \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]")]
    private static partial Regex NodeDataLine();

    [GeneratedRegex(@"x86/mm: Memory block size: (\d+)MB")]
    private static partial Regex BlockSizeLine();

    [GeneratedRegex(@"^\s*(<\d+>)?(\[\s*\d+\.\d+\])?(\[\s*[TC]\d+\])?\s?")]
    private static partial Regex Prefix();

    /// <summary>Reads a boot log file.</summary>
    public static MachineDescription ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ZoneLabInputException(path, "file not found");
        }
        return Read(File.ReadAllLines(path), Path.GetFileName(path));
    }

    /// <summary>Reads boot log lines; <paramref name="source"/> names the file in errors.</summary>
    public static MachineDescription Read(IReadOnlyList<string> lines, string source)
    {
        var entries = new List<(E820Entry Entry, int Line)>();
        var srat = new List<NumaMemBlock>();
        var nodeRanges = new List<(int, ulong, ulong)>();
        string? cmdline = null, kernelCmdline = null;
        ulong? blockSize = null;
        bool hypervisor = true;
        (ulong Start, ulong End)? ramdisk = null;
        var nodeData = new List<(int, ulong, ulong)>();
        bool gbpages = false;
        bool inNodeRanges = false;
        bool e820Done = false;

        for (int i = 0; i < lines.Count; i++)
        {
            int lineNo = i + 1;
            string raw = lines[i].TrimEnd('\r');
            string line = Prefix().Replace(raw, string.Empty, 1);

            int e820At = line.IndexOf("BIOS-e820:", StringComparison.Ordinal);
            if (e820At >= 0)
            {
                if (e820Done)
                {
                    continue; // a second boot in the same log: keep the first map
                }
                string text = line[e820At..];
                entries.Add((ParseE820(text, source, lineNo), lineNo));
                continue;
            }
            if (entries.Count > 0)
            {
                e820Done = true;
            }

            if (cmdline == null && line.StartsWith("Command line: ", StringComparison.Ordinal))
            {
                cmdline = line["Command line: ".Length..];
                continue;
            }
            if (kernelCmdline == null && line.StartsWith("Kernel command line: ", StringComparison.Ordinal))
            {
                kernelCmdline = line["Kernel command line: ".Length..];
                continue;
            }

            Match m = SratLine().Match(line);
            if (m.Success)
            {
                int nid = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                ulong s = ParseHex(m.Groups[3].Value, source, lineNo);
                ulong e = ParseHex(m.Groups[4].Value, source, lineNo) + 1;
                if (e <= s)
                {
                    throw new ZoneLabInputException(source, lineNo, "SRAT range ends before it starts");
                }
                srat.Add(new NumaMemBlock(s, e, nid, m.Groups[5].Success));
                continue;
            }

            if (line.Contains("Early memory node ranges", StringComparison.Ordinal))
            {
                inNodeRanges = true;
                continue;
            }
            if (inNodeRanges)
            {
                Match n = NodeRangeLine().Match(line);
                if (n.Success)
                {
                    nodeRanges.Add((int.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture),
                        ParseHex(n.Groups[2].Value, source, lineNo),
                        ParseHex(n.Groups[3].Value, source, lineNo) + 1));
                    continue;
                }
                inNodeRanges = false;
            }

            Match rd = RamdiskLine().Match(line);
            if (rd.Success && ramdisk == null)
            {
                ramdisk = (ParseHex(rd.Groups[1].Value, source, lineNo), ParseHex(rd.Groups[2].Value, source, lineNo) + 1);
                continue;
            }
            Match nd = NodeDataLine().Match(line);
            if (nd.Success)
            {
                nodeData.Add((int.Parse(nd.Groups[1].Value, CultureInfo.InvariantCulture),
                    ParseHex(nd.Groups[2].Value, source, lineNo), ParseHex(nd.Groups[3].Value, source, lineNo) + 1));
                continue;
            }

            Match b = BlockSizeLine().Match(line);
            if (b.Success)
            {
                blockSize = ulong.Parse(b.Groups[1].Value, CultureInfo.InvariantCulture) << 20;
                continue;
            }
            if (line.StartsWith("HugeTLB: registered 1.00 GiB page size", StringComparison.Ordinal))
            {
                gbpages = true; // hugetlb_add_hstate(PUD_SHIFT - PAGE_SHIFT) only with X86_FEATURE_GBPAGES
            }
            if (line.Contains("Hypervisor detected", StringComparison.Ordinal))
            {
                hypervisor = true;
            }
        }

        if (entries.Count == 0)
        {
            throw new ZoneLabInputException(source, "no 'BIOS-e820:' lines; expected the boot log of an x86 kernel (dmesg or serial console) with its memory map");
        }
        var sorted = entries.OrderBy(x => x.Entry.Start).ToList();
        for (int k = 1; k < sorted.Count; k++)
        {
            if (sorted[k].Entry.Start < sorted[k - 1].Entry.End)
            {
                throw new ZoneLabInputException(source, sorted[k].Line,
                    $"BIOS-e820 entry {sorted[k].Entry} overlaps the entry on line {sorted[k - 1].Line} ({sorted[k - 1].Entry}); the kernel prints a sanitized map, so the log is damaged");
            }
        }
        if (!sorted.Any(x => x.Entry.Type == E820Type.Ram))
        {
            throw new ZoneLabInputException(source, sorted[0].Line, "the BIOS-e820 map has no 'usable' entry");
        }

        return new MachineDescription
        {
            Arch = "x86_64",
            Source = source,
            FirmwareE820 = new E820Table(entries.Select(x => x.Entry)),
            Srat = srat,
            EarlyNodeRanges = nodeRanges,
            CommandLine = cmdline ?? kernelCmdline ?? string.Empty,
            MemoryBlockSizeFromLog = blockSize,
            Hypervisor = hypervisor,
            Ramdisk = ramdisk,
            NodeDataFromLog = nodeData,
            Gbpages = gbpages,
        };
    }

    private static E820Entry ParseE820(string text, string source, int lineNo)
    {
        Match m = E820Line().Match(text);
        ulong start, endIncl;
        string type;
        if (m.Success)
        {
            start = ParseHex(m.Groups[1].Value, source, lineNo);
            endIncl = ParseHex(m.Groups[2].Value, source, lineNo);
            type = m.Groups[3].Value;
        }
        else
        {
            Match o = E820LineOld().Match(text);
            if (!o.Success)
            {
                throw new ZoneLabInputException(source, lineNo, $"unreadable e820 line '{text.Trim()}'; expected 'BIOS-e820: [mem 0xSTART-0xEND] TYPE'");
            }
            start = ulong.Parse(o.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong endExcl = ulong.Parse(o.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (endExcl == 0)
            {
                throw new ZoneLabInputException(source, lineNo, "e820 entry of size 0");
            }
            endIncl = endExcl - 1;
            type = o.Groups[3].Value;
        }
        if (endIncl < start)
        {
            throw new ZoneLabInputException(source, lineNo, $"e820 range ends (0x{endIncl:x}) before it starts (0x{start:x})");
        }
        E820Type t = type switch
        {
            "usable" => E820Type.Ram,
            "reserved" => E820Type.Reserved,
            "ACPI data" => E820Type.Acpi,
            "ACPI NVS" => E820Type.Nvs,
            "unusable" => E820Type.Unusable,
            "soft reserved" => E820Type.SoftReserved,
            "reserved-kern" => E820Type.ReservedKern,
            _ when type.StartsWith("persistent (type ", StringComparison.Ordinal) && uint.TryParse(type[17..].TrimEnd(')'), out uint pt) => (E820Type)pt,
            _ when type.StartsWith("type ", StringComparison.Ordinal) && uint.TryParse(type[5..], out uint tt) => (E820Type)tt,
            _ => throw new ZoneLabInputException(source, lineNo, $"unknown e820 type '{type}'; expected usable, reserved, ACPI data, ACPI NVS, unusable, persistent (type N) or type N"),
        };
        ulong end = endIncl == ulong.MaxValue ? ulong.MaxValue : endIncl + 1;
        return new E820Entry(start, end, t);
    }

    private static ulong ParseHex(string s, string source, int lineNo)
    {
        string digits = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s;
        if (digits.Length == 0 || digits.Length > 16 || !ulong.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong v))
        {
            throw new ZoneLabInputException(source, lineNo, $"'{s}' is not a 64-bit hexadecimal address");
        }
        return v;
    }
}
