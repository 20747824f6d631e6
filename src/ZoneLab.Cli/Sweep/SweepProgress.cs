using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// Progress of a sweep on stderr: a bar with the remaining time when stdout and stderr are terminals, else plain
/// <c>zonelab: 37/240 points (15%), ETA 1m05s</c> lines at every 5 % and at most every 10 s apart otherwise.
/// </summary>
internal sealed class SweepProgress
{
    private readonly int _total;
    private readonly int _doneBefore;
    private readonly ConcurrentDictionary<int, double> _running = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _plain;
    private readonly object _gate = new();
    private readonly Func<double?>? _secondsLeft;
    private int _done;
    private int _lastStep = -1;
    private double _lastLine;

    /// <param name="total">Points of this run (the shard's, or the grid's).</param>
    /// <param name="doneBefore">Of those, finished by an earlier run (resume).</param>
    /// <param name="plain">Plain lines instead of a bar.</param>
    /// <param name="secondsLeft">The time left as the runner estimates it (SweepQueue.SecondsLeft), or null for the
    /// elapsed time per finished point.</param>
    public SweepProgress(int total, int doneBefore, bool plain, Func<double?>? secondsLeft = null)
    {
        _secondsLeft = secondsLeft;
        _total = total;
        _doneBefore = doneBefore;
        _done = doneBefore;
        _plain = plain;
    }

    /// <summary>Whether the progress should be plain lines: stdout or stderr is not a terminal.</summary>
    public static bool PlainOutput => Console.IsErrorRedirected || Console.IsOutputRedirected;

    /// <summary>A point's simulation reached fraction <paramref name="f"/>.</summary>
    public void Report(int point, double f) => _running[point] = f;

    /// <summary>A point finished.</summary>
    public void Finished(int point)
    {
        _running.TryRemove(point, out _);
        int done = Interlocked.Increment(ref _done);
        if (!_plain)
        {
            return;
        }
        lock (_gate)
        {
            int step = done * 20 / Math.Max(1, _total);
            double now = _clock.Elapsed.TotalSeconds;
            if (step > _lastStep || now - _lastLine >= 10 || done == _total)
            {
                _lastStep = step;
                _lastLine = now;
                Console.Error.WriteLine($"zonelab: {done}/{_total} points ({done * 100 / Math.Max(1, _total)}%), {Eta(done)}");
            }
        }
    }

    private string Eta(int done)
    {
        int ran = done - _doneBefore;
        if (ran <= 0)
        {
            return "ETA unknown";
        }
        double left = _secondsLeft?.Invoke() ?? _clock.Elapsed.TotalSeconds / ran * (_total - done);
        return "ETA " + Duration(left);
    }

    /// <summary>"1m05s", "42s", "2h03m".</summary>
    public static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, Math.Round(seconds)));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:D2}s" : $"{t.Seconds}s";
    }

    /// <summary>Runs <paramref name="work"/> under the display (the bar when not plain).</summary>
    public void Run(Action work)
    {
        if (_plain)
        {
            work();
            return;
        }
        IAnsiConsole err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        err.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                _secondsLeft is null ? new RemainingTimeColumn() : new EtaColumn(this), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask($"{_doneBefore}/{_total} points", maxValue: _total);
                task.Value = _doneBefore;
                Task t = Task.Run(work);
                while (!t.Wait(100))
                {
                    int done = Volatile.Read(ref _done);
                    task.Description = $"{done}/{_total} points";
                    task.Value = done + _running.Values.Sum();
                }
                t.GetAwaiter().GetResult();
                task.Value = _total;
            });
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"zonelab: {Volatile.Read(ref _done)}/{_total} points in {Duration(_clock.Elapsed.TotalSeconds)}"));
    }

    // the bar's remaining time from the runner's estimate (Spectre's RemainingTimeColumn extrapolates the points' rate)
    private sealed class EtaColumn(SweepProgress p) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(p.Eta(Volatile.Read(ref p._done)), new Style(Color.Blue));
    }
}
