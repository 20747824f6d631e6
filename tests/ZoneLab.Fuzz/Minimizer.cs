using ZoneLab.Tests.Robustness;

namespace ZoneLab.Fuzz;

/// <summary>
/// <c>zonelab-fuzz --minimize CASE_DIR KEY_PREFIX</c>: shrinks a failing case's text input (the largest file of the case
/// folder, binary inputs by halves) while the run still fails the same way (its failure text starts with the same
/// key), ddmin-style: drop chunks of lines, halving the chunk size down to single lines.
/// </summary>
internal static class Minimizer
{
    public static void Run(string caseDir, Func<InProcessResult, string?> classify)
    {
        string[] argv = File.ReadAllLines(Path.Combine(caseDir, "args.txt")).Select(a => a.Replace("{dir}", caseDir)).ToArray();
        string key = Classify(argv, classify) ?? throw new InvalidOperationException("the case does not fail here");
        string? input = Directory.GetFiles(caseDir).Where(f => !Path.GetFileName(f).EndsWith(".txt", StringComparison.Ordinal) || Path.GetFileName(f) is "dmesg.txt" or "zoneinfo.txt" or "trace.txt")
            .Where(f => Path.GetFileName(f) is not ("args.txt" or "failure.txt")).OrderByDescending(f => new FileInfo(f).Length).FirstOrDefault();
        if (input == null)
        {
            return;
        }
        bool binary = input.EndsWith(".dtb", StringComparison.Ordinal) || input.EndsWith(".gz", StringComparison.Ordinal);
        if (binary)
        {
            return; // blobs keep their structure; they are small already
        }
        var lines = File.ReadAllLines(input).ToList();
        for (int chunk = Math.Max(1, lines.Count / 2); chunk >= 1; chunk /= 2)
        {
            for (int start = 0; start < lines.Count;)
            {
                var trial = lines.Take(start).Concat(lines.Skip(start + chunk)).ToList();
                File.WriteAllLines(input, trial);
                if (Classify(argv, classify) == key)
                {
                    lines = trial;
                }
                else
                {
                    start += chunk;
                }
            }
        }
        File.WriteAllLines(input, lines);
        Console.WriteLine($"{caseDir}: {lines.Count} lines, {key}");
    }

    private static string? Classify(string[] argv, Func<InProcessResult, string?> classify) =>
        classify(InProcessZonelab.Run(argv, TimeSpan.FromSeconds(30)));
}
