namespace ZoneLab.Cli;

/// <summary>
/// PNG plots need SkiaSharp's native library; where it cannot be loaded (a single-file binary copied without it, an
/// unsupported platform) the plots are skipped with one warning and the rest of the output is still written.
/// Safe to share between the threads of a <see cref="PlotBatch"/>: the warning is printed once.
/// </summary>
internal sealed class PlotGuard
{
    private int _broken;

    /// <summary>Runs a plot; false when plotting is unavailable (warned once).</summary>
    public bool Try(Action plot)
    {
        if (Volatile.Read(ref _broken) != 0)
        {
            return false;
        }
        try
        {
            plot();
            return true;
        }
        catch (Exception e) when (IsMissingNative(e))
        {
            if (Interlocked.Exchange(ref _broken, 1) == 0)
            {
                Console.Error.WriteLine($"zonelab: warning: PNG plots skipped: the plotting library's native part could not be loaded ({Innermost(e).Message})");
            }
            return false;
        }
    }

    /// <summary>A native library or one of its entry points that could not be loaded, however wrapped.</summary>
    public static bool IsMissingNative(Exception e) => Innermost(e) is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException;

    private static Exception Innermost(Exception e)
    {
        while (e is TypeInitializationException { InnerException: Exception inner })
        {
            e = inner;
        }
        return e;
    }
}
