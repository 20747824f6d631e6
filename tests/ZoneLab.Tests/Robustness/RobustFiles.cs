namespace ZoneLab.Tests.Robustness;

/// <summary>Inputs derived from the real fixtures by one edit each, written to a per-process temp folder.</summary>
internal static class RobustFiles
{
    public static string Dir { get; } = CreateDir();

    public static string X86Dmesg => FixturePath.Get("x86_64-6.1", "x01-pc-2g-plain", "dmesg.txt");

    public static string X86Zoneinfo => FixturePath.Get("x86_64-6.1", "x01-pc-2g-plain", "zoneinfo.txt");

    public static string NumaDmesg => FixturePath.Get("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", "dmesg.txt");

    /// <summary>Writes <paramref name="lines"/> as a file and returns its path.</summary>
    public static string Write(string name, IEnumerable<string> lines)
    {
        string p = Path.Combine(Dir, name);
        File.WriteAllText(p, string.Join('\n', lines) + "\n");
        return p;
    }

    /// <summary>The fixture's lines with the first line containing <paramref name="find"/> replaced; also returns that line's 1-based number.</summary>
    public static (string Path, int Line) Edit(string fixture, string name, string find, Func<string, string> edit)
    {
        string[] lines = File.ReadAllLines(fixture);
        int i = Array.FindIndex(lines, l => l.Contains(find, StringComparison.Ordinal));
        Assert.True(i >= 0, $"'{find}' not in {fixture}");
        lines[i] = edit(lines[i]);
        return (Write(name, lines), i + 1);
    }

    public static InProcessResult Run(params string[] args) => InProcessZonelab.Run(args, TimeSpan.FromSeconds(120));

    /// <summary>Exit 2 and one <c>zonelab: </c> line, no stack trace; returns the line.</summary>
    public static string AssertInputError(InProcessResult r)
    {
        Assert.Null(r.Crash);
        Assert.True(r.Exit == 2, $"exit {r.Exit}; stderr: {r.Err}");
        string[] lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !IsInformational(l)).ToArray();
        Assert.Single(lines);
        Assert.StartsWith("zonelab: ", lines[0]);
        Assert.DoesNotContain("   at ", r.Err);
        return lines[0];
    }

    /// <summary>Lines that are not the error: warnings, progress, what bench runs, where a command line came from.</summary>
    public static bool IsInformational(string line) =>
        line.StartsWith("zonelab: warning:", StringComparison.Ordinal) || line.EndsWith('%') || line.StartsWith("zonelab: bench:", StringComparison.Ordinal)
        || line.StartsWith("zonelab: kernel command line from ", StringComparison.Ordinal);

    private static string CreateDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "zonelab-robust-" + Environment.ProcessId);
        Directory.CreateDirectory(d);
        return d;
    }
}
