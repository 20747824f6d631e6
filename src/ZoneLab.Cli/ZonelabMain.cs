using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace ZoneLab.Cli;

/// <summary>
/// The <c>zonelab</c> entry point: builds the commands, refuses what the parser would silently misread (an unknown or
/// mistyped option before <c>--</c> becoming a kernel argument), prints bad input as one line with exit code 2 and
/// turns SIGINT/SIGTERM into a clean stop (<see cref="Interruption"/>).
/// </summary>
internal static partial class ZonelabMain
{
    /// <summary>Short aliases of the options most typed, added to every command that has the long form.</summary>
    private static readonly (string Long, string Short)[] s_aliases = [("--out", "-o"), ("--seed", "-s"), ("--design", "-d")];

    /// <summary>Kernel arguments: the trailing argument of layout, proc and hotplug, taken only after <c>--</c>.</summary>
    private const string KernelArgs = "kernel-args";

    public static RootCommand CreateRoot()
    {
        RootCommand root = new("ZoneLab: a faithful model of the Linux physical page allocator (zones, ZONE_MOVABLE, CMA designs).");
        root.Subcommands.Add(LayoutCommand.Create());
        root.Subcommands.Add(ProcCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(WatermarksCommand.Create());
        root.Subcommands.Add(HotplugCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(ExplainCommand.Create());
        root.Subcommands.Add(SnapshotCommand.Create());
        root.Subcommands.Add(Sweep.SweepCommand.Create());
        root.Subcommands.Add(Sizing.SizeCommand.Create());
        root.Subcommands.Add(Schemas.Create());
        root.Subcommands.Add(OracleCommand.Create());
        foreach (Command c in root.Subcommands)
        {
            foreach (Option o in c.Options)
            {
                foreach ((string l, string s) in s_aliases)
                {
                    if ((o.Name == l || o.Aliases.Contains(l)) && !c.Options.Any(x => x.Name == s || x.Aliases.Contains(s)))
                    {
                        o.Aliases.Add(s);
                    }
                }
            }
        }
        return root;
    }

    // the arguments of the commands above a subcommand (not the root's)
    private static List<Argument> ParentArguments(Command command, RootCommand root)
    {
        var result = new List<Argument>();
        foreach (Command c in root.Subcommands)
        {
            if (c.Subcommands.Contains(command))
            {
                result.AddRange(c.Arguments);
            }
        }
        return result;
    }

    internal static string WithoutParentArguments(string help, IReadOnlyList<Argument> inherited)
    {
        var lines = new List<string>();
        foreach (string line in help.Split('\n'))
        {
            string l = line;
            bool describesInherited = false;
            foreach (Argument a in inherited)
            {
                describesInherited |= l.TrimStart().StartsWith($"<{a.Name}>", StringComparison.Ordinal);
                l = l.Replace($" <{a.Name}> ", " ", StringComparison.Ordinal);
            }
            if (!describesInherited)
            {
                lines.Add(l);
            }
        }
        return string.Join('\n', lines);
    }

    public static int Run(string[] args) => Run(args, installSignals: true);

    /// <summary>Runs a command line; tests and the fuzz driver run it in-process without the signal handlers.</summary>
    internal static int Run(string[] args, bool installSignals) => Run(CreateRoot(), args, installSignals);

    /// <summary>Runs a command line against <paramref name="root"/> (tests pass a root with a failing command).</summary>
    internal static int Run(RootCommand root, string[] args, bool installSignals)
    {
        if (installSignals)
        {
            Interruption.Install();
        }
        if (args.Length == 0)
        {
            // like git: the usage on stderr and a usage-error exit code
            root.Parse("--help").Invoke(new InvocationConfiguration { Output = Console.Error });
            return 2;
        }
        ParseResult parsed = root.Parse(args);
        if (Misread(parsed, args) is string misread)
        {
            Console.Error.WriteLine($"zonelab: {misread}");
            return 2;
        }
        if (parsed.Errors.Count > 0)
        {
            foreach (ParseError e in parsed.Errors)
            {
                Console.Error.WriteLine($"zonelab: {Humanize(e.Message)}");
            }
            return 2;
        }
        if (parsed.Action is System.CommandLine.Help.HelpAction && ParentArguments(parsed.CommandResult.Command, root) is { Count: > 0 } inherited)
        {
            // System.CommandLine puts a parent's arguments in a subcommand's usage ("zonelab sweep <GRID> merge"),
            // though the subcommand is given without them: print its help without them
            var help = new StringWriter();
            int rc = parsed.Invoke(new InvocationConfiguration { Output = help });
            Console.Out.Write(WithoutParentArguments(help.ToString(), inherited));
            return rc;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (InputError(ex) is ZoneLabInputException input)
        {
            Console.Error.WriteLine($"zonelab: {input.Message}");
            return 2;
        }
        catch (Exception ex) when (Interruption.Requested && IsCancellation(ex))
        {
            return Interruption.Stop();
        }
        catch (Exception ex)
        {
            return InternalError.Report(ex, Console.Error); // a bug, not bad input: one line and exit 70
        }
    }

    // a bad-input error thrown on a worker (a design run in parallel) arrives wrapped
    private static ZoneLabInputException? InputError(Exception ex) => ex switch
    {
        ZoneLabInputException z => z,
        AggregateException a => a.Flatten().InnerExceptions.OfType<ZoneLabInputException>().FirstOrDefault()
            is ZoneLabInputException first && a.Flatten().InnerExceptions.All(e => e is ZoneLabInputException or OperationCanceledException) ? first : null,
        _ => null,
    };

    private static bool IsCancellation(Exception ex) => ex is OperationCanceledException
        || (ex is AggregateException a && a.Flatten().InnerExceptions.All(e => e is OperationCanceledException or ZoneLabInputException));

    /// <summary>
    /// What System.CommandLine would accept but mean something else: an option-looking or stray token before
    /// <c>--</c> that became a kernel argument, or an unknown option or command (with the closest known name).
    /// </summary>
    internal static string? Misread(ParseResult parsed, string[] args)
    {
        Command cmd = parsed.CommandResult.Command;
        string where = cmd is RootCommand ? string.Empty : cmd.Name + ": ";
        int dd = Array.IndexOf(args, "--");
        int afterDd = dd < 0 ? 0 : args.Length - dd - 1;
        Argument? ka = cmd.Arguments.FirstOrDefault(a => a.Name == KernelArgs);
        if (ka != null && parsed.GetResult(ka) is ArgumentResult ar && ar.Tokens.Count > afterDd)
        {
            string t = ar.Tokens[0].Value;
            return t.StartsWith('-')
                ? $"{where}unknown option '{t}'{Suggest(t, cmd)}; kernel arguments go after -- or in --cmdline"
                : $"{where}unexpected argument '{t}'; kernel arguments go after -- (zonelab {cmd.Name} ... -- {t}) or in --cmdline";
        }
        foreach (string t in parsed.UnmatchedTokens)
        {
            if (cmd is RootCommand)
            {
                return $"unknown command '{t}'{Suggest(t, cmd)}; expected one of {string.Join(", ", cmd.Subcommands.Select(c => c.Name))}";
            }
            return t.StartsWith('-')
                ? $"{where}unknown option '{t}'{Suggest(t, cmd)}"
                : $"{where}unexpected argument '{t}'";
        }
        return null;
    }

    // the nearest option or command name within a small edit distance: "; did you mean '--format'?"
    private static string Suggest(string token, Command cmd)
    {
        string word = token.Split('=')[0];
        IEnumerable<string> names = cmd is RootCommand
            ? cmd.Subcommands.Select(c => c.Name)
            : cmd.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
        string? best = null;
        int bestD = int.MaxValue;
        foreach (string n in names)
        {
            int d = Distance(word, n);
            if (d < bestD)
            {
                (best, bestD) = (n, d);
            }
        }
        return best != null && bestD <= Math.Max(2, word.Length / 3) ? $" (did you mean '{best}'?)" : string.Empty;
    }

    // Levenshtein distance
    internal static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    [GeneratedRegex(@"^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\.?$")]
    private static partial Regex CannotParse();

    /// <summary>The parser's messages in the user's words: "--seed: 'abc' is not an integer".</summary>
    internal static string Humanize(string message)
    {
        Match m = CannotParse().Match(message);
        if (!m.Success)
        {
            return message;
        }
        string type = m.Groups[3].Value;
        string what = type.Contains("Int", StringComparison.Ordinal) ? "an integer"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a valid value";
        return $"{m.Groups[2].Value}: '{m.Groups[1].Value}' is not {what}";
    }
}
