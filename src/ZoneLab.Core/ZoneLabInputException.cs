namespace ZoneLab;

/// <summary>
/// Bad input (a boot log, a command line, a size, a zoneinfo file): carries where it was found
/// (file and line, or the option) and what was expected, so the CLI can print one line and exit 2.
/// </summary>
public sealed class ZoneLabInputException : Exception
{
    public ZoneLabInputException(string source, int line, string message)
        : base(line > 0 ? $"{source}:{line}: {message}" : $"{source}: {message}")
    {
        Source = source;
        Line = line;
        Detail = message;
    }

    public ZoneLabInputException(string source, string message) : this(source, 0, message) { }

    private ZoneLabInputException(string source, long byteOffset, string message, bool _)
        : base($"{source}: at byte offset {byteOffset} (0x{byteOffset:x}): {message}")
    {
        Source = source;
        Detail = message;
        ByteOffset = byteOffset;
    }

    /// <summary>Bad input in a binary file (a device tree blob): names the file, the byte offset and what was wrong.</summary>
    public static ZoneLabInputException AtByteOffset(string source, long byteOffset, string message) => new(source, byteOffset, message, false);

    /// <summary>An error at a line and column (1-based), printed <c>source:line:column: message</c>.</summary>
    public ZoneLabInputException(string source, int line, int column, string message)
        : base($"{source}:{line}:{column}: {message}")
    {
        Source = source;
        Line = line;
        Column = column;
        Detail = message;
    }

    /// <summary>The file name, option or parameter the error is about.</summary>
    public new string Source { get; }

    /// <summary>1-based line number in <see cref="Source"/>, or 0 when not line-oriented.</summary>
    public int Line { get; }

    /// <summary>Byte offset in a binary <see cref="Source"/>, or null when the input is text.</summary>
    public long? ByteOffset { get; }
    /// <summary>1-based column in <see cref="Source"/>, or 0 when not known.</summary>
    public int Column { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Detail { get; }
}
