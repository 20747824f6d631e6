using System.Globalization;

namespace ZoneLab.Oracle;

/// <summary>
/// One recorded run of a workload (the folder <c>zonelab oracle run</c> writes): the guest's boot log, command line,
/// run information, the step results and a <see cref="ProcSnapshot"/> before the steps (0) and after each step.
/// </summary>
public sealed class OracleRecording
{
    private OracleRecording(string dir) => Directory = dir;

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>run-info.txt as key → value.</summary>
    public Dictionary<string, string> Info { get; } = new(StringComparer.Ordinal);

    /// <summary>The architecture (x86_64, arm64; <see cref="Read"/> refuses a recording without one of them).</summary>
    public string Arch => Info["arch"];

    /// <summary>Snapshots: index 0 before the first step, i after step i.</summary>
    public List<ProcSnapshot> Snapshots { get; } = [];

    /// <summary>Per step: rc (errno, 0 = ok), elapsed ns and extra key=value results (readback, block, pages).</summary>
    public List<(int Rc, long Ns, Dictionary<string, string> Extra)> Steps { get; } = [];

    /// <summary>A file of the folder.</summary>
    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Reads a recording folder; anything missing or malformed is bad input naming the file.</summary>
    public static OracleRecording Read(string dir)
    {
        var r = new OracleRecording(dir);
        string Need(string name)
        {
            string p = Path.Combine(dir, name);
            return File.Exists(p) ? InputFiles.ReadAllText(p) : throw new ZoneLabInputException(p, "missing: not a complete oracle recording (zonelab oracle run writes it)");
        }
        int ln = 0;
        foreach (string line in Need("run-info.txt").Split('\n'))
        {
            ln++;
            if (line.Length == 0)
            {
                continue;
            }
            // zlguest's host side writes every line as "key: value" (the value may be empty); a line without the
            // separator is a cut or edited file, and silently dropping it would run the engine with a default
            int c = line.IndexOf(": ", StringComparison.Ordinal);
            if (c <= 0 || !r.Info.TryAdd(line[..c], line[(c + 2)..]))
            {
                throw new ZoneLabInputException(Path.Combine(dir, "run-info.txt"), ln, c <= 0 ? "expected 'key: value'" : $"expected each key once, not '{line[..c]}' again");
            }
        }
        if (r.Info.GetValueOrDefault("arch") is not ("x86_64" or "arm64"))
        {
            throw new ZoneLabInputException(Path.Combine(dir, "run-info.txt"), $"expected 'arch: x86_64' or 'arch: arm64', not {(r.Info.TryGetValue("arch", out string? a) ? $"'{a}'" : "none")}");
        }
        ln = 0;
        foreach (string line in Need("steps.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            ln++;
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var extra = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string kv in t.Skip(2))
            {
                int eq = kv.IndexOf('=');
                if (eq <= 0)
                {
                    throw new ZoneLabInputException(Path.Combine(dir, "steps.txt"), ln, $"expected key=value, not '{kv}'");
                }
                extra[kv[..eq]] = kv[(eq + 1)..];
            }
            if (t.Length < 4 || t[0] != ln.ToString(CultureInfo.InvariantCulture)
                || !int.TryParse(extra.GetValueOrDefault("rc"), CultureInfo.InvariantCulture, out int rc)
                || !long.TryParse(extra.GetValueOrDefault("ns"), CultureInfo.InvariantCulture, out long ns) || ns < 0 || rc < 0)
            {
                throw new ZoneLabInputException(Path.Combine(dir, "steps.txt"), ln, $"expected '{ln} KIND ns=N rc=N ...' (N whole, not negative)");
            }
            r.Steps.Add((rc, ns, extra));
        }
        string[]? names0 = null;
        for (int i = 0; i <= r.Steps.Count; i++)
        {
            string trace = Path.Combine(dir, $"step{i}.trace.txt");
            string vmstat = Need($"step{i}.vmstat.txt");
            r.Snapshots.Add(ProcSnapshot.Parse(Need($"step{i}.buddyinfo.txt"), Need($"step{i}.pagetypeinfo.txt"), vmstat,
                File.Exists(trace) ? InputFiles.ReadAllText(trace) : null, Path.Combine(dir, $"step{i}")));
            string[] names = CounterNames(vmstat);
            names0 ??= names;
            SameCounters(names0, names, Path.Combine(dir, $"step{i}.vmstat.txt"));
        }
        return r;
    }

    private static string[] CounterNames(string vmstat) =>
        [.. vmstat.Split('\n').Select(l => l.Split(' ', 2)[0]).Where(n => n.Length > 0)];

    // /proc/vmstat prints the same counters in the same order on every read of one boot (vmstat_text is fixed at
    // build time), so a step that lacks one of step 0's was cut or edited: without this its counters would read as 0
    private static void SameCounters(string[] step0, string[] names, string file)
    {
        int k = 0;
        while (k < step0.Length && k < names.Length && step0[k] == names[k])
        {
            k++;
        }
        if (k < step0.Length || k < names.Length)
        {
            throw new ZoneLabInputException(file, k + 1, k < step0.Length
                ? $"expected '{step0[k]}', the counter step 0's vmstat has here{(k < names.Length ? $", not '{names[k]}'" : " (the file ends)")}"
                : $"expected the end of the file, as in step 0's vmstat, not '{names[k]}'");
        }
    }
}
