using System.CommandLine;
using ZoneLab.Allocator;
using ZoneLab.Designs;

namespace ZoneLab.Cli;

/// <summary>Typed options shared by the commands: a value from a fixed set, a kernel version, a design, an architecture, an input file.</summary>
internal static class CliOptions
{
    /// <summary>
    /// An option whose value is one of <paramref name="values"/>, given by name; any other name is a parse error
    /// <c>NAME: 'x' is not ...</c> (the CLI prints it as one line and exits 2). The help lists the names. Absent, the
    /// value is <c>default(T)</c>, so <paramref name="defaultValue"/> must be the enum's first member (checked here).
    /// </summary>
    public static Option<T> Choice<T>(string name, string description, IReadOnlyList<T> values, Func<T, string> nameOf, T defaultValue, Func<string, string> error)
        where T : struct, Enum
    {
        if (!EqualityComparer<T>.Default.Equals(defaultValue, default))
        {
            throw new ArgumentException($"{name}: the default {defaultValue} must be the first member of {typeof(T).Name}", nameof(defaultValue));
        }
        string[] names = values.Select(nameOf).ToArray();
        var o = new Option<T>(name)
        {
            Description = $"{description} [default: {nameOf(defaultValue)}]",
            HelpName = string.Join("|", names),
            CustomParser = r =>
            {
                string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : nameOf(defaultValue);
                foreach (T v in values)
                {
                    if (nameOf(v) == text)
                    {
                        return v;
                    }
                }
                r.AddError($"{name}: {error(text)}");
                return defaultValue;
            },
        };
        o.CompletionSources.Add(names);
        return o;
    }

    // the modelled generations by name ("4.10", "6.1", "6.12"): a new KernelVersion member shows up in help and errors
    private static readonly string[] s_kernels = Enum.GetValues<KernelVersion>().Select(KernelVersions.Name).ToArray();

    /// <summary><c>--kernel</c>: the kernel generation whose behaviour the engine follows (4.10, 6.1, 6.6 or 6.12); null when absent (6.1).</summary>
    public static Option<KernelVersion?> Kernel(string description) => new("--kernel")
    {
        Description = description + " [default: 6.1]",
        HelpName = string.Join("|", s_kernels),
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "6.1";
            try
            {
                return KernelVersions.Parse(text);
            }
            catch (FormatException)
            {
                r.AddError($"--kernel: '{text}' is not a kernel version; expected e.g. {string.Join(", ", s_kernels[..^1])} or {s_kernels[^1]}");
                return KernelVersion.V6_1;
            }
        },
    };

    /// <summary>
    /// <c>--design</c>: a design by name (case-insensitive, <see cref="DesignNames.Parse"/>'s one-line error otherwise);
    /// migrate-cma when absent. With <paramref name="mainlineAlias"/>, "mainline" names migrate-cma too.
    /// </summary>
    public static Option<DesignKind> Design(string description, bool mainlineAlias = false) => new("--design")
    {
        Description = description + " [default: migrate-cma]",
        HelpName = string.Join("|", DesignNames.All.Select(DesignNames.Name)),
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "migrate-cma";
            if (mainlineAlias && text == "mainline")
            {
                return DesignKind.MigrateCma;
            }
            try
            {
                return DesignNames.Parse(text);
            }
            catch (ZoneLabInputException e)
            {
                r.AddError(e.Message);
                return DesignKind.MigrateCma;
            }
        },
    };

    /// <summary><c>--arch</c>: x86_64 or arm64 (aarch64 accepted); null when absent (the command decides).</summary>
    public static Option<Arch?> ArchOption(string description) => new("--arch")
    {
        Description = description,
        HelpName = "x86_64|arm64",
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "x86_64";
            if (Arches.Parse(text) is Arch a)
            {
                return a;
            }
            r.AddError($"--arch: '{text}' is not an architecture; expected x86_64 or arm64");
            return null;
        },
    };

    /// <summary>
    /// An input file option that must name an existing file (what System.CommandLine's <c>AcceptExistingOnly</c> checks),
    /// with the one-line error every reader gives: <c>PATH: file not found</c>. The value keeps the path as typed
    /// (<see cref="FileSystemInfo.ToString"/>), so later messages name the file as the user did.
    /// </summary>
    public static Option<FileInfo?> ExistingFile(string name, string description)
    {
        var o = new Option<FileInfo?>(name) { Description = description, HelpName = "FILE" };
        o.Validators.Add(r =>
        {
            // only a missing path is refused here: a directory, a device or a link loop exists, and the reader that
            // opens it says what is wrong in its own words
            if (r.GetValueOrDefault<FileInfo?>() is FileInfo f && !Path.Exists(f.ToString()) && f.LinkTarget is null)
            {
                r.AddError($"{f}: file not found");
            }
        });
        return o;
    }
}
