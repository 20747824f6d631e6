using System.Buffers.Binary;
using System.IO.Compression;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// A gzip file opened for reading with its damage reported as bad input: a file named <c>.gz</c> without the gzip
/// magic, corrupt deflate data, and a truncated file (.NET's decoder simply ends early; the trailer's ISIZE, the
/// uncompressed length mod 2^32 (RFC 1952), then disagrees with what was read).
/// </summary>
public sealed class CheckedGzipStream : Stream
{
    private readonly FileStream _file;
    private readonly GZipStream _gzip;
    private readonly string _source;
    private readonly uint? _trailerSize;
    private long _read;
    private bool _checked;

    private CheckedGzipStream(FileStream file, string source, uint? trailerSize)
    {
        _file = file;
        _source = source;
        _trailerSize = trailerSize;
        _gzip = new GZipStream(new PrefixedStream(file, [0x1f, 0x8b]), CompressionMode.Decompress);
    }

    /// <summary>Opens <paramref name="file"/> (positioned at 0) as gzip, or throws a located error.</summary>
    public static CheckedGzipStream Open(FileStream file, string source)
    {
        Span<byte> head = stackalloc byte[2];
        int got = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        if (got < 2 || head[0] != 0x1f || head[1] != 0x8b)
        {
            file.Dispose();
            throw new ZoneLabInputException(source, "named .gz but not gzip data (no 1f 8b magic at the start)");
        }
        if (!file.CanSeek)
        {
            return new CheckedGzipStream(file, source, null); // a pipe: the trailer cannot be read ahead
        }
        long length = file.Length;
        if (length < 18)
        {
            file.Dispose();
            throw new ZoneLabInputException(source, $"truncated gzip file: {length} bytes, shorter than a gzip header and trailer (18)");
        }
        Span<byte> trailer = stackalloc byte[4];
        file.Position = length - 4;
        file.ReadExactly(trailer);
        file.Position = 2;
        return new CheckedGzipStream(file, source, BinaryPrimitives.ReadUInt32LittleEndian(trailer));
    }

    // the two magic bytes already read from a pipe, then the file
    private sealed class PrefixedStream(Stream inner, byte[] prefix) : Stream
    {
        private int _at;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_at < prefix.Length && buffer.Length > 0)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _at);
                prefix.AsSpan(_at, n).CopyTo(buffer);
                _at += n;
                return n;
            }
            return inner.Read(buffer);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = _gzip.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new ZoneLabInputException(_source, $"corrupt gzip data near compressed byte {_file.Position}: {e.Message}");
        }
        _read += n;
        if (n == 0 && buffer.Length > 0 && !_checked)
        {
            _checked = true;
            if (_trailerSize is uint size && (uint)_read != size)
            {
                throw new ZoneLabInputException(_source, $"truncated or corrupt gzip file: {_read} bytes decompressed, the trailer says {_trailerSize} (mod 2^32)");
            }
        }
        return n;
    }

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override void Flush() { }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
            _file.Dispose();
        }
        base.Dispose(disposing);
    }
}
