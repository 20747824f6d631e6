using System.CommandLine;
using ZoneLab.Allocator;
using ZoneLab.Explain;
using ZoneLab.Procfs;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab explain FILE [--format text|json] [--kernel X.Y] [--arch A]</c>: finds every page allocation failure
/// report in a dmesg or a paste of one, and replays the allocator's decision on the dumped numbers
/// (<see cref="FailureReplay"/>): per zone whether the watermark check passes and by how much it fails, the class of
/// the failure, and what would have changed it.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A dmesg, syslog or mail/bug-tracker paste with 'page allocation failure' reports; - reads standard input (dmesg | zonelab explain -)." };
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var kernel = new Option<string?>("--kernel") { Description = "Apply the rules of this kernel (e.g. 5.10) instead of the release in the report." };
        var arch = new Option<string?>("--arch") { Description = "x86_64, arm64, arm, mips or ppc (32-bit powerpc) (default: from the stack dump)." };
        arch.AcceptOnlyFromAmong("x86_64", "arm64", "arm", "mips", "ppc");
        var from = FromOption.Create();
        var design = new Option<string?>("--design") { Description = "With --from: rerun the failing request on this design (default: all)." };
        var designs = new Option<string?>("--designs") { Description = "With --from: comma-separated designs to rerun the failing request on." };
        var cmd = new Command("explain", "Explain page allocation failure reports: the watermark check per zone, the cause, and what would have changed it.");
        cmd.Arguments.Add(file);
        foreach (Option o in new Option[] { format, kernel, arch, from, design, designs })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(file)!;
            int? forced = pr.GetValue(kernel) is string k ? ParseVersion(k) : null;
            IReadOnlyList<AllocFailureReport> reports = AllocFailureReader.ReadFile(path);
            string name = path == InputFiles.StandardInput ? "stdin" : Path.GetFileName(path);
            var verdicts = reports.Select(r => FailureReplay.Explain(r, name, forced, pr.GetValue(arch))).ToList();
            bool json = pr.GetValue(format) == "json";
            string output = json ? FailureVerdictWriter.ToJson(verdicts, name) : FailureVerdictWriter.ToText(verdicts, name);
            if (pr.GetValue(from) is string dir)
            {
                output = ExplainWhatIf.Append(output, json, dir, reports, pr.GetValue(design), pr.GetValue(designs));
            }
            else if (pr.GetValue(design) != null || pr.GetValue(designs) != null)
            {
                throw new ZoneLabInputException("--design", "reruns the failing request from a device's state and needs --from DIR");
            }

            Console.Out.Write(output);
            return 0;
        });
        return cmd;
    }

    private static int ParseVersion(string text)
    {
        string[] parts = text.Trim().TrimStart('v', 'V').Split('.', '-');
        if (parts.Length < 2 || !int.TryParse(parts[0], out int major) || !int.TryParse(parts[1], out int minor) || major is < 2 or > 99 || minor is < 0 or > 99)
        {
            throw new ZoneLabInputException("--kernel", $"'{text}' is not a kernel version such as 5.10");
        }
        return major * 100 + minor;
    }
}
