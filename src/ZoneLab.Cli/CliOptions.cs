using System.CommandLine;
using ZoneLab.Allocator;

namespace ZoneLab.Cli;

/// <summary>Typed options shared by the commands: a value from a fixed set, a kernel version.</summary>
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

    /// <summary><c>--kernel</c>: the kernel generation whose behaviour the engine follows (4.10, 6.1 or 6.12); null when absent (6.1).</summary>
    public static Option<KernelVersion?> Kernel(string description) => new("--kernel")
    {
        Description = description + " [default: 6.1]",
        HelpName = "4.10|6.1|6.12",
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "6.1";
            try
            {
                return KernelVersions.Parse(text);
            }
            catch (FormatException)
            {
                r.AddError($"--kernel: '{text}' is not a kernel version; expected e.g. 4.10, 6.1 or 6.12");
                return KernelVersion.V6_1;
            }
        },
    };
}
