using System.Globalization;
using System.Text;

namespace ZoneLab.Oracle;

/// <summary>
/// The drift gate of the recorded suite (oracle/known-gaps.txt, docs/fidelity.md): every counter of every recorded
/// workload must be within the published target (<see cref="FidelityTable.Within"/>) or be a listed gap, and a listed
/// gap may not grow: its error may exceed the listed one by at most 25 % of it plus 0.05.
/// Lines: <c>WORKLOAD ARCH COUNTER ERROR</c> (the counter name's blanks as <c>_</c>); <c>#</c> starts a comment.
/// </summary>
public sealed class KnownGaps
{
    private readonly Dictionary<string, double> _gaps = new(StringComparer.Ordinal);

    /// <summary>Reads a known-gaps file.</summary>
    public static KnownGaps Parse(string text, string source)
    {
        var g = new KnownGaps();
        int ln = 0;
        foreach (string raw in text.Split('\n'))
        {
            ln++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length != 4 || !double.TryParse(t[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double e))
            {
                throw new ZoneLabInputException(source, ln, "expected 'WORKLOAD ARCH COUNTER ERROR'");
            }
            g._gaps[Key(t[0], t[1], t[2])] = e;
        }
        return g;
    }

    private static string Key(string w, string arch, string counter) => $"{w} {arch} {counter.Replace(' ', '_')}";

    /// <summary>The counters of <paramref name="w"/> that break the gate, one line each (empty: all fine).</summary>
    public List<string> Violations(FidelityWorkload w)
    {
        var bad = new List<string>();
        foreach (FidelityRow c in w.Counters)
        {
            if (c.Ok)
            {
                continue;
            }
            if (!_gaps.TryGetValue(Key(w.Name, w.Arch, c.Name), out double listed))
            {
                bad.Add($"{w.Name} {w.Arch} {c.Name}: kernel {c.KernelMin}..{c.KernelMax}, engine {c.Model} (error {c.Error:+0.0%;-0.0%}) is outside the target and not a known gap");
            }
            else if (Math.Abs(c.Error) > (Math.Abs(listed) * 1.25) + 0.05)
            {
                bad.Add($"{w.Name} {w.Arch} {c.Name}: error {c.Error:+0.0%;-0.0%} grew beyond the known gap's {listed:+0.0%;-0.0%}");
            }
        }
        return bad;
    }

    /// <summary>
    /// The known-gaps text for the counters of <paramref name="report"/> outside the target; <paramref name="options"/>
    /// (such as " --start-state") and <paramref name="file"/> name the command that wrote it in the header.
    /// </summary>
    public static string Write(FidelityReport report, string options = "", string file = "oracle/known-gaps.txt")
    {
        var sb = new StringBuilder("# Counters outside the fidelity target (docs/fidelity.md), with the error they had when listed.\n");
        sb.Append(CultureInfo.InvariantCulture, $"# Written by `zonelab oracle compare --all{options} --write-gaps {file}`; the tests fail when one grows.\n");
        foreach (FidelityWorkload w in report.Workloads)
        {
            foreach (FidelityRow c in w.Counters.Where(c => !c.Ok))
            {
                sb.Append(CultureInfo.InvariantCulture, $"{w.Name} {w.Arch} {c.Name.Replace(' ', '_')} {c.Error.ToString("0.####", CultureInfo.InvariantCulture)}\n");
            }
        }
        return sb.ToString();
    }
}
