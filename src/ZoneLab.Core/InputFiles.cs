using System.Text;

namespace ZoneLab;

/// <summary>
/// Reads the text and binary files users name (boot logs, zoneinfo, scenarios, .config, device trees) with bounds:
/// a missing file, a directory, a symlink loop or an unreadable file is a one-line <see cref="ZoneLabInputException"/>,
/// and a file that never ends (<c>/dev/zero</c>, a pipe) or has absurdly long lines stops at a limit instead of
/// filling memory.
/// </summary>
public static class InputFiles
{
    /// <summary>Longest text line accepted: 64 KiB (a boot log's longest line, the command line, is at most 4 KiB).</summary>
    public const int MaxLineChars = 64 << 10;

    /// <summary>Largest text file accepted: 256 MiB (a week of a big server's dmesg is a few MiB).</summary>
    public const long MaxTextBytes = 256L << 20;

    /// <summary>Opens a file for reading, or throws a located error naming what is wrong with the path.</summary>
    public static FileStream OpenRead(string path, int bufferSize = 1 << 16)
    {
        if (path.Length == 0)
        {
            throw new ZoneLabInputException("(empty path)", "expected a file name, got an empty string");
        }
        try
        {
            if (Directory.Exists(path))
            {
                throw new ZoneLabInputException(path, "is a directory; expected a file");
            }
            if (!File.Exists(path))
            {
                // File.Exists is false for a dangling or looping symlink too: say which
                var info = new FileInfo(path);
                if (info.LinkTarget != null)
                {
                    throw new ZoneLabInputException(path, $"is a symbolic link to '{info.LinkTarget}', which cannot be resolved (missing or a loop)");
                }
                throw new ZoneLabInputException(path, "file not found");
            }
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ZoneLabInputException(path, $"cannot read: {e.Message}");
        }
    }

    private static readonly Lock s_stdinLock = new();
    private static List<string>? s_stdin;

    /// <summary>The path that names standard input (<c>dmesg | zonelab explain -</c>).</summary>
    public const string StandardInput = "-";

    /// <summary>
    /// Reads a text file's lines (UTF-8), refusing a line longer than <see cref="MaxLineChars"/> or a file larger than
    /// <paramref name="maxBytes"/>; <see cref="StandardInput"/> reads standard input with the same limits.
    /// </summary>
    public static List<string> ReadLines(string path, long maxBytes = MaxTextBytes)
    {
        if (path == StandardInput)
        {
            // read once and kept: a second read of the same input (a reader that parses a file twice, as layout does
            // with a boot log for the layout and again for the watermarks) must not find an empty stream
            lock (s_stdinLock)
            {
                if (s_stdin == null)
                {
                    using Stream stdin = Console.OpenStandardInput();
                    s_stdin = ReadLines(stdin, "stdin", maxBytes);
                }
                return [.. s_stdin];
            }
        }
        using FileStream fs = OpenRead(path);
        return ReadLines(fs, path, maxBytes);
    }

    /// <summary>Reads a text file (or standard input, <c>-</c>) whole (UTF-8), with the limits of <see cref="ReadLines(string, long)"/>; lines end with '\n'.</summary>
    public static string ReadAllText(string path, long maxBytes = MaxTextBytes)
    {
        List<string> lines = ReadLines(path, maxBytes);
        var sb = new StringBuilder();
        foreach (string l in lines)
        {
            sb.Append(l).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Reads lines from a stream; <paramref name="source"/> names it in errors.</summary>
    public static List<string> ReadLines(Stream stream, string source, long maxBytes = MaxTextBytes)
    {
        var lines = new List<string>();
        try
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
            var line = new StringBuilder();
            char[] buf = new char[1 << 16];
            long total = 0;
            bool pending = false;
            int n;
            while ((n = reader.Read(buf, 0, buf.Length)) > 0)
            {
                total += n;
                if (total > maxBytes)
                {
                    throw new ZoneLabInputException(source, lines.Count + 1, $"file is larger than {maxBytes >> 20} MiB; expected a text file of that kind (is it a device or a binary?)");
                }
                int start = 0;
                for (int i = 0; i < n; i++)
                {
                    if (buf[i] == '\n')
                    {
                        line.Append(buf, start, i - start);
                        lines.Add(TrimCr(line));
                        line.Clear();
                        start = i + 1;
                        pending = false;
                    }
                }
                line.Append(buf, start, n - start);
                pending = line.Length > 0;
                if (line.Length > MaxLineChars)
                {
                    throw new ZoneLabInputException(source, lines.Count + 1, $"line longer than {MaxLineChars / 1024} KiB; expected a text file (is it a device or a binary?)");
                }
            }
            if (pending)
            {
                lines.Add(TrimCr(line));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException(source, $"cannot read: {e.Message}");
        }
        return lines;
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> bytes of a binary file; <paramref name="tooLarge"/> says why the limit exists.</summary>
    public static byte[] ReadBytes(string path, int maxBytes, string tooLarge)
    {
        using FileStream fs = OpenRead(path);
        try
        {
            var ms = new MemoryStream();
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = fs.Read(buf, 0, buf.Length)) > 0)
            {
                if (ms.Length + n > maxBytes)
                {
                    throw new ZoneLabInputException(path, $"larger than {maxBytes} bytes: {tooLarge}");
                }
                ms.Write(buf, 0, n);
            }
            return ms.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException(path, $"cannot read: {e.Message}");
        }
    }

    private static string TrimCr(StringBuilder line)
    {
        int len = line.Length;
        if (len > 0 && line[len - 1] == '\r')
        {
            len--;
        }
        return line.ToString(0, len);
    }
}
