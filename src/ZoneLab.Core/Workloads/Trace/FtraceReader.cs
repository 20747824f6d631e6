using System.Buffers.Text;
using System.Text;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// Streams the page-allocator and CMA events out of ftrace text: the <c>trace</c> file of tracefs (with its
/// <c>#</c> header, <c>print_trace_header()</c>/<c>print_event_info()</c>), <c>trace_pipe</c> lines, and
/// <c>trace-cmd report</c> and <c>perf script</c> output. A line is <c>TASK-PID [(TGID)] [CPU] [FLAGS] TIMESTAMP: EVENT: FIELDS</c>
/// (<c>trace_print_context()</c>, kernel/trace/trace_output.c; <c>trace-cmd report</c> pads the event name and may
/// omit the flags). Events of other tracepoints are counted in <see cref="Stats"/> and skipped; a line of a known
/// event that does not parse, or a line that is no event, header or ring-buffer marker, throws
/// <see cref="ZoneLabInputException"/> with the file and line.
/// </summary>
/// <remarks>
/// The text is read as bytes through a reusable buffer and parsed in place: a line costs no allocation
/// except the first time a task name, <c>gfp_flags</c> string or CMA name is seen. A file ending in <c>.gz</c> is
/// decompressed on the fly.
/// </remarks>
public sealed partial class FtraceReader : IDisposable
{
    private const int MaxLineBytes = 1 << 24;
    private const int MaxOrder = 30;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly Utf8Cache<string> _tasks = new();
    private readonly Utf8Cache<string> _cmaNames = new();
    private readonly Utf8Cache<GfpFlags> _gfp = new();
    private readonly int[] _bounds = new int[TraceFields.BoundsLength];
    private byte[] _buf;
    private int _pos;
    private int _len;
    private bool _eof;
    private int _copiesLeft;
    private bool _inMemory;
    private long _line;
    private TraceEvent _current;
    private string? _lastTask;
    private byte[]? _lastGfpText;
    private int _lastGfpLength;
    private GfpFlags _lastGfp;
    private byte[] _lastTaskBytes = new byte[64];
    private int _lastTaskLength;

    /// <summary>Reads from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public FtraceReader(Stream stream, string source, bool leaveOpen = false)
    {
        _stream = stream;
        Source = source;
        _leaveOpen = leaveOpen;
        if (stream is RepeatedTraceStream repeated && repeated.Position == 0 && repeated.Text.Length <= MaxLineBytes)
        {
            // Parse the repeated text where it lies instead of copying each copy through the read buffer (the
            // replay benchmark). No line can reach MaxLineBytes in it, so the errors are the stream path's.
            _buf = repeated.Text;
            _len = _buf.Length;
            _copiesLeft = repeated.Copies - 1;
            _inMemory = true;
            return;
        }

        long size = stream.CanSeek ? stream.Length - stream.Position : long.MaxValue;
        _buf = new byte[(int)Math.Clamp(size + 1, 4096, 1 << 20)];
    }

    /// <summary>The file name used in errors.</summary>
    public string Source { get; }

    /// <summary>Counts so far (final after <see cref="Read"/> returned false).</summary>
    public TraceReadStats Stats { get; } = new();

    /// <summary>Whether lines in the exact kernel layout skip the general field parser (tests turn it off to compare).</summary>
    internal bool FastPath { get; set; } = true;

    /// <summary>The event of the last successful <see cref="Read"/>.</summary>
    public ref readonly TraceEvent Current => ref _current;

    /// <summary>Opens a trace file (<c>.gz</c> is decompressed).</summary>
    public static FtraceReader Open(string path)
    {
        Stream s = InputFiles.OpenRead(path, bufferSize: 1); // the reader buffers
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            s = CheckedGzipStream.Open((FileStream)s, path);
        }

        return new FtraceReader(s, path);
    }

    /// <summary>Parses a whole text (tests, small traces).</summary>
    public static FtraceReader FromText(string text, string source = "trace") =>
        new(new MemoryStream(Encoding.UTF8.GetBytes(text)), source);

    /// <summary>Advances to the next event of a known kind; false at the end of the text.</summary>
    public bool Read()
    {
        // A field, not a stackalloc: the runtime would zero the 48 ints on every call, i.e. every event.
        Span<int> bounds = _bounds;
        while (NextLine(out ReadOnlySpan<byte> line))
        {
            if ((FastPath && TryReadKernelLine(line, ref _current)) || TryParseLine(line, bounds))
            {
                Stats.CountEvent(_current.Kind);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Reads up to <paramref name="batch"/>'s length of events into it, in trace order (the same events as that
    /// many <see cref="Read"/> calls, written in place rather than copied out of <see cref="Current"/>); fewer only
    /// at the end of the text.
    /// </summary>
    internal int ReadBatch(Span<TraceEvent> batch)
    {
        Span<int> bounds = _bounds;
        int n = 0;
        while (n < batch.Length && NextLine(out ReadOnlySpan<byte> line))
        {
            ref TraceEvent dst = ref batch[n];
            if (FastPath && TryReadKernelLine(line, ref dst))
            {
                Stats.CountEvent(dst.Kind);
                n++;
            }
            else if (TryParseLine(line, bounds))
            {
                Stats.CountEvent(_current.Kind);
                dst = _current;
                n++;
            }
        }

        if (n > 0)
        {
            _current = batch[n - 1];
        }

        return n;
    }

    /// <summary>All remaining events, one at a time.</summary>
    public IEnumerable<TraceEvent> ReadAll()
    {
        while (Read())
        {
            yield return _current;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private bool NextLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            int nl = _buf.AsSpan(_pos, _len - _pos).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                line = _buf.AsSpan(_pos, nl);
                _pos += nl + 1;
                _line++;
                Stats.Lines++;
                return true;
            }

            if (_eof)
            {
                if (_pos < _len)
                {
                    line = _buf.AsSpan(_pos, _len - _pos);
                    _pos = _len;
                    _line++;
                    Stats.Lines++;
                    return true;
                }

                line = default;
                return false;
            }

            if (_inMemory)
            {
                // The text ends in a newline (RepeatedTraceStream checks), so every copy ends on a line boundary.
                if (_copiesLeft > 0)
                {
                    _copiesLeft--;
                    _pos = 0;
                }
                else
                {
                    _eof = true;
                }

                continue;
            }

            int rest = _len - _pos;
            if (_pos == 0 && rest == _buf.Length)
            {
                if (_buf.Length >= MaxLineBytes)
                {
                    throw new ZoneLabInputException(Source, (int)Math.Min(_line + 1, int.MaxValue), $"a line longer than {MaxLineBytes} bytes: not ftrace text");
                }

                Array.Resize(ref _buf, _buf.Length * 2);
            }
            else if (_pos > 0)
            {
                Buffer.BlockCopy(_buf, _pos, _buf, 0, rest);
            }

            _pos = 0;
            _len = rest;
            int n = _stream.Read(_buf, _len, _buf.Length - _len);
            if (n == 0)
            {
                _eof = true;
            }

            _len += n;
        }
    }

    private bool TryParseLine(ReadOnlySpan<byte> line, Span<int> bounds)
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
                return ParseEvent(name[(name.LastIndexOf((byte)':') + 1)..], text[(nameEnd + 1)..], default, 0, -1, 0, bounds);
            }

            throw Error("expected an event line 'TASK-PID [CPU] TIMESTAMP: EVENT: FIELDS', a '#' header or a ring-buffer marker");
        }

        // TASK-PID, maybe followed by "(TGID)" or "(-------)" (options/record-tgid).
        ReadOnlySpan<byte> head = text[..cpuOpen].TrimEnd((byte)' ');
        if (!head.IsEmpty && head[^1] == (byte)')')
        {
            int open = head.LastIndexOf((byte)'(');
            if (open < 0)
            {
                throw Error("unbalanced ')' before [CPU]");
            }

            head = head[..open].TrimEnd((byte)' ');
        }

        // TASK-PID (ftrace, trace-cmd); "TASK PID" with blanks between is perf script's layout.
        if (!TrySplitTaskPid(head, (byte)'-', out ReadOnlySpan<byte> task, out int pid)
            && !TrySplitTaskPid(head, (byte)' ', out task, out pid))
        {
            throw Error("expected TASK-PID before [CPU]");
        }

        // [FLAGS] TIMESTAMP:
        ReadOnlySpan<byte> rest = text[cpuEnd..].TrimStart((byte)' ');
        int sp = ShortIndexOfBlank(rest);
        if (sp < 0)
        {
            throw Error("expected 'TIMESTAMP: EVENT:' after [CPU]");
        }

        ReadOnlySpan<byte> tok = rest[..sp];
        if (tok[^1] != (byte)':')
        {
            rest = rest[sp..].TrimStart((byte)' '); // the irqs-off/need-resched/... flags
            sp = ShortIndexOfBlank(rest);
            tok = sp < 0 ? rest : rest[..sp];
            if (sp < 0 || tok[^1] != (byte)':')
            {
                throw Error("expected 'TIMESTAMP:' after [CPU] and the flags");
            }
        }

        long timestamp = ParseTimestamp(tok[..^1]);
        rest = rest[(sp + 1)..].TrimStart((byte)' ');

        // EVENT: (perf and some tools print SYSTEM:EVENT:)
        int colon = rest.IndexOf((byte)':');
        if (colon <= 0 && !rest.IsEmpty && rest[0] == (byte)'<')
        {
            // options/stacktrace: the kernel_stack entry prints "<stack trace>" and no event name.
            Stats.CountSkipped(rest.TrimEnd((byte)' '));
            return false;
        }

        if (colon <= 0)
        {
            throw Error("expected 'EVENT:' after the timestamp");
        }

        return ParseEvent(rest[..colon], rest[(colon + 1)..], task, pid, cpu, timestamp, bounds);
    }

    private bool ParseEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> task, int pid, int cpu, long timestamp, Span<int> bounds)
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
            Stats.CountSkipped(name);
            return false;
        }

        string taskName = InternTask(task);
        if (!FastPath || !TryParseKernelLayout(kind, rest, taskName, pid, cpu, timestamp))
        {
            var f = new TraceFields(rest, bounds, Source, _line, TraceEventKinds.Name(kind));
            _current = ParseFields(kind, ref f, taskName, pid, cpu, timestamp);
        }

        return true;
    }

    /// <summary>
    /// The common events in the exact 6.1 TP_printk layout, without tokenising; false (nothing set) for anything
    /// else, which then goes through <see cref="ParseFields"/>.
    /// </summary>
    private bool TryParseKernelLayout(TraceEventKind kind, ReadOnlySpan<byte> text, string task, int pid, int cpu, long timestamp)
    {
        var c = new TraceFieldCursor(text);
        long pfn;
        int order, mt, refill;
        switch (kind)
        {
            case TraceEventKind.PageAlloc:
                // A NULL page (failed allocation) takes the general path.
                if (!c.Next("page"u8, out ReadOnlySpan<byte> page) || (page.Length > 0 && page[0] == (byte)'0')
                    || !c.Pfn(out pfn) || !c.Small("order"u8, MaxOrder, out order)
                    || !c.Small("migratetype"u8, MigrateTypes.Count - 1, out mt)
                    || !c.Next("gfp_flags"u8, out ReadOnlySpan<byte> gfpText) || !c.AtEnd
                    || !TryGfp(gfpText, out GfpFlags gfp))
                {
                    return false;
                }

                _current = new TraceEvent
                {
                    Kind = kind,
                    Line = _line,
                    Task = task,
                    Pid = pid,
                    Cpu = cpu,
                    Timestamp = timestamp,
                    Pfn = pfn,
                    Order = order,
                    MigrateType = (MigrateType)mt,
                    GfpFlags = gfp,
                };
                return true;

            case TraceEventKind.PageFree:
            case TraceEventKind.PageFreeBatched:
                if (!c.Skip("page"u8) || !c.Pfn(out pfn) || !c.Small("order"u8, kind == TraceEventKind.PageFree ? MaxOrder : 0, out order) || !c.AtEnd)
                {
                    return false;
                }

                _current = new TraceEvent { Kind = kind, Line = _line, Task = task, Pid = pid, Cpu = cpu, Timestamp = timestamp, Pfn = pfn, Order = order };
                return true;

            case TraceEventKind.PagePcpuDrain:
            case TraceEventKind.PageAllocZoneLocked:
                refill = 0;
                if (!c.Skip("page"u8) || !c.Pfn(out pfn) || !c.Small("order"u8, MaxOrder, out order)
                    || !c.Small("migratetype"u8, MigrateTypes.Count - 1, out mt)
                    || (kind == TraceEventKind.PageAllocZoneLocked && !c.Small("percpu_refill"u8, 1, out refill)) || !c.AtEnd)
                {
                    return false;
                }

                _current = new TraceEvent
                {
                    Kind = kind,
                    Line = _line,
                    Task = task,
                    Pid = pid,
                    Cpu = cpu,
                    Timestamp = timestamp,
                    Pfn = pfn,
                    Order = order,
                    MigrateType = (MigrateType)mt,
                    PercpuRefill = refill == 1,
                };
                return true;

            default:
                return false;
        }
    }

    private bool TryGfp(ReadOnlySpan<byte> text, out GfpFlags flags)
    {
        if (_lastGfpText is not null && text.SequenceEqual(_lastGfpText.AsSpan(0, _lastGfpLength)))
        {
            flags = _lastGfp;
            return true;
        }

        if (!_gfp.TryGetValue(text, out flags))
        {
            if (!TraceGfpFlags.TryParse(text, out flags, out _))
            {
                return false;
            }

            _gfp.Add(text, flags);
        }

        if (_lastGfpText is null || _lastGfpText.Length < text.Length)
        {
            _lastGfpText = new byte[Math.Max(128, text.Length)];
        }

        text.CopyTo(_lastGfpText);
        _lastGfpLength = text.Length;
        _lastGfp = flags;
        return true;
    }

    private TraceEvent ParseFields(TraceEventKind kind, ref TraceFields f, string task, int pid, int cpu, long timestamp)
    {
        var e = new TraceEvent { Kind = kind, Line = _line, Task = task, Pid = pid, Cpu = cpu, Timestamp = timestamp };
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
                        GfpFlags = ParseGfp(f.Get("gfp_flags"u8), ref f),
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
    private string? CmaName(ref TraceFields f) => f.TryGet("name"u8, out ReadOnlySpan<byte> name) ? Intern(_cmaNames, name) : null;

    private GfpFlags ParseGfp(ReadOnlySpan<byte> text, ref TraceFields f)
    {
        if (_gfp.TryGetValue(text, out GfpFlags flags))
        {
            return flags;
        }

        if (!TraceGfpFlags.TryParse(text, out flags, out string? error))
        {
            throw f.Error($"gfp_flags= {error}");
        }

        _gfp.Add(text, flags);
        return flags;
    }

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

    private string InternTask(ReadOnlySpan<byte> bytes)
    {
        // Consecutive lines are mostly of the same task: compare with the last one before hashing.
        if (_lastTask is not null && bytes.SequenceEqual(_lastTaskBytes.AsSpan(0, _lastTaskLength)))
        {
            return _lastTask;
        }

        string s = Intern(_tasks, bytes);
        if (bytes.Length > _lastTaskBytes.Length)
        {
            _lastTaskBytes = new byte[Math.Max(64, bytes.Length)];
        }

        bytes.CopyTo(_lastTaskBytes);
        _lastTaskLength = bytes.Length;
        _lastTask = s;
        return s;
    }

    private static string Intern(Utf8Cache<string> cache, ReadOnlySpan<byte> bytes)
    {
        if (!cache.TryGetValue(bytes, out string? s))
        {
            s = Encoding.UTF8.GetString(bytes);
            cache.Add(bytes, s);
        }

        return s;
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

    private long ParseTimestamp(ReadOnlySpan<byte> t)
    {
        // The common case in one pass: SECONDS.FRACTION with 1-9 fraction digits (6 for the default clocks).
        long whole = 0;
        int k = 0;
        while (k < t.Length && k < 10 && (uint)(t[k] - (byte)'0') <= 9)
        {
            whole = (whole * 10) + (t[k] - '0');
            k++;
        }

        if (k > 0 && k < 10 && k < t.Length - 1 && t[k] == (byte)'.' && t.Length - k - 1 <= 9)
        {
            long frac = 0;
            int digits = 0;
            for (int j = k + 1; j < t.Length; j++)
            {
                uint d = (uint)(t[j] - '0');
                if (d > 9)
                {
                    return ParseTimestampSlow(t);
                }

                frac = (frac * 10) + d;
                digits++;
            }

            for (; digits < 9; digits++)
            {
                frac *= 10;
            }

            return (whole * 1_000_000_000) + frac;
        }

        return ParseTimestampSlow(t);
    }

    private long ParseTimestampSlow(ReadOnlySpan<byte> t)
    {
        int dot = t.IndexOf((byte)'.');
        ReadOnlySpan<byte> whole = dot < 0 ? t : t[..dot];
        if (!Utf8Parser.TryParse(whole, out long secs, out int used) || used != whole.Length || secs < 0
            || (dot >= 0 && secs > long.MaxValue / 1_000_000_000 - 1))
        {
            throw Error($"expected a timestamp SECONDS.FRACTION or an integer, found '{Encoding.UTF8.GetString(t)}'");
        }

        if (dot < 0)
        {
            return secs;
        }

        ReadOnlySpan<byte> frac = t[(dot + 1)..];
        if (frac.IsEmpty || frac.Length > 9 || frac.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            throw Error($"expected a timestamp SECONDS.FRACTION (up to 9 fraction digits), found '{Encoding.UTF8.GetString(t)}'");
        }

        long ns = 0;
        for (int k = 0; k < 9; k++)
        {
            ns = (ns * 10) + (k < frac.Length ? frac[k] - '0' : 0);
        }

        return (secs * 1_000_000_000) + ns;
    }

    private void ParseHeader(ReadOnlySpan<byte> text)
    {
        // "# tracer: nop", "# entries-in-buffer/entries-written: 16992/16992   #P:1" (print_event_info()).
        ReadOnlySpan<byte> body = text[1..].TrimStart((byte)' ');
        if (body.StartsWith("tracer:"u8))
        {
            Stats.Tracer = Encoding.UTF8.GetString(body[7..].Trim((byte)' '));
        }
        else if (body.StartsWith("entries-in-buffer/entries-written:"u8))
        {
            ReadOnlySpan<byte> v = body["entries-in-buffer/entries-written:"u8.Length..].TrimStart((byte)' ');
            if (Utf8Parser.TryParse(v, out long inBuffer, out int used) && used < v.Length && v[used] == (byte)'/'
                && Utf8Parser.TryParse(v[(used + 1)..], out long written, out _))
            {
                Stats.EntriesInBuffer = inBuffer;
                Stats.EntriesWritten = written;
            }

            int p = v.IndexOf("#P:"u8);
            if (p >= 0 && Utf8Parser.TryParse(v[(p + 3)..], out int cpus, out _))
            {
                Stats.Cpus = cpus;
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
                Stats.LostEvents += count;
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
                Stats.Cpus = cpus;
            }

            return true;
        }

        return text.StartsWith("version"u8) || (text.StartsWith("CPU"u8) && (text.EndsWith("is empty"u8) || text.IndexOf("data recorded"u8) > 0));
    }

    private ZoneLabInputException Error(string message) => new(Source, (int)Math.Min(_line, int.MaxValue), message);
}
