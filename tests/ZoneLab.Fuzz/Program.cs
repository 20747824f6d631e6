using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ZoneLab.Fuzz;
using ZoneLab.Tests.Robustness;

// zonelab-fuzz REPO_ROOT OUT_DIR FIRST COUNT [SEED]: runs cases FIRST..FIRST+COUNT-1 (each case's inputs depend only on
// SEED and its index, so a restarted campaign resumes exactly); records every escaped exception, non-one-line error,
// hang and runaway under OUT_DIR/failures/KEY/ and appends one line per case to OUT_DIR/log.tsv. Exits 3 after a hang
// or a runaway (the stuck thread cannot be stopped), with the next index in OUT_DIR/next.
if (args[0] == "--minimize")
{
    Minimizer.Run(args[1], Classify);
    return 0;
}
string root = args[0], outDir = args[1];
int first = int.Parse(args[2]), count = int.Parse(args[3]);
int seed = args.Length > 4 ? int.Parse(args[4]) : 1;
Directory.CreateDirectory(Path.Combine(outDir, "failures"));
string fx = Path.Combine(root, "tests/ZoneLab.Tests/Fixtures");
var seeds = Seeds.Load(root, fx);
using var log = new StreamWriter(Path.Combine(outDir, "log.tsv"), append: true);
for (int i = first; i < first + count; i++)
{
    var rng = new Random(HashCode.Combine(seed, i));
    var m = new Mutator(rng);
    string caseDir = Path.Combine(outDir, "work", $"case-{i}");
    if (Directory.Exists(caseDir))
    {
        Directory.Delete(caseDir, true);
    }
    Directory.CreateDirectory(caseDir);
    (string kind, List<string> argv) = Cases.Make(m, seeds, caseDir);
    TimeSpan limit = TimeSpan.FromSeconds(kind is "scenario" or "cmdline-run" ? 90 : 30);
    InProcessResult r = InProcessZonelab.Run([.. argv], limit);
    string? failure = Classify(r);
    log.WriteLine($"{i}\t{kind}\t{(r.Exit?.ToString() ?? "-")}\t{failure ?? "ok"}\t{string.Join(' ', argv).Replace(caseDir, "{dir}")}");
    log.Flush();
    if (failure != null)
    {
        string key = Key(failure);
        string dest = Path.Combine(outDir, "failures", key, $"case-{i}");
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        Directory.Move(caseDir, dest);
        File.WriteAllLines(Path.Combine(dest, "args.txt"), argv.Select(a => a.Replace(caseDir, "{dir}")));
        File.WriteAllText(Path.Combine(dest, "failure.txt"), failure + "\n--- stderr ---\n" + r.Err + "\n--- crash ---\n" + r.Crash);
    }
    else
    {
        Directory.Delete(caseDir, true);
    }
    if (r.Exit == null && r.Crash == null)
    {
        File.WriteAllText(Path.Combine(outDir, "next"), (i + 1).ToString());
        log.Flush();
        Environment.Exit(3);
    }
}
File.WriteAllText(Path.Combine(outDir, "next"), (first + count).ToString());
return 0;

// null when the run behaved: exit 0/1, or exit 2 with one "zonelab: " line and no stack trace
static string? Classify(InProcessResult r)
{
    if (r.Crash != null)
    {
        Exception e = r.Crash is AggregateException a ? a.Flatten().InnerExceptions[0] : r.Crash;
        string frame = (e.StackTrace ?? string.Empty).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at ZoneLab", StringComparison.Ordinal)) ?? "?";
        int paren = frame.IndexOf('(');
        return $"crash {e.GetType().Name} {(paren > 0 ? frame[..paren] : frame)}";
    }
    if (r.Exit == null)
    {
        return r.Err.Contains("[runaway", StringComparison.Ordinal) ? "runaway" : "hang";
    }
    if (r.Exit == 2)
    {
        string[] lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("zonelab: warning:", StringComparison.Ordinal) && !IsProgress(l) && !l.StartsWith("zonelab: kernel command line from", StringComparison.Ordinal)).ToArray();
        if (lines.Length != 1 || !lines[0].StartsWith("zonelab: ", StringComparison.Ordinal) || r.Err.Contains("   at ", StringComparison.Ordinal))
        {
            return "bad-error-message";
        }
        return null;
    }
    if (r.Exit == 70)
    {
        // ZonelabMain's one-line internal error: "zonelab: internal error: TYPE: MESSAGE ..."
        string line = r.Err.Split('\n').FirstOrDefault(l => l.StartsWith("zonelab: internal error: ", StringComparison.Ordinal)) ?? string.Empty;
        return $"internal-error {line.Split(':').ElementAtOrDefault(2)?.Trim()}";
    }
    return r.Exit is 0 or 1 ? null : $"exit {r.Exit}";
}

// DesignRunner's "zonelab: NAME 25%" and "zonelab: NAME done (0.9 s)", SweepProgress's "zonelab: 37/240 points ...":
// matched by shape, not by a "% " anywhere, which also dropped error lines quoting a value such as '0% 0'
static bool IsProgress(string line) => System.Text.RegularExpressions.Regex.IsMatch(line, @"^zonelab: (\S+ \d+%|\S+ done \(.*\)|\d+/\d+ points.*)$");

static string Key(string failure)
{
    var sb = new StringBuilder();
    foreach (char c in failure)
    {
        sb.Append(char.IsLetterOrDigit(c) || c is '.' or '-' ? c : '_');
    }
    return sb.ToString()[..Math.Min(sb.Length, 120)];
}

/// <summary>The real inputs the campaign mutates.</summary>
internal sealed record Seeds(List<(string Dmesg, string? Zoneinfo)> X86, List<byte[]> Dtbs, List<string> Scenarios, List<(string Text, bool Arm64)> Traces)
{
    public static Seeds Load(string root, string fx)
    {
        var x86 = new List<(string, string?)>();
        foreach (string d in Directory.GetDirectories(Path.Combine(fx, "x86_64-6.1")).Concat(Directory.GetDirectories(Path.Combine(fx, "wmark"))).Order())
        {
            string dm = Path.Combine(d, "dmesg.txt");
            string zi = Path.Combine(d, "zoneinfo.txt");
            if (File.Exists(dm) && File.ReadAllText(dm).Contains("BIOS-e820", StringComparison.Ordinal))
            {
                x86.Add((File.ReadAllText(dm), File.Exists(zi) ? File.ReadAllText(zi) : null));
            }
        }
        var dtbs = Directory.GetFiles(fx, "*.dtb", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).Where(b => b.Length < 400_000).ToList();
        // the built-in scenarios, every phase shortened to a few seconds so that a valid mutant runs quickly
        var scenarios = Directory.GetFiles(Path.Combine(root, "scenarios"), "*.yaml").Append(Path.Combine(fx, "scenarios/full-example.yaml")).Order()
            .Select(p => System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(p), @"duration: *\S+", "duration: 4s")).ToList();
        var traces = new List<(string, bool)>();
        foreach (string t in Directory.GetFiles(Path.Combine(fx, "trace"), "trace.txt*", SearchOption.AllDirectories).Order())
        {
            using Stream s = t.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(File.OpenRead(t), CompressionMode.Decompress) : File.OpenRead(t);
            using var rd = new StreamReader(s);
            var sb = new StringBuilder();
            for (int k = 0; k < 1500 && rd.ReadLine() is string line; k++)
            {
                sb.Append(line).Append('\n');
            }
            traces.Add((sb.ToString(), t.Contains("arm64", StringComparison.Ordinal)));
        }
        return new Seeds(x86, dtbs, scenarios, traces);
    }
}

/// <summary>One case: a mutated input and a command line that reads it, or a mutated command line.</summary>
internal static class Cases
{
    private static readonly string[] s_layoutFormats = ["text", "json", "dmesg", "zoneinfo", "memory-blocks"];
    private static readonly string[] s_kernelArgs =
    [
        "movablecore=", "kernelcore=", "mem=", "memmap=", "cma=", "hugetlb_cma=", "cma_pernuma=", "numa=off", "movable_node",
        "memmap=exactmap", "kernelcore=mirror", "memhp_default_state=online_movable", "page_alloc.shuffle=1",
    ];

    public static (string Kind, List<string> Args) Make(Mutator m, Seeds s, string dir)
    {
        switch (m.Next(12))
        {
            case 0:
            case 1:
            {
                var (dmesg, _) = m.Pick(s.X86);
                string p = Write(dir, "dmesg.txt", m.Text(dmesg));
                return ("dmesg", m.Chance(4) ? ["proc", "--dmesg", p] : ["layout", "--dmesg", p, "--format", m.Pick(s_layoutFormats)]);
            }
            case 2:
            case 3:
            {
                var (dmesg, zi) = m.Pick(s.X86.Where(x => x.Zoneinfo != null).ToList());
                string d = Write(dir, "dmesg.txt", dmesg);
                string z = Write(dir, "zoneinfo.txt", m.Text(zi!));
                return ("zoneinfo", m.Next(3) switch
                {
                    0 => ["watermarks", "--zoneinfo", z, "--dmesg", d],
                    1 => ["layout", "--dmesg", d, "--zoneinfo", z, "--format", "zoneinfo"],
                    _ => ["layout", "--dmesg", d, "--zoneinfo", z],
                });
            }
            case 4:
            case 5:
            {
                string p = Path.Combine(dir, "board.dtb");
                File.WriteAllBytes(p, m.Binary(m.Pick(s.Dtbs)));
                var a = new List<string> { "layout", "--dtb", p, "--format", m.Pick(["text", "dmesg", "json", "zoneinfo"]) };
                if (m.Chance(2))
                {
                    a.AddRange(["--mem", m.Pick(["2G", "512M", "4G"])]);
                }
                return ("dtb", a);
            }
            case 6:
            case 7:
            {
                string p = Write(dir, "scenario.yaml", m.Text(m.Pick(s.Scenarios), yaml: true));
                return ("scenario", ["run", p, "--design", m.Pick(["migrate-cma", "zone-cma", "dmb", "gcma", "carveout", "cma-in-movable"]), "--format", "json"]);
            }
            case 8:
            case 9:
            {
                var (text, arm) = m.Pick(s.Traces);
                string mutated = m.Text(text);
                string p;
                if (m.Chance(3))
                {
                    p = Path.Combine(dir, "trace.txt.gz");
                    using (var ms = new MemoryStream())
                    {
                        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
                        {
                            gz.Write(Encoding.UTF8.GetBytes(mutated));
                        }
                        byte[] b = ms.ToArray();
                        File.WriteAllBytes(p, m.Chance(2) ? m.Binary(b) : b);
                    }
                }
                else
                {
                    p = Write(dir, "trace.txt", mutated);
                }
                return ("trace", arm ? ["replay", p, "--arch", "arm64", "--mem", "2G", "--cmdline", "hugetlb_cma=1G cma=256M"] : ["replay", p, "--mem", "256M"]);
            }
            default:
                return CommandLine(m, s, dir);
        }
    }

    private static (string, List<string>) CommandLine(Mutator m, Seeds s, string dir)
    {
        string Size() => m.Pick(["2G", "4G", "1G", "512M", "8G", "64G", m.Quantity(), m.Number(), "3G", "16M"]);
        string KernelArg()
        {
            string k = m.Pick(s_kernelArgs);
            return k.EndsWith('=') ? k + m.Pick([Size(), $"{Size()}@{m.Number()}", $"{Size()}@{Size()}", $"{m.Next(120)}%", m.Number(), $"{Size()}${Size()}", $"{Size()}!{Size()}", "0:1G,1:1G"]) : k;
        }
        var a = new List<string>();
        string cmd = m.Pick(["layout", "layout", "proc", "hotplug", "layout-arm64", "cmdline-run"]);
        switch (cmd)
        {
            case "layout":
            case "proc":
                a.AddRange([cmd, "--mem", Size()]);
                if (m.Chance(3))
                {
                    a.AddRange(["--numa", string.Join(',', Enumerable.Range(0, 1 + m.Next(5)).Select(_ => Size()))]);
                }
                if (m.Chance(3))
                {
                    a.AddRange(["--machine", m.Pick(["pc", "q35", "virt", "x"])]);
                }
                break;
            case "layout-arm64":
                a.AddRange(["layout", "--arch", "arm64", "--mem", Size()]);
                if (m.Chance(3))
                {
                    a.AddRange(["--numa", string.Join(',', Enumerable.Range(0, 1 + m.Next(4)).Select(_ => Size()))]);
                }
                break;
            case "hotplug":
                a.AddRange(["hotplug", "--mem", Size(), "--quiet"]);
                for (int k = m.Next(3); k > 0; k--)
                {
                    a.AddRange(["--dimm", m.Chance(2) ? Size() : $"{Size()}@{m.Number()}"]);
                }
                for (int k = m.Next(3); k > 0; k--)
                {
                    a.AddRange([m.Pick(["--offline", "--online-movable", "--online-kernel"]), m.Pick([m.Number(), m.Next(64).ToString()])]);
                }
                break;
            default:
            {
                string p = Write(dir, "short.yaml", m.Pick(s.Scenarios));
                a.AddRange(["run", p, "--design", m.Pick(["migrate-cma", "dmb", "nope", ""]), "--tick", m.Pick(["0.1", "0", "-1", "1e-9", "NaN", "1e9", "0.5"]), "--seed", m.Pick(["1", "abc", "-1", "99999999999999999999"])]);
                return ("cmdline-run", a);
            }
        }
        if (m.Chance(2))
        {
            a.Add("--");
            for (int k = 1 + m.Next(3); k > 0; k--)
            {
                a.Add(KernelArg());
            }
        }
        return ("cmdline", a);
    }

    private static string Write(string dir, string name, string text)
    {
        string p = Path.Combine(dir, name);
        File.WriteAllText(p, text);
        return p;
    }
}
