namespace ZoneLab.Workloads.Trace;

/// <summary>
/// The lines of a trace as byte spans in a reusable buffer: a file is opened through <see cref="InputFiles"/> (a
/// <c>.gz</c> one decompressed on the fly by <see cref="CheckedGzipStream"/>), read in blocks, and a line is a span
/// of the buffer, valid until the next <see cref="Next"/>. A line is at most <see cref="MaxLineBytes"/> long (the
/// buffer grows to it, never past it), so a file without newlines is an error, not unbounded memory.
/// It numbers the lines and names the source in errors for the parsers (<see cref="Error"/>).
/// </summary>
internal sealed class TraceLineSource : IDisposable
{
    /// <summary>The longest line read; a longer one is not ftrace text.</summary>
    public const int MaxLineBytes = 1 << 24;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly TraceReadStats _stats;
    private byte[] _buf;
    private int _pos;
    private int _len;
    private bool _eof;
    private int _copiesLeft;
    private bool _inMemory;
    private long _line;

    /// <summary>Reads from <paramref name="stream"/>; <paramref name="source"/> names it in errors; lines are counted in <paramref name="stats"/>.</summary>
    public TraceLineSource(Stream stream, string source, bool leaveOpen, TraceReadStats stats)
    {
        _stream = stream;
        Source = source;
        _leaveOpen = leaveOpen;
        _stats = stats;
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

    /// <summary>The 1-based number of the last line returned by <see cref="Next"/> (0 before the first).</summary>
    public long Line => _line;

    /// <summary>Opens a trace file for reading (<c>.gz</c> is decompressed), with the checks of <see cref="InputFiles.OpenRead"/>.</summary>
    public static Stream OpenFile(string path)
    {
        Stream s = InputFiles.OpenRead(path, bufferSize: 1); // the line source buffers
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            s = CheckedGzipStream.Open((FileStream)s, path);
        }

        return s;
    }

    /// <summary>The next line without its '\n' (a '\r' before it is kept); false at the end of the text.</summary>
    public bool Next(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            int nl = _buf.AsSpan(_pos, _len - _pos).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                line = _buf.AsSpan(_pos, nl);
                _pos += nl + 1;
                _line++;
                _stats.Lines++;
                return true;
            }

            if (_eof)
            {
                if (_pos < _len)
                {
                    line = _buf.AsSpan(_pos, _len - _pos);
                    _pos = _len;
                    _line++;
                    _stats.Lines++;
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

    /// <summary>An input error on the current line.</summary>
    public ZoneLabInputException Error(string message) => new(Source, (int)Math.Min(_line, int.MaxValue), message);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
