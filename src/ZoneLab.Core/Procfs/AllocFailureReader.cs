using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ZoneLab.Procfs;

/// <summary>
/// Finds every page allocation failure report in a dmesg (or a syslog file, or a mail/bug-tracker paste of one) and
/// reads it: the header that <c>warn_alloc()</c> prints (v4.9+; <c>warn_alloc_failed()</c> before), the
/// <c>dump_stack()</c> line with the kernel release, and the Mem-Info of <c>show_free_areas()</c> (called
/// <c>__show_mem()</c> from v6.1): per zone the zone line, <c>lowmem_reserve[]</c> and the buddy line with its
/// migratetype letters. Formats of v4.4 to v6.12 (and the older "page allocation failure. order:N" header) are read;
/// lines wrapped by a mail client are joined until the record they belong to is complete.
/// </summary>
public static class AllocFailureReader
{
    // TASK_COMM_LEN is 16: a longer "comm" is prose quoting a report (a mail subject, a sentence), not a report.
    private const int TaskCommLen = 16;

    private static readonly Regex s_header = new(
        @"page allocation failure[:.]\s*order:\s*(?<order>\d+)\s*,\s*mode:\s*(?<mode>0x[0-9a-fA-F]+)(?:\s*\((?<flags>[^)]*)\))?(?:\s*,\s*nodemask=(?<nodemask>[^,\s]*))?",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    private static readonly Regex s_headerStart = new(@"^page allocation failure[:.]\s*order:\s*\d", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_zoneLineStart = new(@"^(?:Node (?<node>\d+),? )?(?<zone>DMA32|DMA|Normal|HighMem|Movable|Device) free:", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_buddyLineStart = new(@"^(?:Node (?<node>\d+),? )?(?<zone>DMA32|DMA|Normal|HighMem|Movable|Device): ", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_zoneNameOnly = new(@"^(?:Node \d+,? )?(?:DMA32|DMA|Normal|HighMem|Movable|Device)$", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_reserveStart = new(@"^lowmem_reserve\[\]:", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_nodeLineStart = new(@"^Node \d+ active_anon:", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_field = new(@"(?<key>[A-Za-z_]+(?:\([a-z]+\))?):\s?(?<value>\d+)(?<unit>kB|KB)?\b", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_buddyItem = new(@"(?<count>\d+)\*(?<size>\d+)kB(?:\s*\((?<types>[A-Z]+)\))?", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_buddyTotal = new(@"=\s*\d+kB\s*$", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_onlyNumbers = new(@"^\d+(?:\s+\d+)*$", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_release = new(@"(?:Not tainted|[Tt]ainted:[A-Z \[\]]*?)\s+(?<rel>(?<maj>\d+)\.(?<min>\d+)[^\s#]*)", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex s_cmaReserved = new(@"^(?<n>\d+) pages cma reserved", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>Reads a file (see <see cref="Read"/>); a missing file is an input error.</summary>
    public static IReadOnlyList<AllocFailureReport> ReadFile(string path)
    {
        // bounded: /dev/zero or a binary is a located error, not an OutOfMemoryException after 4 GiB
        return Read(InputFiles.ReadAllText(path), path == InputFiles.StandardInput ? "stdin" : Path.GetFileName(path));
    }

    /// <summary>
    /// Every report in <paramref name="text"/>, in order. A report whose header has no Mem-Info after it, or whose
    /// Mem-Info stops before every zone has its zone, lowmem_reserve and buddy lines, is an input error naming the line.
    /// </summary>
    public static IReadOnlyList<AllocFailureReport> Read(string text, string source)
    {
        List<KernelLogLine> lines = KernelLogText.Clean(text);
        var headers = new List<(int Index, int End, Match Match, string Comm)>();
        for (int i = 0; i < lines.Count; i++)
        {
            string t = lines[i].Text;
            int at = t.IndexOf("page allocation failure", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }
            // warn_alloc() prints "COMM: page allocation failure: order:N": prose that mentions a failure has no
            // "COMM:" before it or no "order:" after it.
            if (!t[..at].TrimEnd().EndsWith(':') || !s_headerStart.IsMatch(t[at..]))
            {
                continue;
            }
            string comm = CommOf(t[..at]);
            if (comm.Length == 0 || comm.Length >= TaskCommLen || comm.Contains(": ", StringComparison.Ordinal))
            {
                continue; // prose or a mail header quoting a report
            }
            // The header may be wrapped (after "order:N," or inside the flag names): join until mode and flags are whole.
            string joined = t[at..];
            int end = i;
            while (!HeaderComplete(joined) && end + 1 < lines.Count && end - i < 4 && lines[end + 1].Text.Length > 0)
            {
                end++;
                joined += (joined.EndsWith('|') || joined.EndsWith('(') ? "" : " ") + lines[end].Text;
            }
            Match m = s_header.Match(joined);
            if (!m.Success)
            {
                throw new ZoneLabInputException(source, lines[i].Line, "page allocation failure header without 'order:N, mode:0x...'");
            }
            headers.Add((i, end, m, comm));
            i = end;
        }

        var reports = new List<AllocFailureReport>(headers.Count);
        for (int h = 0; h < headers.Count; h++)
        {
            int stop = h + 1 < headers.Count ? headers[h + 1].Index : lines.Count;
            reports.Add(ReadOne(lines, headers[h].Index, headers[h].End, stop, headers[h].Match, headers[h].Comm, source));
        }
        return reports;
    }

    private static string CommOf(string before)
    {
        string s = before.Trim();
        int bracket = s.LastIndexOf("] ", StringComparison.Ordinal);
        if (bracket >= 0)
        {
            s = s[(bracket + 2)..];
        }
        s = s.TrimStart('#', ' ', '\t');
        return s.EndsWith(':') ? s[..^1].Trim() : s.Trim();
    }

    private static bool HeaderComplete(string s)
    {
        Match m = s_header.Match(s);
        if (!m.Success)
        {
            return false;
        }
        // Flags opened but not closed, or a trailing comma before "nodemask=" on the next line.
        int open = s.IndexOf('(', m.Groups["mode"].Index);
        if (open >= 0 && s.IndexOf(')', open) < 0)
        {
            return false;
        }
        return !s.TrimEnd().EndsWith(',');
    }

    private static AllocFailureReport ReadOne(List<KernelLogLine> lines, int start, int headerEnd, int stop, Match m, string comm, string source)
    {
        int line = lines[start].Line;
        if (!int.TryParse(m.Groups["order"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int order) || order > 20)
        {
            throw new ZoneLabInputException(source, line, $"order '{m.Groups["order"].Value}' is not an order between 0 and 20");
        }
        string hex = m.Groups["mode"].Value[2..];
        if (hex.Length > 8 || !uint.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint mode))
        {
            throw new ZoneLabInputException(source, line, $"mode '0x{hex}' is not a 32-bit gfp mask");
        }
        var report = new AllocFailureReport
        {
            Line = line,
            Comm = comm,
            Order = order,
            Mode = mode,
            FlagNames = m.Groups["flags"].Success ? m.Groups["flags"].Value.Trim() : null,
            Nodemask = m.Groups["nodemask"].Success ? m.Groups["nodemask"].Value : null,
        };

        int memInfo = -1;
        for (int i = headerEnd + 1; i < stop; i++)
        {
            if (lines[i].Text.StartsWith("Mem-Info:", StringComparison.Ordinal))
            {
                memInfo = i;
                break;
            }
        }
        if (memInfo < 0)
        {
            // cut at or inside the stack dump: what was asked is still known
            ReadStackFacts(lines, start, stop, report);
            report.CutShort = "it ends before 'Mem-Info:'";
            return report;
        }
        report.MemInfoLine = lines[memInfo].Line;
        ReadStackFacts(lines, start, memInfo, report);
        ReadMemInfo(lines, memInfo + 1, stop, report, source);
        return report;
    }

    private static void ReadStackFacts(List<KernelLogLine> lines, int start, int memInfo, AllocFailureReport report)
    {
        var sb = new StringBuilder();
        for (int i = start; i < memInfo; i++)
        {
            sb.Append(lines[i].Text).Append(' ');
        }
        string s = sb.ToString();
        Match rel = s_release.Match(s);
        if (rel.Success
            && int.TryParse(rel.Groups["maj"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int maj)
            && int.TryParse(rel.Groups["min"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int min)
            && maj is >= 2 and <= 99 && min <= 999)
        {
            report.Kernel = (maj, min);
            report.Release = rel.Groups["rel"].Value;
        }
        report.Arch = ArchOf(s);
        report.InterruptContext = s.Contains("<IRQ>", StringComparison.Ordinal) || s.Contains("<SOFTIRQ>", StringComparison.Ordinal)
            || s.Contains("__do_softirq", StringComparison.Ordinal) || s.Contains("net_rx_action", StringComparison.Ordinal)
            || s.Contains("run_ksoftirqd", StringComparison.Ordinal) || s.Contains("handle_softirqs", StringComparison.Ordinal);
    }

    /// <summary>Architecture from markers of the stack dump and release string.</summary>
    private static string? ArchOf(string s)
    {
        if (s.Contains("x86_64", StringComparison.Ordinal) || s.Contains("amd64", StringComparison.Ordinal)
            || s.Contains("entry_SYSCALL_64", StringComparison.Ordinal) || s.Contains("do_syscall_64", StringComparison.Ordinal)
            || s.Contains("RIP: 0010:", StringComparison.Ordinal) || s.Contains("<TASK>", StringComparison.Ordinal))
        {
            return "x86_64";
        }
        if (s.Contains("aarch64", StringComparison.Ordinal) || s.Contains("arm64", StringComparison.Ordinal)
            || s.Contains("pstate:", StringComparison.Ordinal) || s.Contains("el0_svc", StringComparison.Ordinal)
            || s.Contains("el1h_64", StringComparison.Ordinal) || s.Contains("dump_backtrace", StringComparison.Ordinal))
        {
            return "arm64";
        }
        if (s.Contains("unwind_backtrace", StringComparison.Ordinal) || s.Contains("(show_stack) from", StringComparison.Ordinal)
            || s.Contains("__irq_svc", StringComparison.Ordinal) || s.Contains("vector_swi", StringComparison.Ordinal)
            || s.Contains("armv7", StringComparison.Ordinal))
        {
            return "arm";
        }
        if (s.Contains("syscall_common", StringComparison.Ordinal) || s.Contains("mips", StringComparison.Ordinal))
        {
            return "mips";
        }
        if (s.Contains("PowerMac", StringComparison.Ordinal) || s.Contains("powerpc", StringComparison.Ordinal)
            || s.Contains("start_kernel_thread", StringComparison.Ordinal) || s.Contains("(unreliable)", StringComparison.Ordinal))
        {
            return "ppc";
        }
        return null;
    }

    private static bool IsRecordStart(string t) =>
        s_zoneLineStart.IsMatch(t) || s_buddyLineStart.IsMatch(t) || s_reserveStart.IsMatch(t) || s_nodeLineStart.IsMatch(t)
        || t.StartsWith("Mem-Info:", StringComparison.Ordinal) || t.Contains("total pagecache pages", StringComparison.Ordinal)
        || t.Contains("hugepages_total=", StringComparison.Ordinal);

    private static bool ZoneLineComplete(string t) =>
        Regex.IsMatch(t, @"all_unreclaimable\?\s*(?:yes|no)")
        || (Regex.IsMatch(t, @"free_cma:\d+kB") && !t.Contains("writeback_tmp", StringComparison.Ordinal) && !t.Contains("pages_scanned", StringComparison.Ordinal));

    /// <summary>Joins the lines after <paramref name="i"/> that a mail client wrapped off the record starting there.</summary>
    private static string Gather(List<KernelLogLine> lines, ref int i, int stop, Func<string, bool> complete)
    {
        string t = lines[i].Text;
        while (!complete(t) && i + 1 < stop && lines[i + 1].Text.Length > 0 && !IsRecordStart(lines[i + 1].Text))
        {
            i++;
            t += " " + lines[i].Text;
        }
        return t;
    }

    private static void ReadMemInfo(List<KernelLogLine> lines, int from, int stop, AllocFailureReport report, string source)
    {
        DumpedZone? lastZone = null;
        var byKey = new Dictionary<(int, string), DumpedZone>();
        bool global = true;
        for (int i = from; i < stop; i++)
        {
            string t = lines[i].Text;
            int lineNo = lines[i].Line;
            if (s_zoneNameOnly.IsMatch(t) && i + 1 < stop && lines[i + 1].Text.StartsWith("free:", StringComparison.Ordinal))
            {
                // "Normal" wrapped away from its "free:..." by a mail client.
                lines[i + 1] = lines[i + 1] with { Text = t + " " + lines[i + 1].Text, Line = lineNo };
                continue;
            }
            if (t.Contains("total pagecache pages", StringComparison.Ordinal))
            {
                // The end of the per-zone part; only "pages cma reserved" matters after it.
                for (int j = i + 1; j < stop && j < i + 16; j++)
                {
                    Match c = s_cmaReserved.Match(lines[j].Text);
                    if (c.Success && long.TryParse(c.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                    {
                        report.CmaReservedPages = n;
                    }
                }
                break;
            }
            Match zm = s_zoneLineStart.Match(t);
            if (zm.Success)
            {
                global = false;
                int first = i;
                string whole = Gather(lines, ref i, stop, ZoneLineComplete);
                if (!ZoneLineComplete(whole))
                {
                    throw new ZoneLabInputException(source, lineNo, $"truncated report: zone line of {zm.Groups["zone"].Value} ends before 'free_cma:'");
                }
                var fields = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (Match f in s_field.Matches(whole))
                {
                    if (f.Groups["unit"].Success && !fields.ContainsKey(f.Groups["key"].Value))
                    {
                        fields[f.Groups["key"].Value] = ParseNumber(f.Groups["value"].Value, source, lineNo);
                    }
                }
                foreach (string required in new[] { "free", "min", "low", "high" })
                {
                    if (!fields.ContainsKey(required))
                    {
                        throw new ZoneLabInputException(source, lineNo, $"zone line of {zm.Groups["zone"].Value} has no '{required}:NkB'");
                    }
                }
                int node = zm.Groups["node"].Success ? ParseInt(zm.Groups["node"].Value, source, lineNo) : 0;
                var zone = new DumpedZone { Node = node, Name = zm.Groups["zone"].Value, Line = lines[first].Line, FieldsKb = fields };
                if (!byKey.TryAdd((node, zone.Name), zone))
                {
                    throw new ZoneLabInputException(source, lineNo, $"zone {zone.Name} of node {node} printed twice in one Mem-Info");
                }
                report.Zones.Add(zone);
                lastZone = zone;
                continue;
            }
            if (s_reserveStart.IsMatch(t))
            {
                string whole = t;
                while (i + 1 < stop && s_onlyNumbers.IsMatch(lines[i + 1].Text))
                {
                    i++;
                    whole += " " + lines[i].Text;
                }
                if (lastZone is null || lastZone.ReserveLine != 0)
                {
                    throw new ZoneLabInputException(source, lineNo, "lowmem_reserve[] line without a zone line before it");
                }
                string nums = whole[(whole.IndexOf(':') + 1)..].Trim();
                if (nums.Length == 0 || !s_onlyNumbers.IsMatch(nums))
                {
                    throw new ZoneLabInputException(source, lineNo, "expected 'lowmem_reserve[]: N N ...' (one number per zone)");
                }
                string[] parts = nums.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 8)
                {
                    throw new ZoneLabInputException(source, lineNo, $"lowmem_reserve[] has {parts.Length} entries; MAX_NR_ZONES is at most 6");
                }
                lastZone.LowmemReserve = parts.Select(p => ParseNumber(p, source, lineNo)).ToArray();
                lastZone.ReserveLine = lineNo;
                continue;
            }
            Match bm = s_buddyLineStart.Match(t);
            if (bm.Success)
            {
                global = false;
                string whole = Gather(lines, ref i, stop, s => s_buddyTotal.IsMatch(s) || s.EndsWith("empty", StringComparison.Ordinal));
                if (!s_buddyTotal.IsMatch(whole) && !whole.EndsWith("empty", StringComparison.Ordinal))
                {
                    throw new ZoneLabInputException(source, lineNo, $"truncated report: buddy line of {bm.Groups["zone"].Value} ends before '= NkB'");
                }
                int node = bm.Groups["node"].Success ? ParseInt(bm.Groups["node"].Value, source, lineNo) : 0;
                if (!byKey.TryGetValue((node, bm.Groups["zone"].Value), out DumpedZone? zone))
                {
                    throw new ZoneLabInputException(source, lineNo, $"buddy line of node {node} {bm.Groups["zone"].Value} without its zone line");
                }
                if (zone.BuddyLine != 0)
                {
                    throw new ZoneLabInputException(source, lineNo, $"second buddy line for node {node} {zone.Name}");
                }
                ReadBuddy(whole, zone, source, lineNo);
                continue;
            }
            if (global)
            {
                report.GlobalFreePages = GlobalCounter(t, "free", source, lineNo) ?? report.GlobalFreePages;
                report.GlobalFreeCma = GlobalCounter(t, "free_cma", source, lineNo) ?? report.GlobalFreeCma;
            }
        }

        if (report.Zones.Count == 0)
        {
            report.CutShort = $"its 'Mem-Info:' (line {report.MemInfoLine}) is followed by no zone line";
            return;
        }
        int width = -1;
        foreach (DumpedZone z in report.Zones)
        {
            if (z.ReserveLine == 0)
            {
                throw new ZoneLabInputException(source, z.Line, $"truncated report: zone {z.Name} has no lowmem_reserve[] line");
            }
            if (z.BuddyLine == 0)
            {
                throw new ZoneLabInputException(source, z.Line, $"truncated report: zone {z.Name} of node {z.Node} has no buddy ('{z.Name}: N*4kB ...') line");
            }
            if (width >= 0 && z.LowmemReserve.Length != width)
            {
                throw new ZoneLabInputException(source, z.ReserveLine, $"lowmem_reserve[] has {z.LowmemReserve.Length} entries, the zone before had {width}");
            }
            width = z.LowmemReserve.Length;
        }
    }

    private static void ReadBuddy(string whole, DumpedZone zone, string source, int lineNo)
    {
        zone.BuddyLine = lineNo;
        if (whole.EndsWith("empty", StringComparison.Ordinal))
        {
            zone.FreeBlocks = new long[11];
            zone.Types = Enumerable.Repeat("", 11).ToArray();
            return;
        }
        string body = whole[(whole.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        body = body[..body.LastIndexOf('=')];
        MatchCollection items = s_buddyItem.Matches(body);
        if (items.Count == 0 || items.Count > 20)
        {
            throw new ZoneLabInputException(source, lineNo, $"buddy line of {zone.Name}: expected N*SIZEkB entries, one per order");
        }
        var counts = new long[items.Count];
        var types = new string[items.Count];
        long pageKb = 0;
        for (int o = 0; o < items.Count; o++)
        {
            Match it = items[o];
            long size = ParseNumber(it.Groups["size"].Value, source, lineNo);
            if (o == 0)
            {
                pageKb = size;
                if (pageKb is not (4 or 8 or 16 or 64))
                {
                    throw new ZoneLabInputException(source, lineNo, $"buddy line of {zone.Name} starts at {size}kB; expected the page size (4, 16 or 64 kB)");
                }
            }
            else if (size != pageKb << o)
            {
                throw new ZoneLabInputException(source, lineNo, $"buddy line of {zone.Name}: entry {o + 1} is {size}kB, expected {pageKb << o}kB (order {o})");
            }
            counts[o] = ParseNumber(it.Groups["count"].Value, source, lineNo);
            types[o] = it.Groups["types"].Success ? it.Groups["types"].Value : "";
            zone.HasTypeLetters |= it.Groups["types"].Success;
        }
        zone.FreeBlocks = counts;
        zone.Types = types;
        zone.PageKb = (int)pageKb;
    }

    // "KEY:N" of Mem-Info's first block (show_free_areas' global counters, in pages), or null when the line has none
    private static long? GlobalCounter(string t, string key, string source, int lineNo)
    {
        Match m = Regex.Match(t, $@"(?:^|\s){key}:(?<v>\d+)(?:\s|$)");
        return m.Success ? ParseNumber(m.Groups["v"].Value, source, lineNo) : null;
    }

    private static long ParseNumber(string s, string source, int line) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v <= long.MaxValue / 4
            ? v
            : throw new ZoneLabInputException(source, line, $"number '{(s.Length > 24 ? s[..24] + "..." : s)}' out of range");

    private static int ParseInt(string s, string source, int line) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v < 4096
            ? v
            : throw new ZoneLabInputException(source, line, $"node number '{s}' out of range");
}
