using System.Text;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

/// <summary>The trace reader's line source: line ends, line numbers, and the bound on a line's length.</summary>
public class TraceLineSourceTests
{
    private static List<string> Lines(TraceLineSource src)
    {
        var lines = new List<string>();
        while (src.Next(out ReadOnlySpan<byte> line))
        {
            lines.Add(Encoding.ASCII.GetString(line));
        }

        return lines;
    }

    [Fact]
    public void SplitsOnNewlinesOnlyAndKeepsALastLineWithoutOne()
    {
        var stats = new TraceReadStats();
        using var src = new TraceLineSource(new MemoryStream("a\r\n\nb"u8.ToArray()), "t", leaveOpen: false, stats);
        // Three lines: "a\r" (the parsers drop the '\r'), an empty one, and "b" without its newline.
        Assert.Equal(["a\r", string.Empty, "b"], Lines(src));
        Assert.Equal(3, src.Line);
        Assert.Equal(3, stats.Lines);
    }

    [Fact]
    public void RepeatedTextIsReadCopyAfterCopy()
    {
        using var src = new TraceLineSource(new RepeatedTraceStream("x\ny\n"u8.ToArray(), 3), "t", leaveOpen: false, new TraceReadStats());
        Assert.Equal(["x", "y", "x", "y", "x", "y"], Lines(src));
    }

    [Fact]
    public void ALineLongerThanTheBoundIsAnErrorAtItsLine()
    {
        // Line 2 has 16 MiB + 1 bytes and no newline: the buffer grows to the bound and no further.
        byte[] text = new byte[2 + TraceLineSource.MaxLineBytes + 1];
        text.AsSpan().Fill((byte)'x');
        text[1] = (byte)'\n';
        using var src = new TraceLineSource(new NonSeekable(text), "big.txt", leaveOpen: false, new TraceReadStats());
        Assert.True(src.Next(out _));
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => src.Next(out _));
        Assert.Equal($"big.txt:2: a line longer than {TraceLineSource.MaxLineBytes} bytes: not ftrace text", e.Message);
    }

    /// <summary>A stream that cannot tell its length, like a pipe or a gzip stream (the buffer starts small).</summary>
    private sealed class NonSeekable(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
    }
}
