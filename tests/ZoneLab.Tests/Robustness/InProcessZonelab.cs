using System.Diagnostics;
using System.Text;

namespace ZoneLab.Tests.Robustness;

/// <summary>The outcome of one in-process <c>zonelab</c> run.</summary>
/// <param name="Exit">Exit code, or null when the run did not end within the time limit.</param>
/// <param name="Out">Standard output.</param>
/// <param name="Err">Standard error.</param>
/// <param name="Crash">An exception that escaped the entry point (a bug: never bad input), or null.</param>
/// <param name="PeakManagedBytes">The largest managed heap seen while it ran.</param>
internal sealed record InProcessResult(int? Exit, string Out, string Err, Exception? Crash, long PeakManagedBytes);

/// <summary>
/// Runs the <c>zonelab</c> entry point inside this process (no process start per case: the regression corpus and the
/// fuzz driver run thousands), with stdout/stderr captured, a time limit and a managed-memory watch. Console
/// redirection is process-wide, so runs are serialized.
/// </summary>
internal static class InProcessZonelab
{
    private static readonly object s_console = new();

    public static InProcessResult Run(string[] args, TimeSpan timeout, long memoryLimitBytes = 2L << 30)
    {
        lock (s_console)
        {
            TextWriter oldOut = Console.Out, oldErr = Console.Error;
            var o = new BoundedWriter(1 << 20);
            var e = new BoundedWriter(1 << 20);
            Console.SetOut(o);
            Console.SetError(e);
            try
            {
                Exception? crash = null;
                int exit = -1;
                var thread = new Thread(() =>
                {
                    try
                    {
                        exit = ZoneLab.Cli.ZonelabMain.Run(args, installSignals: false);
                    }
                    catch (Exception ex)
                    {
                        crash = ex;
                    }
                }, 16 << 20)
                { IsBackground = true };
                var sw = Stopwatch.StartNew();
                long peak = 0;
                thread.Start();
                while (!thread.Join(20))
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(false));
                    if (sw.Elapsed > timeout || peak > memoryLimitBytes)
                    {
                        // the thread cannot be stopped: the caller reports the case and the driver restarts
                        return new InProcessResult(null, o.ToString(), e.ToString() + (peak > memoryLimitBytes ? $"\n[runaway: {peak >> 20} MiB managed]" : "\n[timeout]"), null, peak);
                    }
                }
                return new InProcessResult(crash == null ? exit : null, o.ToString(), e.ToString(), crash, peak);
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    // keeps the first MaxChars characters: a run that prints without end does not fill memory
    private sealed class BoundedWriter(int maxChars) : TextWriter
    {
        private readonly StringBuilder _sb = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_sb)
            {
                if (_sb.Length < maxChars)
                {
                    _sb.Append(value);
                }
            }
        }

        public override void Write(string? value)
        {
            lock (_sb)
            {
                if (value != null && _sb.Length < maxChars)
                {
                    _sb.Append(value.AsSpan(0, Math.Min(value.Length, maxChars - _sb.Length)));
                }
            }
        }

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

        public override string ToString()
        {
            lock (_sb)
            {
                return _sb.ToString();
            }
        }
    }
}
