namespace ZoneLab.Cli;

/// <summary>
/// What the entry point does with an exception that is not bad input (<see cref="ZoneLabInputException"/>) and not an
/// interruption: a bug in ZoneLab. The user gets one line naming the exception and how to report it, and the distinct
/// exit code <see cref="ExitCode"/> (sysexits.h EX_SOFTWARE, "internal software error"), so scripts can tell a bug
/// from bad input (2) or a signal (130/143). The stack trace is printed only when <c>ZONELAB_DEBUG=1</c>.
/// </summary>
internal static class InternalError
{
    /// <summary>EX_SOFTWARE from sysexits.h.</summary>
    public const int ExitCode = 70;

    /// <summary>The environment variable that adds the stack trace.</summary>
    public const string DebugVariable = "ZONELAB_DEBUG";

    /// <summary>Prints the report to <paramref name="error"/> and returns <see cref="ExitCode"/>.</summary>
    public static int Report(Exception exception, TextWriter error)
    {
        Exception e = Innermost(exception);
        error.WriteLine(Line(e));
        if (Environment.GetEnvironmentVariable(DebugVariable) == "1")
        {
            error.WriteLine(exception.ToString());
        }
        return ExitCode;
    }

    /// <summary>The one line: <c>zonelab: internal error: TYPE: MESSAGE (please report; ZONELAB_DEBUG=1 for the stack trace)</c>.</summary>
    public static string Line(Exception e)
    {
        // a message may span lines (an exception that quotes input); the report stays one line
        string message = string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        const int maxMessage = 400;
        if (message.Length > maxMessage)
        {
            message = message[..maxMessage] + "...";
        }
        return $"zonelab: internal error: {e.GetType().FullName}: {message} (please report it; {DebugVariable}=1 prints the stack trace)";
    }

    // a parallel design run wraps its failure: name the first real one, not "One or more errors occurred"
    private static Exception Innermost(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException a when a.Flatten().InnerExceptions.Count > 0:
                    e = a.Flatten().InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? a.Flatten().InnerExceptions[0];
                    continue;
                case System.Reflection.TargetInvocationException { InnerException: Exception inner }:
                    e = inner;
                    continue;
                case TypeInitializationException { InnerException: Exception inner2 }:
                    e = inner2;
                    continue;
                default:
                    return e;
            }
        }
    }
}
