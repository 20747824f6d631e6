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

    // free_area_init_node(): "Initmem setup node %d [mem %#018Lx-%#018Lx]"
    [GeneratedRegex(@"^Initmem setup node (\d+) \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]\s*$")]
    private static partial Regex InitmemLine();

    // calculate_node_totalpages() (KERN_DEBUG, before 5.13): "On node %d totalpages: %lu"
    [GeneratedRegex(@"^On node (\d+) totalpages: (\d+)\s*$")]
    private static partial Regex TotalpagesLine();

    // mem_init_print_info(): "Memory: %luK/%luK available (...": the second figure is physpages in KiB
    [GeneratedRegex(@"^(?:e820: )?last_pfn = (0x[0-9a-fA-F]+) max_arch_pfn = (0x[0-9a-fA-F]+)\s*$")]
    private static partial Regex LastPfnLine();

    // free_area_init(): "  Node %d: %#018Lx" (zone_movable_pfn[i] << PAGE_SHIFT) under "Movable zone start for each node"
    [GeneratedRegex(@"^\s+Node (\d+): (0x[0-9a-fA-F]+)\s*$")]
    private static partial Regex MovableZoneStartLine();

    [GeneratedRegex(@"^On node \d+, zone \S+: \d+ pages in unavailable ranges\s*$")]
    private static partial Regex UnavailableRangeLine();

    [GeneratedRegex(@"^Memory: (\d+)K/(\d+)K available")]
    private static partial Regex MemoryTotalLine();

    [GeneratedRegex(@"^RAMDISK: \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]")]
    private static partial Regex RamdiskLine();

    [GeneratedRegex(@"^NODE_DATA\((\d+)\) allocated \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]")]
    private static partial Regex NodeDataLine();

    [GeneratedRegex(@"x86/mm: Memory block size: (\d+)MB")]
    private static partial Regex BlockSizeLine();

    [GeneratedRegex(@"Linux version (\d+)\.(\d+)(?:\.(\d+))?")]
    private static partial Regex VersionLine();

    // acpi_numa_processor_affinity_init() / acpi_numa_x2apic_affinity_init(): "SRAT: PXM %u -> APIC 0x%02x -> Node %u"
    [GeneratedRegex(@"SRAT: PXM \d+ -> (?:X2)?APIC 0x[0-9a-fA-F]+ -> Node (\d+)")]
    private static partial Regex SratCpuLine();

    // __e820__range_update(): "e820: update [mem %#010Lx-%#010Lx] usable ==> reserved" (6.16+: System RAM ==> device reserved)
    [GeneratedRegex(@"^e820: update \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\] (?:usable|System RAM) ==> (?:reserved|device reserved)\s*$")]
    private static partial Regex E820RamToReservedLine();

    // e820__reserve_setup_data(): "e820: update [mem a-b] usable ==> usable" (E820_TYPE_RAM to E820_TYPE_RESERVED_KERN,
    // which e820_print_type() also names "usable"; printed by every kernel that still has that type)
    [GeneratedRegex(@"^e820: update \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\] usable ==> usable\s*$")]
    private static partial Regex E820RamToReservedKernLine();

    // any "e820: update" (__e820__range_update: "[mem a-b] OLD ==> NEW") or "e820: remove" (e820__range_remove:
    // "[mem a-b] " and the old type when checked), whatever the types: the range is read, never skipped unread
    [GeneratedRegex(@"^e820: (?:update|remove) \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\](?: [^\]\[]*)?$")]
    private static partial Regex E820UpdateOrRemoveLine();

    [GeneratedRegex(@"(?:Debian |Ubuntu \S+ )(\d+)\.(\d+)\.(\d+)")]
    private static partial Regex DistroStableVersion();

    // build_all_zonelists() with CONFIG_NUMA: "Policy zone: %s" (zone_names[policy_zone])
    [GeneratedRegex(@"^Policy zone: (\S+)\s*$")]
    private static partial Regex PolicyZoneLine();

    // numa_cleanup_meminfo() (arch/x86/mm/numa.c): "NUMA: Node %d [mem %#010Lx-%#010Lx] + [mem %#010Lx-%#010Lx] -> [mem %#010Lx-%#010Lx]"
    [GeneratedRegex(@"^NUMA: Node (\d+) \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\] \+ \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\] -> \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]\s*$")]
    private static partial Regex NumaMergeLine();

    // dummy_numa_init(): "Faking a node at [mem %#018Lx-%#018Lx]" (0, PFN_PHYS(max_pfn) - 1)
    [GeneratedRegex(@"^Faking a node at \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]\s*$")]
    private static partial Regex FakingANodeLine();

    [GeneratedRegex(@", (\d+)K cma-reserved")]
    private static partial Regex CmaReservedField();

    [GeneratedRegex(@", (\d+)K reserved")]
    private static partial Regex ReservedField();

    // build_all_zonelists(): "Built %u zonelists, mobility grouping %s.  Total pages: %ld" (nr_online_nodes)
    [GeneratedRegex(@"^Built (\d+) zonelists(?:,| in )")]
    private static partial Regex ZonelistsLine();

    // arch/x86/mm/init_32.c initmem_init(): "%ldMB HIGHMEM available." and "%ldMB LOWMEM available."
    [GeneratedRegex(@"^\d+MB (?:LOW|HIGH)MEM available\.\s*$")]
    private static partial Regex LowmemLine();

    [GeneratedRegex(@"^  (DMA|DMA32|Normal|HighMem|Device)\s+(?:empty|\[mem )")]
    private static partial Regex ZoneRangeLine();

    [GeneratedRegex(@"^  (?:DMA|DMA32|Normal|HighMem|Device)\s+(?:empty|\[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\])\s*$")]
    private static partial Regex ZoneRangeWhole();

    // e820__memory_setup_extended() (SETUP_E820_EXT: firmware maps of more than 128 entries): "extended physical RAM
    // map:" then the whole sanitized table as "extended: [mem a-b] TYPE"
    [GeneratedRegex(@"^extended: (\[mem .*)$")]
    private static partial Regex ExtendedE820Line();

    [GeneratedRegex(@"^\s*(<\d+>)?(\[\s*\d+\.\d+\])?(\[\s*[TC]\d+\])?\s?")]
    private static partial Regex Prefix();

    /// <summary>Reads a boot log file; errors name <paramref name="source"/> (default: the file's name).</summary>
    public static MachineDescription ReadFile(string path, string? source = null)
    {
        return Read(InputFiles.ReadLines(path), source ?? Path.GetFileName(path));
    }

    /// <summary>Reads boot log lines; <paramref name="source"/> names the file in errors.</summary>
    public static MachineDescription Read(IReadOnlyList<string> lines, string source)
    {
        var entries = new List<(E820Entry Entry, int Line)>();
        var srat = new List<NumaMemBlock>();
        var nodeRanges = new List<(int, ulong, ulong)>();
        string? cmdline = null, kernelCmdline = null;
        int cmdlineLine = 0;
        ulong? blockSize = null;
        bool hypervisor = true;
        (ulong Start, ulong End)? ramdisk = null;
        var nodeData = new List<(int, ulong, ulong)>();
        var nodeDataLines = new List<int>();
        var initmem = new List<(int, ulong, ulong, int)>();
        var totalpages = new List<(int, ulong, int)>();
        (ulong Kb, int LineNo)? memoryTotal = null;
        var placedInRam = new List<(string What, ulong Start, ulong End, int Line)>(); // RAMDISK, NODE_DATA: memblock memory
        bool gbpages = false;
        bool inNodeRanges = false;
        bool e820Done = false;
        int repeatAt = -1, repeatLine = 0; // inside a later BIOS-e820 map: the first map's entry it must print next, its last line
        Version? version = null;
        string? release = null;
        var cpuNodes = new SortedSet<int>();
        var ramToReserved = new List<(ulong Start, ulong End, int Line)>();
        var ramToReservedKern = new List<(ulong Start, ulong End)>();
        int lastPfnLine = 0;
        var lastPfns = new List<(ulong Pfn, int LineNo)>();
        var maxArchPfns = new List<(ulong Pfn, int LineNo)>();
        (string Zone, int LineNo)? policyZone = null;
        (ulong Start, ulong End, int LineNo)? fakeNode = null;
        ulong? memoryAvailable = null, cmaReserved = null, reservedKb = null;
        (int Count, int LineNo)? zonelists = null;
        var userE820 = new List<(E820Entry, int)>();
        bool userDone = false;
        var unavailable = new List<(string Line, int LineNo)>();
        bool memblockBuilt = false;
        List<string>? zoneNames = null;
        var zoneRanges = new List<(string Line, int LineNo)>();
        int movableHeader = 0;
        bool inMovableStarts = false;
        var movableStarts = new List<(int, ulong, int)>();
        var nodeRangeLines = new List<int>();
        var extended = new List<(E820Entry Entry, int Line)>();
        var e820Lines = new List<int>();
        bool inZoneRanges = false;
        bool? cma = null;

        for (int i = 0; i < lines.Count; i++)
        {
            int lineNo = i + 1;
            string raw = lines[i].TrimEnd('\r');
            string line = Prefix().Replace(raw, string.Empty, 1);

            int e820At = line.IndexOf("BIOS-e820:", StringComparison.Ordinal);
            if (e820At >= 0)
            {
                string text = line[e820At..];
                if (text.StartsWith("BIOS-e820: [gap ", StringComparison.Ordinal))
                {
                    continue; // 6.16+ e820__print_table() also prints the holes between entries
                }
                if (e820Done)
                {
                    // e820__memory_setup() prints the map once per boot: a later map is another boot in the same log
                    // (or the same start pasted twice). The first map is kept, so a later one must be that map
                    // entry by entry, as a second 'Command line:' must be the first.
                    E820Entry again = ParseE820(text, source, lineNo);
                    repeatAt = repeatAt < 0 ? 0 : repeatAt;
                    if (repeatAt >= entries.Count || again != entries[repeatAt].Entry)
                    {
                        string first = repeatAt < entries.Count ? $"'{entries[repeatAt].Entry}' on line {entries[repeatAt].Line}" : $"{entries.Count} entries (lines {entries[0].Line}-{entries[^1].Line})";
                        throw new ZoneLabInputException(source, lineNo,
                            $"a second BIOS-e820 map that differs from the first: '{again}' where the first has {first}; two boots in one file? expected the log of one boot");
                    }
                    repeatAt++;
                    repeatLine = lineNo;
                    continue;
                }
                entries.Add((ParseE820(text, source, lineNo), lineNo));
                e820Lines.Add(lineNo);
                continue;
            }
            Match ext = ExtendedE820Line().Match(line);
            if (ext.Success && entries.Count > 0 && !memblockBuilt)
            {
                extended.Add((ParseE820("BIOS-e820: " + ext.Groups[1].Value, source, lineNo), lineNo));
                continue;
            }
            if (entries.Count > 0)
            {
                e820Done = true;
            }
            if (repeatAt >= 0)
            {
                if (repeatAt < entries.Count)
                {
                    throw SecondMapEndsEarly(source, repeatLine, repeatAt, entries);
                }
                repeatAt = -1;
            }

            // a line the kernel prints in one fixed form is either read whole or is a damaged log, never skipped
            RequireForm(line, line.StartsWith("Linux version ", StringComparison.Ordinal), VersionLine(), "'Linux version MAJOR.MINOR[.PATCH] ...'", source, lineNo);
            RequireForm(line, line.Contains("SRAT: Node ", StringComparison.Ordinal), SratLine(), "'[ACPI: ]SRAT: Node N PXM P [mem 0xSTART-0xEND]'", source, lineNo);
            RequireForm(line, line.StartsWith("NODE_DATA(", StringComparison.Ordinal) && line.Contains(") allocated ", StringComparison.Ordinal),
                NodeDataLine(), "'NODE_DATA(N) allocated [mem 0xSTART-0xEND]'", source, lineNo);
            RequireForm(line, line.StartsWith("RAMDISK: [mem ", StringComparison.Ordinal), RamdiskLine(), "'RAMDISK: [mem 0xSTART-0xEND]'", source, lineNo);
            RequireForm(line, line.Contains("x86/mm: Memory block size: ", StringComparison.Ordinal), BlockSizeLine(), "'x86/mm: Memory block size: NMB'", source, lineNo);
            if (LowmemLine().IsMatch(line))
            {
                // init_32.c / numa_32.c initmem_init(): printed only under CONFIG_X86_32, whose lowmem ends near 896 MiB
                // and whose zones are DMA, Normal and HighMem. The model computes an x86_64 boot (DMA32, no HighMem):
                // reading on would compare that with the log's zones and call a genuine log damaged
                throw new ZoneLabInputException(source, lineNo,
                    $"'{line.Trim()}' is printed only by a 32-bit x86 kernel (initmem_init() in arch/x86/mm/init_32.c, with ZONE_HIGHMEM); ZoneLab models x86_64 boots: expected the log of an x86_64 kernel");
            }
            bool updateOrRemove = line.StartsWith("e820: update [mem ", StringComparison.Ordinal) || line.StartsWith("e820: remove [mem ", StringComparison.Ordinal);
            RequireForm(line, updateOrRemove, E820UpdateOrRemoveLine(), "'e820: update|remove [mem 0xSTART-0xEND] [TYPE[ ==> TYPE]]'", source, lineNo);
            if (updateOrRemove)
            {
                Match ur = E820UpdateOrRemoveLine().Match(line);
                if (ParseHex(ur.Groups[2].Value, source, lineNo) < ParseHex(ur.Groups[1].Value, source, lineNo))
                {
                    throw new ZoneLabInputException(source, lineNo, $"e820 {(line.StartsWith("e820: update", StringComparison.Ordinal) ? "update" : "remove")} range ends before it starts");
                }
            }
            if (version == null)
            {
                Match v = VersionLine().Match(line);
                if (v.Success && int.TryParse(v.Groups[1].Value, CultureInfo.InvariantCulture, out int major)
                    && int.TryParse(v.Groups[2].Value, CultureInfo.InvariantCulture, out int minor))
                {
                    int patch = v.Groups[3].Success && int.TryParse(v.Groups[3].Value, CultureInfo.InvariantCulture, out int p) ? p : 0;
                    // distribution kernels name the ABI ("5.10.0-21-amd64") and give the stable release at the end of
                    // the banner ("Debian 5.10.162-1", "(Ubuntu 4.15.0-70.79-generic 4.15.18)"): the stable patch level
                    // decides backported prints
                    // (the compiler's "(Debian 10.2.1-6)" comes first: take the match of the kernel's own major.minor)
                    foreach (Match stable in DistroStableVersion().Matches(line))
                    {
                        if (patch == 0 && stable.Groups[1].Value == v.Groups[1].Value && stable.Groups[2].Value == v.Groups[2].Value
                            && int.TryParse(stable.Groups[3].Value, CultureInfo.InvariantCulture, out int sp))
                        {
                            patch = sp;
                        }
                    }
                    version = new Version(major, minor, patch);
                    // uname -r: the token after "Linux version " names the build (its image layout)
                    string rest = line[(line.IndexOf("Linux version ", StringComparison.Ordinal) + 14)..];
                    release = rest.Split(' ', 2)[0];
                    continue;
                }
            }
            if (!memblockBuilt && (line.StartsWith("RAMDISK:", StringComparison.Ordinal) || line.StartsWith("ACPI:", StringComparison.Ordinal)
                || line.StartsWith("init_memory_mapping", StringComparison.Ordinal) || line.StartsWith("Using GB pages", StringComparison.Ordinal)
                || line.StartsWith("SRAT:", StringComparison.Ordinal) || line.StartsWith("NUMA", StringComparison.Ordinal)
                || line.StartsWith("No NUMA", StringComparison.Ordinal) || line.StartsWith("Zone ranges:", StringComparison.Ordinal)))
            {
                memblockBuilt = true; // e820__memblock_setup() has run: later e820 updates no longer change memblock.memory
            }
            if (line.StartsWith("last_pfn = ", StringComparison.Ordinal) || line.StartsWith("e820: last_pfn = ", StringComparison.Ordinal))
            {
                lastPfnLine = lineNo;
                RequireForm(line, true, LastPfnLine(), "'last_pfn = 0xN max_arch_pfn = 0xM'", source, lineNo);
                Match lp = LastPfnLine().Match(line);
                lastPfns.Add((ParseHex(lp.Groups[1].Value, source, lineNo), lineNo));
                maxArchPfns.Add((ParseHex(lp.Groups[2].Value, source, lineNo), lineNo));
            }
            if (!memblockBuilt && entries.Count > 0)
            {
                Match u = E820RamToReservedLine().Match(line);
                if (u.Success)
                {
                    // (its order is checked with every update and remove line above)
                    ulong us = ParseHex(u.Groups[1].Value, source, lineNo), ue = ParseHex(u.Groups[2].Value, source, lineNo);
                    ramToReserved.Add((us, ue == ulong.MaxValue ? ue : ue + 1, lineNo));
                    continue;
                }
                Match k = E820RamToReservedKernLine().Match(line);
                if (k.Success)
                {
                    (ulong ks, ulong ke) = ParseMemRange(k.Groups[1].Value, k.Groups[2].Value, "e820 update", source, lineNo);
                    ramToReservedKern.Add((ks, ke));
                    continue;
                }
            }
            Match cpu = SratCpuLine().Match(line);
            if (cpu.Success)
            {
                cpuNodes.Add(ParseNid(cpu.Groups[1].Value, source, lineNo));
                continue;
            }
            if (line == "Zone ranges:" && zoneNames == null)
            {
                zoneNames = new List<string>();
                inZoneRanges = true;
                continue;
            }
            if (inZoneRanges)
            {
                Match z = ZoneRangeLine().Match(line);
                if (z.Success)
                {
                    Match whole = ZoneRangeWhole().Match(line);
                    if (!whole.Success)
                    {
                        throw new ZoneLabInputException(source, lineNo, $"unreadable zone range '{line.Trim()}'; expected '  ZONE     [mem 0xSTART-0xEND]' or '  ZONE     empty'");
                    }
                    if (whole.Groups[1].Success)
                    {
                        ParseMemRange(whole.Groups[1].Value, whole.Groups[2].Value, "zone", source, lineNo);
                    }
                    zoneNames!.Add(z.Groups[1].Value);
                    zoneRanges.Add((line.TrimEnd(), lineNo));
                    continue;
                }
                inZoneRanges = false;
            }
            // only the first boot's block, as "Zone ranges:" above (free_area_init prints it right after those lines)
            if (line == "Movable zone start for each node" && movableHeader == 0 && zoneNames != null)
            {
                movableHeader = lineNo;
                inMovableStarts = true;
                continue;
            }
            if (inMovableStarts)
            {
                if (line.StartsWith("  Node ", StringComparison.Ordinal))
                {
                    RequireForm(line, true, MovableZoneStartLine(), "'  Node N: 0xADDRESS'", source, lineNo);
                    Match ms = MovableZoneStartLine().Match(line);
                    movableStarts.Add((ParseNid(ms.Groups[1].Value, source, lineNo), ParseHex(ms.Groups[2].Value, source, lineNo), lineNo));
                    continue;
                }
                inMovableStarts = false;
            }
            if (line.StartsWith("On node ", StringComparison.Ordinal) && line.Contains(" pages in unavailable ranges", StringComparison.Ordinal))
            {
                RequireForm(line, true, UnavailableRangeLine(), "'On node N, zone ZONE: K pages in unavailable ranges'", source, lineNo);
                unavailable.Add((line.TrimEnd(), lineNo));
                continue;
            }
            Match tp = TotalpagesLine().Match(line);
            if (tp.Success && ulong.TryParse(tp.Groups[2].Value, CultureInfo.InvariantCulture, out ulong pages))
            {
                totalpages.Add((ParseNid(tp.Groups[1].Value, source, lineNo), pages, lineNo));
                continue;
            }
            Match mt = MemoryTotalLine().Match(line);
            if (mt.Success && memoryTotal == null)
            {
                // no continue: the same line carries the cma-reserved field
                memoryTotal = (ParseKb(mt.Groups[2].Value, source, lineNo), lineNo);
                memoryAvailable = ParseKb(mt.Groups[1].Value, source, lineNo);
                Match crk = CmaReservedField().Match(line);
                cmaReserved = crk.Success ? ParseKb(crk.Groups[1].Value, source, lineNo) : null;
                Match rk = ReservedField().Match(line);
                reservedKb = rk.Success ? ParseKb(rk.Groups[1].Value, source, lineNo) : null;
            }
            // e820__finish_early_params() → e820__print_table("user") after memmap=/mem=: read as the firmware map's lines
            if (line.StartsWith("user: ", StringComparison.Ordinal) && !userDone)
            {
                userE820.Add((ParseE820("BIOS-e820: " + line["user: ".Length..], source, lineNo), lineNo));
                continue;
            }
            userDone |= userE820.Count > 0;
            if (line.StartsWith("Built ", StringComparison.Ordinal) && zonelists == null && line.Contains(" zonelists", StringComparison.Ordinal))
            {
                RequireForm(line, true, ZonelistsLine(), "'Built N zonelists, mobility grouping on|off.  Total pages: N'", source, lineNo);
                string n = ZonelistsLine().Match(line).Groups[1].Value;
                if (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out int built) || built < 1 || built > KernelLimits.MaxNumNodes)
                {
                    throw new ZoneLabInputException(source, lineNo, $"'{n}' zonelists: expected the number of online nodes, 1 to MAX_NUMNODES ({KernelLimits.MaxNumNodes})");
                }
                zonelists = (built, lineNo);
                continue;
            }
            if (line.StartsWith("Policy zone: ", StringComparison.Ordinal) && policyZone == null)
            {
                RequireForm(line, true, PolicyZoneLine(), "'Policy zone: ZONE'", source, lineNo);
                policyZone = (PolicyZoneLine().Match(line).Groups[1].Value, lineNo);
                continue;
            }
            if (line.StartsWith("NUMA: Node ", StringComparison.Ordinal) && line.Contains(" + [mem ", StringComparison.Ordinal))
            {
                // numa_cleanup_meminfo() merges two blocks of one node into [min(start), max(end)) and prints the three;
                // the model merges the SRAT ranges itself, so this line is only checked: read whole and consistent
                RequireForm(line, true, NumaMergeLine(), "'NUMA: Node N [mem 0xSTART-0xEND] + [mem 0xSTART-0xEND] -> [mem 0xSTART-0xEND]'", source, lineNo);
                Match nm = NumaMergeLine().Match(line);
                (ulong s1, ulong e1) = ParseMemRange(nm.Groups[2].Value, nm.Groups[3].Value, "NUMA merge", source, lineNo);
                (ulong s2, ulong e2) = ParseMemRange(nm.Groups[4].Value, nm.Groups[5].Value, "NUMA merge", source, lineNo);
                (ulong sm, ulong em) = ParseMemRange(nm.Groups[6].Value, nm.Groups[7].Value, "NUMA merge", source, lineNo);
                if (sm != Math.Min(s1, s2) || em != Math.Max(e1, e2))
                {
                    throw new ZoneLabInputException(source, lineNo,
                        $"NUMA merge result [mem 0x{sm:x}-0x{em - 1:x}] is not the span of its two blocks, [mem 0x{Math.Min(s1, s2):x}-0x{Math.Max(e1, e2) - 1:x}], as numa_cleanup_meminfo() prints it; the log is edited or damaged");
                }
                continue;
            }
            if (line.StartsWith("Faking a node at ", StringComparison.Ordinal) && fakeNode == null)
            {
                RequireForm(line, true, FakingANodeLine(), "'Faking a node at [mem 0xSTART-0xEND]'", source, lineNo);
                Match fk = FakingANodeLine().Match(line);
                (ulong fs, ulong fe) = ParseMemRange(fk.Groups[1].Value, fk.Groups[2].Value, "faked node", source, lineNo);
                fakeNode = (fs, fe, lineNo);
                continue;
            }
            // mem_init_print_info() prints ", NK cma-reserved" in every build since 3.19 (totalcma_pages is 0 without
            // CONFIG_CMA), so only a nonzero count, or cma_declare_contiguous_nid()'s "cma: Reserved N MiB at", proves it.
            Match cr = CmaReservedField().Match(line);
            if (cr.Success && line.StartsWith("Memory: ", StringComparison.Ordinal) && cr.Groups[1].Value.TrimStart('0').Length > 0)
            {
                cma = true;
                continue;
            }
            if (line.StartsWith("cma: Reserved ", StringComparison.Ordinal))
            {
                cma = true;
                continue;
            }

            if (line.StartsWith("Command line: ", StringComparison.Ordinal))
            {
                // setup_arch() prints it once per boot: a second, different one is a second boot in the same file
                string c = line["Command line: ".Length..];
                if (cmdline != null && c != cmdline)
                {
                    throw new ZoneLabInputException(source, lineNo,
                        $"a second 'Command line:' that differs from the one on line {cmdlineLine}: two boots in one file? expected the log of one boot");
                }
                cmdline ??= c;
                cmdlineLine = cmdlineLine == 0 ? lineNo : cmdlineLine;
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
                int nid = ParseNid(m.Groups[1].Value, source, lineNo);
                (ulong s, ulong e) = ParseMemRange(m.Groups[3].Value, m.Groups[4].Value, "SRAT", source, lineNo);
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
                    (ulong s, ulong e) = ParseMemRange(n.Groups[2].Value, n.Groups[3].Value, "early memory node", source, lineNo);
                    nodeRanges.Add((ParseNid(n.Groups[1].Value, source, lineNo), s, e));
                    nodeRangeLines.Add(lineNo);
                    continue;
                }
                if (line.TrimStart().StartsWith("node ", StringComparison.Ordinal))
                {
                    throw new ZoneLabInputException(source, lineNo, $"unreadable early memory node range '{line.Trim()}'; expected '  node   N: [mem 0xSTART-0xEND]'");
                }
                inNodeRanges = false;
            }

            Match rd = RamdiskLine().Match(line);
            if (rd.Success && ramdisk == null)
            {
                ramdisk = ParseMemRange(rd.Groups[1].Value, rd.Groups[2].Value, "RAMDISK", source, lineNo);
                placedInRam.Add(("RAMDISK", ramdisk.Value.Start, ramdisk.Value.End, lineNo));
                continue;
            }
            Match im = InitmemLine().Match(line);
            if (im.Success)
            {
                (ulong s, ulong e) = ParseMemRange(im.Groups[2].Value, im.Groups[3].Value, "Initmem setup", source, lineNo);
                initmem.Add((ParseNid(im.Groups[1].Value, source, lineNo), s, e, lineNo));
                continue;
            }

            Match nd = NodeDataLine().Match(line);
            if (nd.Success)
            {
                (ulong s, ulong e) = ParseMemRange(nd.Groups[2].Value, nd.Groups[3].Value, "NODE_DATA", source, lineNo);
                nodeData.Add((ParseNid(nd.Groups[1].Value, source, lineNo), s, e));
                nodeDataLines.Add(lineNo);
                placedInRam.Add(("NODE_DATA", s, e, lineNo));
                continue;
            }

            Match b = BlockSizeLine().Match(line);
            if (b.Success)
            {
                // probe_memory_block_size() only gives powers of two from 128 MiB to 2 GiB; another value is a damaged log
                if (!ulong.TryParse(b.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong mb)
                    || mb > KernelLimits.X86MaxMemoryBlockSize >> 20 || !KernelLimits.IsX86MemoryBlockSize(mb << 20))
                {
                    throw new ZoneLabInputException(source, lineNo, $"memory block size {b.Groups[1].Value}MB is not one x86-64 uses; expected a power of two from 128MB (MIN_MEMORY_BLOCK_SIZE, SECTION_SIZE_BITS 27) to 2048MB (MAX_BLOCK_SIZE)");
                }
                blockSize = mb << 20;
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

        if (repeatAt >= 0 && repeatAt < entries.Count)
        {
            throw SecondMapEndsEarly(source, repeatLine, repeatAt, entries);
        }
        if (entries.Count == 0)
        {
            throw new ZoneLabInputException(source, "no 'BIOS-e820:' lines; expected the boot log of an x86 kernel (dmesg or serial console) with its memory map");
        }
        if (extended.Count > 0)
        {
            entries = extended; // the firmware's SETUP_E820_EXT entries appended to the first 128, printed whole
        }
        for (int k = 1; k < entries.Count; k++)
        {
            // e820__memory_setup() prints the table after e820__update_table() sorted and sanitized it
            if (entries[k].Entry.Start < entries[k - 1].Entry.Start)
            {
                throw new ZoneLabInputException(source, entries[k].Line,
                    $"BIOS-e820 entry {entries[k].Entry} is printed after the one on line {entries[k - 1].Line} ({entries[k - 1].Entry}), which starts higher; the kernel prints its map sorted, so the log is damaged");
            }
            if (entries[k].Entry.Start < entries[k - 1].Entry.End)
            {
                throw new ZoneLabInputException(source, entries[k].Line,
                    $"BIOS-e820 entry {entries[k].Entry} overlaps the entry on line {entries[k - 1].Line} ({entries[k - 1].Entry}); the kernel prints a sanitized map, so the log is damaged");
            }
        }
        if (!e820Done && extended.Count == 0)
        {
            // setup_arch() goes on printing after e820__memory_setup() (NX protection, SMBIOS, e820 updates, ...):
            // a file that stops on a map line may have lost the rest of the map, and a smaller machine would be
            // computed from what is left without a word
            throw new ZoneLabInputException(source, e820Lines[^1],
                "the log ends on a BIOS-e820 line: the memory map may be cut; expected the lines setup_arch() prints after it (the whole boot log)");
        }
        if (!entries.Any(x => x.Entry.Type == E820Type.Ram))
        {
            throw new ZoneLabInputException(source, entries[0].Line, "the BIOS-e820 map has no 'usable' entry");
        }
        // reserve_initrd() and alloc_node_data() print ranges of memblock.memory, which comes from the usable e820
        // entries (the firmware's sanitized map has no two adjacent usable entries, so one entry holds each range)
        foreach ((string what, ulong start, ulong end, int at) in placedInRam)
        {
            if (!entries.Any(x => x.Entry.Type == E820Type.Ram && x.Entry.Start <= start && end <= x.Entry.End))
            {
                throw new ZoneLabInputException(source, at, $"{what} [mem 0x{start:x}-0x{end - 1:x}] is not inside one usable BIOS-e820 entry; the kernel places it in memory, so the log is damaged");
            }
        }

        string commandLine = kernelCmdline ?? cmdline ?? string.Empty;
        BootLogConsistency.CheckNodeRangesInRam(entries.Select(x => x.Entry).ToList(), commandLine, nodeRanges, nodeRangeLines, source);

        return new MachineDescription
        {
            Arch = "x86_64",
            Source = source,
            FirmwareE820 = new E820Table(entries.Select(x => x.Entry)),
            Srat = srat,
            EarlyNodeRanges = nodeRanges,
            // setup_arch() prints "Command line:" first, then (CONFIG_CMDLINE_BOOL) prepends the built-in command line to
            // boot_command_line and only then runs parse_early_param(); start_kernel()'s "Kernel command line:" prints
            // the merged line, so it is the one mem=/memmap= came from
            CommandLine = commandLine,
            MemoryBlockSizeFromLog = blockSize,
            Hypervisor = hypervisor,
            Ramdisk = ramdisk,
            NodeDataFromLog = nodeData,
            NodeDataLines = nodeDataLines,
            LogInitmem = initmem,
            LogNodeTotalpages = totalpages,
            LogMemoryTotalKb = memoryTotal,
            LogLastPfn = lastPfns,
            LogMaxArchPfn = maxArchPfns,
            LogMemoryAvailableKb = memoryAvailable,
            LogCmaReservedKb = cmaReserved,
            LogReservedKb = reservedKb,
            LogZonelists = zonelists,
            // a partial log without its command line cannot say which memmap=/mem= made its user-defined map
            LogUserE820 = kernelCmdline == null && cmdline == null ? [] : userE820,
            LogPolicyZone = policyZone,
            LogFakeNode = fakeNode,
            LogUnavailableRanges = unavailable,
            Gbpages = gbpages,
            KernelVersion = version,
            KernelRelease = release,
            SratCpuNodes = cpuNodes.ToList(),
            LogZoneNames = zoneNames,
            LogSaysCma = cma,
            E820RamToReserved = RamToReservedBeforeMemblock(ramToReserved, lastPfnLine),
            E820RamToReservedKern = ramToReservedKern,
            LogZoneRanges = zoneRanges,
            LogMovableZoneStartLine = movableHeader,
            LogMovableZoneStarts = movableStarts,
            EarlyNodeRangeLines = nodeRangeLines,
            // efi_find_mirror(): descriptors with EFI_MEMORY_MORE_RELIABLE (printed with efi=debug)
            MirroredRanges = MirrorRanges.FromEfiMemmap(lines, source),
        };
    }

    // setup_arch() (3.x-6.x) prints its last "last_pfn = " line from e820__end_of_low_ram_pfn() (after the MTRR trim,
    // which updates e820 and recomputes it), then runs e820__memblock_setup(); the EFI reservations that follow
    // (efi_esrt_init(), efi_mokvar_table_init() → efi_mem_reserve() → efi_arch_mem_reserve()) update only e820_table,
    // so they leave memblock.memory, and the node ranges, whole.
    private static List<(ulong, ulong)> RamToReservedBeforeMemblock(List<(ulong Start, ulong End, int Line)> updates, int lastPfnLine) =>
        updates.Where(u => lastPfnLine == 0 || u.Line < lastPfnLine).Select(u => (u.Start, u.End)).ToList();

    // Lines that start with one of the kernel's fixed prefixes must have the whole form that printk gives them: a
    // truncated or edited one would otherwise be skipped and the layout computed without it (a node, a reservation,
    // the block size or the kernel version silently missing).
    private static void RequireForm(string line, bool hasPrefix, Regex form, string expected, string source, int lineNo)
    {
        if (hasPrefix && !form.IsMatch(line))
        {
            throw new ZoneLabInputException(source, lineNo, $"unreadable line '{line}'; expected {expected}");
        }
    }

    // a later BIOS-e820 map (another boot in the log) that stops before printing all of the first map's entries
    private static ZoneLabInputException SecondMapEndsEarly(string source, int line, int printed, List<(E820Entry Entry, int Line)> first) =>
        new(source, line, $"a second BIOS-e820 map that ends after {printed} entries where the first (lines {first[0].Line}-{first[^1].Line}) has {first.Count}; two boots in one file? expected the log of one boot");

    private static E820Entry ParseE820(string text, string source, int lineNo)
    {
        Match m = E820Line().Match(text);
        ulong start, endIncl;
        string type;
        if (m.Success)
        {
            start = ParseHex(m.Groups[1].Value, source, lineNo);
            endIncl = ParseHex(m.Groups[2].Value, source, lineNo);
            type = m.Groups[3].Value.Trim();
        }
        else
        {
            Match o = E820LineOld().Match(text);
            if (!o.Success)
            {
                throw new ZoneLabInputException(source, lineNo, $"unreadable e820 line '{text.Trim()}'; expected 'BIOS-e820: [mem 0xSTART-0xEND] TYPE'");
            }
            start = ParseHex(o.Groups[1].Value, source, lineNo);
            ulong endExcl = ParseHex(o.Groups[2].Value, source, lineNo);
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
            "usable" or "System RAM" => E820Type.Ram, // 6.16+ e820_print_type() names: System RAM, device reserved
            "reserved" or "device reserved" => E820Type.Reserved,
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

    // a node id the kernel printed is below MAX_NUMNODES (at most 1 << 10)
    private static int ParseNid(string s, string source, int lineNo)
    {
        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int nid) || nid >= KernelLimits.MaxNumNodes)
        {
            throw new ZoneLabInputException(source, lineNo, $"node {s} is beyond MAX_NUMNODES ({KernelLimits.MaxNumNodes}: CONFIG_NODES_SHIFT is at most 10); expected a node id the kernel can print");
        }
        return nid;
    }

    /// <summary>
    /// A range the kernel prints as <c>[mem %#018Lx-%#018Lx]</c> (%pR: start and inclusive end), as [start, end).
    /// An end before the start, or beyond the 2^52 bytes x86-64 can address at all, is a damaged log.
    /// </summary>
    private static (ulong Start, ulong End) ParseMemRange(string start, string end, string what, string source, int lineNo)
    {
        ulong s = ParseHex(start, source, lineNo), endIncl = ParseHex(end, source, lineNo);
        if (endIncl < s)
        {
            throw new ZoneLabInputException(source, lineNo, $"{what} range ends (0x{endIncl:x}) before it starts (0x{s:x})");
        }
        if (endIncl >= KernelLimits.X86MaxPhysicalBytes)
        {
            throw new ZoneLabInputException(source, lineNo, $"{what} range ends at 0x{endIncl:x}; expected a physical address below 2^52 (x86-64 MAX_PHYSMEM_BITS with 5-level paging)");
        }
        return (s, endIncl + 1);
    }

    // a KiB count of mem_init_print_info() (an unsigned long of pages shifted to KiB)
    private static ulong ParseKb(string s, string source, int lineNo)
    {
        if (!ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) || v > ulong.MaxValue >> 10)
        {
            throw new ZoneLabInputException(source, lineNo, $"'{s}K' is not a memory size the kernel can print (an unsigned long of pages in KiB)");
        }
        return v;
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
