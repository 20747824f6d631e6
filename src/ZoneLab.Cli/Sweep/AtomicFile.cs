namespace ZoneLab.Cli.Sweep;

/// <summary>
/// Writes a file so that readers see the old content or the new, never a part: the bytes go to a temporary file in
/// the same folder, are flushed to the disk (so a power loss after the rename cannot leave an empty file), and the
/// temporary file is renamed over the target (rename(2) is atomic within a file system).
/// </summary>
internal static class AtomicFile
{
    /// <summary>The suffix of temporary files; readers skip them, and a later write removes stale ones.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string tmp = $"{path}.{Environment.ProcessId}{TempSuffix}";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>Writes text as UTF-8 without a byte-order mark.</summary>
    public static void WriteText(string path, string text) => Write(path, s =>
    {
        using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true);
        w.Write(text);
    });
}
