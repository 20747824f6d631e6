namespace ZoneLab.Workloads.Trace;

/// <summary>What a <see cref="FtraceReader"/> has seen so far.</summary>
public sealed class TraceReadStats
{
    private readonly long[] _byKind = new long[TraceEventKinds.Count];
    private readonly Utf8Cache<long[]> _unknown = new();

    /// <summary>Lines read, including headers and blank lines.</summary>
    public long Lines { get; internal set; }

    /// <summary>Event lines of any tracepoint, known or not.</summary>
    public long EventLines => Events + Skipped;

    /// <summary>Events of the kinds in <see cref="TraceEventKind"/> that were returned.</summary>
    public long Events { get; private set; }

    /// <summary>Event lines of other tracepoints, counted and skipped.</summary>
    public long Skipped { get; private set; }

    /// <summary>Sum of ftrace's <c>CPU:N [LOST M EVENTS]</c> markers: events the ring buffer overwrote.</summary>
    public long LostEvents { get; internal set; }

    /// <summary><c># tracer: NAME</c> of the header, if any.</summary>
    public string? Tracer { get; internal set; }

    /// <summary><c>entries-in-buffer</c> of the header (<c>print_event_info()</c>), if any.</summary>
    public long? EntriesInBuffer { get; internal set; }

    /// <summary><c>entries-written</c> of the header, if any.</summary>
    public long? EntriesWritten { get; internal set; }

    /// <summary><c>#P:N</c> of the header or <c>cpus=N</c> of <c>trace-cmd report</c>, if any.</summary>
    public int? Cpus { get; internal set; }

    /// <summary>Events read per kind.</summary>
    public long Count(TraceEventKind kind) => _byKind[(int)kind];

    /// <summary>Skipped event lines per tracepoint name, sorted by name.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> SkippedByName =>
        _unknown.Entries()
            .Select(e => new KeyValuePair<string, long>(System.Text.Encoding.UTF8.GetString(e.Key), e.Value[0]))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();

    internal void CountEvent(TraceEventKind kind)
    {
        _byKind[(int)kind]++;
        Events++;
    }

    internal void CountSkipped(ReadOnlySpan<byte> name)
    {
        Skipped++;
        if (!_unknown.TryGetValue(name, out long[]? n))
        {
            n = new long[1];
            _unknown.Add(name, n);
        }

        n[0]++;
    }
}
