using System.Text;

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
/// decompressed on the fly. Four parts: <see cref="TraceLineSource"/> (the bounded lines), <see cref="TraceKernelLine"/>
/// (the common events in the kernel's exact layout, in one pass), <see cref="TraceLineParser"/> (every other line and
/// the errors) and <see cref="TraceGfpCache"/> (the <c>gfp_flags=</c> masks, parsed once each).
/// </remarks>
public sealed class FtraceReader : IDisposable
{
    private readonly TraceLineSource _lines;
    private readonly TraceKernelLine _kernelLine;
    private readonly TraceLineParser _parser;
    private TraceEvent _current;

    /// <summary>Reads from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public FtraceReader(Stream stream, string source, bool leaveOpen = false)
    {
        _lines = new TraceLineSource(stream, source, leaveOpen, Stats);
        var gfp = new TraceGfpCache();
        var names = new TraceNames();
        _kernelLine = new TraceKernelLine(_lines, gfp, names);
        _parser = new TraceLineParser(_lines, Stats, gfp, names, _kernelLine);
    }

    /// <summary>The file name used in errors.</summary>
    public string Source => _lines.Source;

    /// <summary>Counts so far (final after <see cref="Read"/> returned false).</summary>
    public TraceReadStats Stats { get; } = new();

    /// <summary>Whether lines in the exact kernel layout skip the general field parser (tests turn it off to compare).</summary>
    internal bool FastPath { get; set; } = true;

    /// <summary>The event of the last successful <see cref="Read"/>.</summary>
    public ref readonly TraceEvent Current => ref _current;

    /// <summary>Opens a trace file (<c>.gz</c> is decompressed).</summary>
    public static FtraceReader Open(string path) => new(TraceLineSource.OpenFile(path), path);

    /// <summary>Parses a whole text (tests, small traces).</summary>
    public static FtraceReader FromText(string text, string source = "trace") =>
        new(new MemoryStream(Encoding.UTF8.GetBytes(text)), source);

    /// <summary>Advances to the next event of a known kind; false at the end of the text.</summary>
    public bool Read()
    {
        bool fastPath = FastPath;
        while (_lines.Next(out ReadOnlySpan<byte> line))
        {
            if ((fastPath && _kernelLine.TryRead(line, ref _current)) || _parser.TryParse(line, fastPath, ref _current))
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
        bool fastPath = FastPath;
        int n = 0;
        while (n < batch.Length && _lines.Next(out ReadOnlySpan<byte> line))
        {
            ref TraceEvent dst = ref batch[n];
            if ((fastPath && _kernelLine.TryRead(line, ref dst)) || _parser.TryParse(line, fastPath, ref dst))
            {
                Stats.CountEvent(dst.Kind);
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
    public void Dispose() => _lines.Dispose();
}
