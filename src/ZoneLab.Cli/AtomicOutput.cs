namespace ZoneLab.Cli;

/// <summary>
/// Output that appears whole or not at all: a report folder or a file is written under a temporary name beside its
/// destination and renamed into place (<see cref="Interruption.Commit"/>), so an interrupted or failed run leaves
/// the earlier output untouched and never a truncated file or a mix of two runs.
/// </summary>
internal static class AtomicOutput
{
    /// <summary>The file a report folder always has: marks a folder that may be replaced by a new report.</summary>
    public const string ReportMarker = "run.json";

    /// <summary>
    /// Checks before a run that <paramref name="dir"/> can take a report (so a long simulation does not end in an
    /// error): a usable path, not a file, empty or an earlier report, and its parent folder can be created.
    /// </summary>
    public static void CheckFolder(string dir, string option = "--out")
    {
        string full = CheckReplaceable(dir, option);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException($"{option} {dir}", $"cannot create its parent folder: {e.Message}");
        }
    }

    /// <summary>Checks before a run that a file can be written at <paramref name="path"/>: its folder exists and it is not a folder.</summary>
    public static void CheckFile(string path, string option)
    {
        string full = Destination(path, option);
        if (Directory.Exists(full))
        {
            throw new ZoneLabInputException($"{option} {path}", "is a folder; expected a file name");
        }
        if (!Directory.Exists(Path.GetDirectoryName(full)))
        {
            throw new ZoneLabInputException($"{option} {path}", $"the folder {Path.GetDirectoryName(full)} does not exist");
        }
    }

    /// <summary>Writes a folder through <paramref name="write"/> (given the temporary folder) and renames it to <paramref name="dir"/>.</summary>
    public static T Folder<T>(string dir, Func<string, T> write, string option = "--out")
    {
        string full = CheckReplaceable(dir, option);
        string parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, $".{Path.GetFileName(full)}.zonelab-{Environment.ProcessId}.tmp");
        string old = Path.Combine(parent, $".{Path.GetFileName(full)}.zonelab-{Environment.ProcessId}.old");
        Interruption.Track(tmp);
        try
        {
            if (Directory.Exists(tmp))
            {
                Directory.Delete(tmp, recursive: true);
            }
            Directory.CreateDirectory(tmp);
            T result = write(tmp);
            Interruption.Commit(() =>
            {
                if (Directory.Exists(full))
                {
                    // the previous report goes away whole: no stale file of it survives next to the new one
                    Directory.Move(full, old);
                    Directory.Move(tmp, full);
                    Directory.Delete(old, recursive: true);
                }
                else
                {
                    Directory.Move(tmp, full);
                }
            });
            return result;
        }
        finally
        {
            if (Directory.Exists(tmp))
            {
                Directory.Delete(tmp, recursive: true);
            }
            Interruption.Untrack(tmp);
        }
    }

    /// <summary>Writes one file through <paramref name="write"/> (given the temporary path) and renames it to <paramref name="path"/>.</summary>
    public static void File(string path, Action<string> write, string option)
    {
        string full = Destination(path, option);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.zonelab-{Environment.ProcessId}.tmp{Path.GetExtension(full)}");
        Interruption.Track(tmp);
        try
        {
            write(tmp);
            Interruption.Commit(() => System.IO.File.Move(tmp, full, overwrite: true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException($"{option} {path}", $"cannot write: {e.Message}");
        }
        finally
        {
            if (System.IO.File.Exists(tmp))
            {
                System.IO.File.Delete(tmp);
            }
            Interruption.Untrack(tmp);
        }
    }

    private static string CheckReplaceable(string dir, string option)
    {
        string full = Destination(dir, option);
        if (System.IO.File.Exists(full))
        {
            throw new ZoneLabInputException($"{option} {dir}", "is a file; expected a folder for the report");
        }
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !System.IO.File.Exists(Path.Combine(full, ReportMarker)))
        {
            throw new ZoneLabInputException($"{option} {dir}", $"exists and is not a ZoneLab report folder (no {ReportMarker}); give a new folder, an empty one or an earlier report's folder, which is replaced whole");
        }
        return full;
    }

    private static string Destination(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ZoneLabInputException(option, "expected a path, got an empty string");
        }
        try
        {
            string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
            if (Path.GetDirectoryName(full) == null || Path.GetFileName(full).Length == 0)
            {
                throw new ZoneLabInputException($"{option} {path}", "is a file system root; expected a folder or file inside one");
            }
            return full;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ZoneLabInputException($"{option} {path}", $"not a usable path: {e.Message}");
        }
    }
}
