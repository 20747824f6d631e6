using System.Runtime.ExceptionServices;

namespace ZoneLab.Cli;

/// <summary>
/// The PNG plots of one output folder, drawn on every core: each plot is its own ScottPlot <c>Plot</c> and file, so
/// they share nothing but the read-only results. Drawing them one after another took about 15 % of a
/// <c>compare --out</c> and left the other cores idle at the end of a sweep. The files and their order in the
/// returned list do not depend on the number of threads.
/// </summary>
internal sealed class PlotBatch
{
    private readonly List<(string FileName, Func<string, bool> Save)> _plots = [];

    /// <summary>Adds a plot written by <paramref name="save"/> to <c>DIR/FILENAME</c>.</summary>
    public void Add(string fileName, Action<string> save) => _plots.Add((fileName, path =>
    {
        save(path);
        return true;
    }
    ));

    /// <summary>Adds a plot that may decline to draw (no data): <paramref name="save"/> returns false and writes nothing.</summary>
    public void AddOptional(string fileName, Func<string, bool> save) => _plots.Add((fileName, save));

    /// <summary>
    /// Draws every plot into <paramref name="dir"/> (in parallel, at most one per core) and returns the file names
    /// written, in the order they were added. Without the plotting library's native part, none is written and the
    /// guard warns once.
    /// </summary>
    public List<string> Write(string dir, PlotGuard guard)
    {
        bool[] written = new bool[_plots.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        try
        {
            Parallel.For(0, _plots.Count, options, i =>
            {
                (string name, Func<string, bool> save) = _plots[i];
                bool drawn = false;
                if (guard.Try(() => drawn = save(Path.Combine(dir, name))))
                {
                    written[i] = drawn;
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // a failure is reported as it would be without the threads (the first plot's own exception)
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        var files = new List<string>();
        for (int i = 0; i < _plots.Count; i++)
        {
            if (written[i])
            {
                files.Add(_plots[i].FileName);
            }
        }
        return files;
    }
}
