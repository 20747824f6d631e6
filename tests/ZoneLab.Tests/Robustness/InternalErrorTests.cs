using System.CommandLine;
using ZoneLab.Cli;

namespace ZoneLab.Tests.Robustness;

/// <summary>
/// Issue 15: an exception that is not bad input (a ZoneLab bug) ends in one line and exit 70 (sysexits.h EX_SOFTWARE),
/// not a .NET stack trace; <c>ZONELAB_DEBUG=1</c> adds the trace. The commands here throw on purpose through the real
/// entry point (<see cref="ZonelabMain"/>), the path every command takes.
/// </summary>
[Collection(InProcessCollection.Name)]
public class InternalErrorTests
{
    private static RootCommand Failing(Func<int> action)
    {
        var root = new RootCommand("test");
        var boom = new Command("boom");
        boom.SetAction(_ => action());
        root.Subcommands.Add(boom);
        return root;
    }

    private static (int Exit, string Err) RunCaptured(RootCommand root, string? debug = null)
    {
        TextWriter oldErr = Console.Error;
        string? oldDebug = Environment.GetEnvironmentVariable("ZONELAB_DEBUG");
        var err = new StringWriter();
        Console.SetError(err);
        Environment.SetEnvironmentVariable("ZONELAB_DEBUG", debug);
        try
        {
            int exit = ZonelabMain.Run(root, ["boom"], installSignals: false);
            return (exit, err.ToString());
        }
        finally
        {
            Console.SetError(oldErr);
            Environment.SetEnvironmentVariable("ZONELAB_DEBUG", oldDebug);
        }
    }

    [Fact]
    public void AnInternalErrorIsOneLineAndExit70()
    {
        (int exit, string err) = RunCaptured(Failing(() => throw new InvalidOperationException("Sequence contains no elements")));
        Assert.Equal(70, exit);
        Assert.Equal(
            "zonelab: internal error: System.InvalidOperationException: Sequence contains no elements (please report it; ZONELAB_DEBUG=1 prints the stack trace)\n",
            err.Replace("\r\n", "\n"));
    }

    [Fact]
    public void ADebugRunAddsTheStackTrace()
    {
        (int exit, string err) = RunCaptured(Failing(() => throw new ArgumentOutOfRangeException("maxNrZones")), debug: "1");
        Assert.Equal(70, exit);
        string[] lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("zonelab: internal error: System.ArgumentOutOfRangeException: ", lines[0]);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)); // the frames follow
    }

    [Fact]
    public void AParallelRunsFailureNamesTheInnerExceptionOnOneLine()
    {
        // Parallel.For over designs wraps the failure; the message of the inner one spans two lines
        (int exit, string err) = RunCaptured(Failing(() => throw new AggregateException(
            new OperationCanceledException(), new OverflowException("Arithmetic operation\nresulted in an overflow."))));
        Assert.Equal(70, exit);
        Assert.Equal(
            "zonelab: internal error: System.OverflowException: Arithmetic operation resulted in an overflow. (please report it; ZONELAB_DEBUG=1 prints the stack trace)",
            err.TrimEnd('\n', '\r'));
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void BadInputStaysExit2()
    {
        (int exit, string err) = RunCaptured(Failing(() => throw new ZoneLabInputException("x.yaml", 3, "expected a size")));
        Assert.Equal(2, exit);
        Assert.Equal("zonelab: x.yaml:3: expected a size", err.TrimEnd('\n', '\r'));
    }
}
