using Spectre.Console;

namespace ZoneLab.Cli;

/// <summary>A Spectre console on stdout: colours on a terminal, plain 120-column text into files and pipes.</summary>
internal static class ConsoleFactory
{
    public static IAnsiConsole Create()
    {
        bool redirected = Console.IsOutputRedirected;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = 120; // a file or pipe has no width; keep table rows on one line
        }
        // COLUMNS (set by shells, and by tests for a fixed width) wins over both
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int columns) && columns is >= 20 and <= 1000)
        {
            console.Profile.Width = columns;
        }
        return console;
    }
}
