namespace ZoneLab.Workloads.Trace;

/// <summary>
/// A read-only stream of the same in-memory trace text <see cref="Copies"/> times over, without materialising the
/// copies: the replay benchmark reads ten million events out of a recorded trace of tens of thousands.
/// </summary>
public sealed class RepeatedTraceStream : Stream
{
    private readonly byte[] _text;
    private long _position;

    /// <summary>Repeats <paramref name="text"/> (which must end in a newline) <paramref name="copies"/> times.</summary>
    public RepeatedTraceStream(byte[] text, int copies)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(copies);
        if (text.Length == 0 || text[^1] != (byte)'\n')
        {
            throw new ArgumentException("the text must end in a newline, or two copies would merge a line", nameof(text));
        }

        _text = text;
        Copies = copies;
    }

    /// <summary>
    /// The text repeated; an <see cref="FtraceReader"/> over a stream not yet read parses it in place, copy after
    /// copy, rather than through <see cref="Read(Span{byte})"/> (the stream's position then stays 0).
    /// </summary>
    internal byte[] Text => _text;

    /// <summary>How many times the text is repeated.</summary>
    public int Copies { get; }

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => (long)_text.Length * Copies;

    /// <inheritdoc/>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length && _position < Length)
        {
            int at = (int)(_position % _text.Length);
            int n = Math.Min(buffer.Length - done, _text.Length - at);
            _text.AsSpan(at, n).CopyTo(buffer[done..]);
            done += n;
            _position += n;
        }

        return done;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
