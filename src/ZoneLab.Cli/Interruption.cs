using System.Runtime.InteropServices;

namespace ZoneLab.Cli;

/// <summary>
/// SIGINT and SIGTERM: the run stops at once, the temporary output it was writing (registered with
/// <see cref="Track"/>) is removed, one line says so, and the exit code is 128 + the signal (130, 143), as shells
/// report a process killed by it. Renaming finished output into place (<see cref="Commit"/>) and the clean-up hold
/// the same lock, so a signal never leaves half of a report or a mix of two runs.
/// </summary>
internal static class Interruption
{
    private static readonly object s_lock = new();
    private static readonly List<string> s_temporary = [];
    private static readonly List<PosixSignalRegistration> s_registrations = [];
    private static int s_signal;
    private static Action<int>? s_cooperative;

    /// <summary>True once a signal arrived.</summary>
    public static bool Requested => Volatile.Read(ref s_signal) != 0;

    /// <summary>Registers the handlers (once per process).</summary>
    public static void Install()
    {
        lock (s_lock)
        {
            if (s_registrations.Count > 0)
            {
                return;
            }
            foreach (PosixSignal sig in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            {
                try
                {
                    s_registrations.Add(PosixSignalRegistration.Create(sig, Handle));
                }
                catch (PlatformNotSupportedException)
                {
                    // no such signal here: the runtime's default applies
                }
            }
        }
    }

    /// <summary>
    /// Hands SIGINT/SIGTERM to a command that stops on its own (a sweep finishes the points it is running and saves
    /// them): while the returned scope lives, a signal calls <paramref name="onSignal"/> with its number instead of
    /// ending the process; the command returns 128 + that number itself.
    /// </summary>
    public static IDisposable Cooperate(Action<int> onSignal)
    {
        Install();
        lock (s_lock)
        {
            s_cooperative = onSignal;
        }
        return new CooperationScope();
    }

    private sealed class CooperationScope : IDisposable
    {
        public void Dispose()
        {
            lock (s_lock)
            {
                s_cooperative = null;
            }
        }
    }

    /// <summary>Registers a temporary file or folder to remove if the run is interrupted.</summary>
    public static void Track(string path)
    {
        lock (s_lock)
        {
            s_temporary.Add(path);
        }
    }

    /// <summary>Forgets a temporary path (it was renamed into place or removed).</summary>
    public static void Untrack(string path)
    {
        lock (s_lock)
        {
            s_temporary.Remove(path);
        }
    }

    /// <summary>Runs the step that puts finished output in place, never concurrently with the clean-up of a signal.</summary>
    public static void Commit(Action publish)
    {
        lock (s_lock)
        {
            if (Requested)
            {
                throw new OperationCanceledException("interrupted");
            }
            publish();
        }
    }

    /// <summary>Removes the temporary output, says so on stderr and returns the exit code (130 SIGINT, 143 SIGTERM).</summary>
    public static int Stop()
    {
        lock (s_lock)
        {
            int sig = Volatile.Read(ref s_signal);
            foreach (string p in s_temporary)
            {
                try
                {
                    if (Directory.Exists(p))
                    {
                        Directory.Delete(p, recursive: true);
                    }
                    else
                    {
                        File.Delete(p);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"zonelab: could not remove the temporary {p}: {e.Message}");
                }
            }
            s_temporary.Clear();
            Console.Error.WriteLine($"zonelab: interrupted by {(sig == 2 ? "SIGINT" : "SIGTERM")}: stopped; no partial output was left (earlier reports are untouched)");
            return 128 + sig;
        }
    }

    private static void Handle(PosixSignalContext ctx)
    {
        ctx.Cancel = true; // this handler ends the process itself, after the clean-up
        int sig = ctx.Signal == PosixSignal.SIGINT ? 2 : 15;
        Action<int>? cooperative;
        lock (s_lock)
        {
            cooperative = s_cooperative;
        }
        if (cooperative != null)
        {
            cooperative(sig);
            return;
        }
        if (Interlocked.CompareExchange(ref s_signal, sig, 0) != 0)
        {
            return;
        }
        Environment.Exit(Stop());
    }
}
