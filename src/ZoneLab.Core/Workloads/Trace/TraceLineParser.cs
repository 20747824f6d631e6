using System.Buffers.Text;
using System.Text;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// The general parser of a trace line: any layout <see cref="FtraceReader"/> reads (ftrace with or without
/// <c>(TGID)</c>, flags or context, <c>trace-cmd report</c>, <c>perf script</c>), the <c>#</c> header and the
/// ring-buffer and stack-trace markers, every known event's fields in any order through <see cref="TraceFields"/>, and
/// the located errors. The common events in the kernel's own layout are read by <see cref="TraceKernelLine"/> first;
/// this parser reads the rest, and, when the line's context is in another layout, still hands the fields to
/// <see cref="TraceKernelLine.TryReadFields"/> before tokenising them.
/// </summary>
internal sealed class TraceLineParser
{
    /// <summary>The largest <c>order=</c> accepted.</summary>
    public const int MaxOrder = 30;

    private readonly TraceLineSource _lines;
    private readonly TraceReadStats _stats;
    private readonly TraceGfpCache _gfp;
    private readonly TraceNames _names;
    private readonly TraceKernelLine _kernelLine;

    // A field, not a stackalloc: the runtime would zero the 48 ints on every call, i.e. every event.
    private readonly int[] _bounds = new int[TraceFields.BoundsLength];

    /// <summary>A parser of the lines of <paramref name="lines"/>, counting into <paramref name="stats"/>.</summary>
    public TraceLineParser(TraceLineSource lines, TraceReadStats stats, TraceGfpCache gfp, TraceNames names, TraceKernelLine kernelLine)
    {
        _lines = lines;
        _stats = stats;
        _gfp = gfp;
        _names = names;
        _kernelLine = kernelLine;
    }

    /// <summary>
    /// Reads <paramref name="line"/> into <paramref name="dst"/>: true for an event of a known kind; false, with
    /// nothing set, for a header, a marker, a blank line or another tracepoint's event (counted as skipped). A line
    /// that is none of these, or a known event whose fields do not parse, throws <see cref="ZoneLabInputException"/>.
    /// <paramref name="fastPath"/> lets the fields of a common event skip the tokeniser.
    /// </summary>
    public bool TryParse(ReadOnlySpan<byte> line, bool fastPath, ref TraceEvent dst)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        // The comm is right-aligned in 16 columns: a few blanks, found faster by a loop than a vectorised search.
        int i = 0;
        while (i < line.Length && (line[i] == (byte)' ' || line[i] == (byte)'\t'))
        {
            i++;
        }

        if (i == line.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> text = line[i..];
        if (text[0] == (byte)'#')
        {
            ParseHeader(text);
            return false;
        }

        int cpuOpen = FindCpu(text, out int cpu, out int cpuEnd);
        if (cpuOpen < 0)
        {
            if (IsMarker(text))
            {
                return false;
            }

            if (IsContextless(text, out int nameEnd))
            {
                // options/context-info off: print_trace_fmt() skips trace_print_context(), the line starts at
                // "EVENT: " (trace_raw_output_prep()). No task, pid, CPU or time.
                ReadOnlySpan<byte> name = text[..nameEnd];
                return ParseEvent(name[(name.LastIndexOf((byte)':') + 1)..], text[(nameEnd + 1)..], default, 0, -1, 0, fastPath, ref dst);
            }

            throw _lines.Error("expected an event line 'TASK-PID [CPU] TIMESTAMP: EVENT: FIELDS', a '#' header or a ring-buffer marker");
        }

        // TASK-PID, maybe followed by "(TGID)" or "(-------)" (options/record-tgid).
        ReadOnlySpan<byte> head = text[..cpuOpen].TrimEnd((byte)' ');
        if (!head.IsEmpty && head[^1] == (byte)')')
        {
            int open = head.LastIndexOf((byte)'(');
            if (open < 0)
            {
                throw _lines.Error("unbalanced ')' before [CPU]");
            }

            head = head[..open].TrimEnd((byte)' ');
        }

        // TASK-PID (ftrace, trace-cmd); "TASK PID" with blanks between is perf script's layout.
        if (!TrySplitTaskPid(head, (byte)'-', out ReadOnlySpan<byte> task, out int pid)
            && !TrySplitTaskPid(head, (byte)' ', out task, out pid))
        {
            throw _lines.Error("expected TASK-PID before [CPU]");
        }

        // [FLAGS] TIMESTAMP:
        ReadOnlySpan<byte> rest = text[cpuEnd..].TrimStart((byte)' ');
        int sp = ShortIndexOfBlank(rest);
        if (sp < 0)
        {
            throw _lines.Error("expected 'TIMESTAMP: EVENT:' after [CPU]");
        }

        ReadOnlySpan<byte> tok = rest[..sp];
        if (tok[^1] != (byte)':')
        {
            rest = rest[sp..].TrimStart((byte)' '); // the irqs-off/need-resched/... flags
            sp = ShortIndexOfBlank(rest);
            tok = sp < 0 ? rest : rest[..sp];
            if (sp < 0 || tok[^1] != (byte)':')
            {
                throw _lines.Error("expected 'TIMESTAMP:' after [CPU] and the flags");
            }
        }

        long timestamp = TraceTimestamp.Parse(tok[..^1], _lines);
        rest = rest[(sp + 1)..].TrimStart((byte)' ');

        // EVENT: (perf and some tools print SYSTEM:EVENT:)
        int colon = rest.IndexOf((byte)':');
        if (colon <= 0 && !rest.IsEmpty && rest[0] == (byte)'<')
        {
            // options/stacktrace: the kernel_stack entry prints "<stack trace>" and no event name.
            _stats.CountSkipped(rest.TrimEnd((byte)' '));
            return false;
        }

        if (colon <= 0)
        {
            throw _lines.Error("expected 'EVENT:' after the timestamp");
        }

        return ParseEvent(rest[..colon], rest[(colon + 1)..], task, pid, cpu, timestamp, fastPath, ref dst);
    }

    private bool ParseEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> task, int pid, int cpu, long timestamp, bool fastPath, ref TraceEvent dst)
    {
        if (!rest.IsEmpty && rest[0] != (byte)' ')
        {
            int colon = rest.IndexOf((byte)':');
            if (colon > 0 && rest[..colon].IndexOf((byte)' ') < 0)
            {
                name = rest[..colon];
                rest = rest[(colon + 1)..];
            }
        }

        if (!TraceEventKinds.TryParse(name, out TraceEventKind kind))
        {
            _stats.CountSkipped(name);
            return false;
        }

        string taskName = _names.Task(task);
        if (!fastPath || !_kernelLine.TryReadFields(kind, rest, taskName, pid, cpu, timestamp, ref dst))
        {
            var f = new TraceFields(rest, _bounds, _lines.Source, _lines.Line, TraceEventKinds.Name(kind));
            dst = ParseFields(kind, ref f, taskName, pid, cpu, timestamp);
        }

        return true;
    }

    private TraceEvent ParseFields(TraceEventKind kind, ref TraceFields f, string task, int pid, int cpu, long timestamp)
    {
        var e = new TraceEvent { Kind = kind, Line = _lines.Line, Task = task, Pid = pid, Cpu = cpu, Timestamp = timestamp };
        switch (kind)
        {
            case TraceEventKind.PageAlloc:
                {
                    long pfn = f.Pfn();
                    bool failed = pfn < 0 || f.IsNullPointer("page"u8);
                    return e with
                    {
                        Pfn = failed ? -1 : pfn,
                        Failed = failed,
                        Order = f.Int("order"u8, 0, MaxOrder),
                        MigrateType = f.MigrateType("migratetype"u8),
                        GfpFlags = _gfp.Parse(f.Get("gfp_flags"u8), ref f),
                    };
                }

            case TraceEventKind.PageFree:
                return e with { Pfn = f.Pfn(), Order = f.Int("order"u8, 0, MaxOrder) };

            case TraceEventKind.PageFreeBatched:
                // 6.1 prints "order=0" literally; 3.x-4.x printed cold=; raw dumps have no order.
                return e with { Pfn = f.Pfn(), Order = f.TryGet("order"u8, out _) ? f.Int("order"u8, 0, 0) : 0 };

            case TraceEventKind.PageAllocZoneLocked:
                return e with
                {
                    Pfn = f.Pfn(),
                    Order = f.Int("order"u8, 0, MaxOrder),
                    MigrateType = f.MigrateType("migratetype"u8),
                    PercpuRefill = f.Bool("percpu_refill"u8),
                };

            case TraceEventKind.PagePcpuDrain:
                return e with
                {
                    Pfn = f.Pfn(),
                    Order = f.Int("order"u8, 0, MaxOrder),
                    MigrateType = f.MigrateType("migratetype"u8),
                };

            case TraceEventKind.PageAllocExtfrag:
                {
                    int fallbackOrder = f.Int("fallback_order"u8, 0, MaxOrder);
                    int pageblockOrder = f.TryGet("pageblock_order"u8, out _) ? f.Int("pageblock_order"u8, 0, MaxOrder) : 0;
                    bool fragmenting = f.TryGet("fragmenting"u8, out _) ? f.Bool("fragmenting"u8) : fallbackOrder < pageblockOrder;
                    return e with
                    {
                        Pfn = f.Pfn(),
                        Order = f.Int("alloc_order"u8, 0, MaxOrder),
                        FallbackOrder = fallbackOrder,
                        PageblockOrder = pageblockOrder,
                        MigrateType = f.MigrateType("alloc_migratetype"u8),
                        FallbackMigrateType = f.MigrateType("fallback_migratetype"u8),
                        Fragmenting = fragmenting,
                        ChangeOwnership = f.Bool("change_ownership"u8),
                    };
                }

            case TraceEventKind.CmaAllocStart:
                // 5.13 on: "name=%s count=%lu align=%u" (at first without name=); kernels after 6.12 (with multi-range
                // CMA areas): "name=%s request_count=%lu available_count=%lu total_count=%lu align=%u" (cma.h).
                return e with
                {
                    Pfn = -1,
                    CmaName = CmaName(ref f),
                    Count = f.TryGet("count"u8, out _) ? f.Long("count"u8)
                        : f.TryGet("request_count"u8, out _) ? f.Long("request_count"u8)
                        : throw f.Error("expected a field 'count=' (6.12 and older) or 'request_count=' (later kernels)"),
                    Align = f.Int("align"u8, 0, 63),
                };

            case TraceEventKind.CmaAllocFinish:
            case TraceEventKind.CmaAllocBusyRetry:
                {
                    // 4.1-5.12 "cma_alloc: pfn=%lx page=%p count=%u align=%u"; then cma_alloc_class with name=,
                    // pfn=0x%lx later, and later still errorno=%d on cma_alloc_finish (ignored: the page says it).
                    long pfn = f.HexPfn();
                    bool failed = pfn < 0 || f.IsNullPointer("page"u8);
                    return e with
                    {
                        Pfn = failed && kind == TraceEventKind.CmaAllocFinish ? -1 : pfn,
                        Failed = failed && kind == TraceEventKind.CmaAllocFinish,
                        CmaName = CmaName(ref f),
                        Count = f.Long("count"u8),
                        Align = f.Int("align"u8, 0, 63),
                    };
                }

            case TraceEventKind.CmaRelease:
                // "pfn=%lx page=%p count=%u" before 5.13, then "name=%s pfn=0x%lx page=%p count=%lu".
                return e with
                {
                    Pfn = f.HexPfn(),
                    CmaName = CmaName(ref f),
                    Count = f.Long("count"u8),
                };

            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    // Kernels before 5.13 print no area name: those events belong to an unnamed area (null).
    private string? CmaName(ref TraceFields f) => f.TryGet("name"u8, out ReadOnlySpan<byte> name) ? _names.CmaName(name) : null;

    private static bool TrySplitTaskPid(ReadOnlySpan<byte> head, byte separator, out ReadOnlySpan<byte> task, out int pid)
    {
        // Fast path: the digits at the end, scanned backwards, then the separator.
        int k = head.Length - 1;
        int value = 0, scale = 1;
        while (k >= 0 && (uint)(head[k] - '0') <= 9 && scale <= 100_000_000)
        {
            value += (head[k] - '0') * scale;
            scale *= 10;
            k--;
        }

        if (k > 0 && k < head.Length - 1 && head[k] == separator && head[k - 1] != (byte)' ' && head[k - 1] != separator)
        {
            task = head[..k];
            pid = value;
            return true;
        }

        int at = head.LastIndexOf(separator);
        task = at > 0 ? head[..at].TrimEnd((byte)' ') : default;
        pid = 0;
        if (task.IsEmpty)
        {
            return false;
        }

        ReadOnlySpan<byte> digits = head[(at + 1)..];
        return Utf8Parser.TryParse(digits, out pid, out int used) && used == digits.Length;
    }

    /// <summary>The first blank of a short token (flags, timestamp): a loop, cheaper than a vectorised search there.</summary>
    private static int ShortIndexOfBlank(ReadOnlySpan<byte> s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == (byte)' ')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A line that starts with <c>NAME:</c> or <c>SYSTEM:NAME:</c> (lower case, digits, '_') and a blank.</summary>
    private static bool IsContextless(ReadOnlySpan<byte> text, out int nameEnd)
    {
        nameEnd = text.IndexOf(": "u8);
        if (nameEnd <= 0)
        {
            return false;
        }

        foreach (byte b in text[..nameEnd])
        {
            if (!((uint)(b - 'a') <= 'z' - 'a' || (uint)(b - '0') <= 9 || b == (byte)'_' || b == (byte)':'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Finds the first <c>[DIGITS]</c>: returns the index of '[' and the index after ']'.</summary>
    private static int FindCpu(ReadOnlySpan<byte> text, out int cpu, out int end)
    {
        int from = 0;
        while (true)
        {
            int open = text[from..].IndexOf((byte)'[');
            if (open < 0)
            {
                cpu = end = -1;
                return -1;
            }

            open += from;
            int j = open + 1;
            int value = 0;
            while (j < text.Length && (uint)(text[j] - '0') <= 9 && value < 1_000_000)
            {
                value = (value * 10) + (text[j] - '0');
                j++;
            }

            if (j > open + 1 && j < text.Length && text[j] == (byte)']')
            {
                cpu = value;
                end = j + 1;
                return open;
            }

            from = open + 1;
        }
    }

    private void ParseHeader(ReadOnlySpan<byte> text)
    {
        // "# tracer: nop", "# entries-in-buffer/entries-written: 16992/16992   #P:1" (print_event_info()).
        ReadOnlySpan<byte> body = text[1..].TrimStart((byte)' ');
        if (body.StartsWith("tracer:"u8))
        {
            _stats.Tracer = Encoding.UTF8.GetString(body[7..].Trim((byte)' '));
        }
        else if (body.StartsWith("entries-in-buffer/entries-written:"u8))
        {
            ReadOnlySpan<byte> v = body["entries-in-buffer/entries-written:"u8.Length..].TrimStart((byte)' ');
            if (Utf8Parser.TryParse(v, out long inBuffer, out int used) && used < v.Length && v[used] == (byte)'/'
                && Utf8Parser.TryParse(v[(used + 1)..], out long written, out _))
            {
                _stats.EntriesInBuffer = inBuffer;
                _stats.EntriesWritten = written;
            }

            int p = v.IndexOf("#P:"u8);
            if (p >= 0 && Utf8Parser.TryParse(v[(p + 3)..], out int cpus, out _))
            {
                _stats.Cpus = cpus;
            }
        }
    }

    private bool IsMarker(ReadOnlySpan<byte> text)
    {
        // ftrace: "CPU:1 [LOST 42 EVENTS]" (print_trace_line() after a ring-buffer overrun).
        int lost = text.IndexOf("[LOST "u8);
        if (text.StartsWith("CPU:"u8) && lost > 0)
        {
            ReadOnlySpan<byte> n = text[(lost + 6)..];
            if (Utf8Parser.TryParse(n, out long count, out _))
            {
                _stats.LostEvents += count;
            }

            return true;
        }

        // options/stacktrace and userstacktrace: "<stack trace>" then " => __alloc_pages+0x1c4/0x330" lines.
        if (text.StartsWith("=>"u8) || text.StartsWith("<stack trace>"u8) || text.StartsWith("<user stack trace>"u8))
        {
            return true;
        }

        // trace-cmd report: "cpus=2", "version = 6", "CPU 3 is empty", "CPU0 data recorded at offset=...".
        if (text.StartsWith("cpus="u8))
        {
            if (Utf8Parser.TryParse(text[5..], out int cpus, out _))
            {
                _stats.Cpus = cpus;
            }

            return true;
        }

        return text.StartsWith("version"u8) || (text.StartsWith("CPU"u8) && (text.EndsWith("is empty"u8) || text.IndexOf("data recorded"u8) > 0));
    }
}
