namespace ZoneLab.Tests.Oracle;

/// <summary>Finds files of the repository from the test output directory (the live oracle scripts).</summary>
internal static class RepoFiles
{
    /// <summary>The first <paramref name="relativePath"/> found walking up from the test binaries, or null.</summary>
    public static string? Find(string relativePath)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string s = Path.Combine(d.FullName, relativePath);
            if (File.Exists(s))
            {
                return s;
            }
        }
        return null;
    }
}
