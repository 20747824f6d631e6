namespace ZoneLab.Cli.Sweep;

/// <summary>
/// Runs a sweep's points (or one shard's) on up to <c>jobs</c> cores and records each as it finishes: parallel with a
/// bounded degree, every row a function of its point alone, so the results do not depend on the degree or on the
/// order points finish. Points already in the folder are skipped (resume).
/// </summary>
internal static class SweepRunner
{
    /// <summary>How often (finished points) the parts are folded into the results while running.</summary>
    private const int CompactEvery = 64;

    /// <summary>What a run did.</summary>
    /// <param name="Rows">All rows in the folder, sorted by point.</param>
    /// <param name="Owned">Points of the shard (or of the grid).</param>
    /// <param name="Ran">Points run by this process.</param>
    /// <param name="Complete">Whether every owned point has its row.</param>
    public sealed record Outcome(List<SweepRow> Rows, int Owned, int Ran, bool Complete);

    /// <summary>Runs the pending points of <paramref name="store"/>'s shard.</summary>
    public static Outcome Run(SweepPlan plan, SweepStore store, int jobs, bool plain, CancellationToken cancel)
    {
        SweepShard? shard = store.Manifest.Shard;
        HashSet<int> done = [.. store.Compact().Select(r => r.Point)];
        var pending = new List<int>();
        int owned = 0;
        for (int p = 0; p < plan.Count; p++)
        {
            if (shard is null || shard.Owns(p))
            {
                owned++;
                if (!done.Contains(p))
                {
                    pending.Add(p);
                }
            }
        }
        // the longest first (SweepQueue): the points left at the end are short ones; its estimate of the time left is the ETA
        var queue = new SweepQueue(pending, p => plan.Point(p).Design);
        var progress = new SweepProgress(owned, owned - pending.Count, plain, queue.SecondsLeft);
        int ran = 0;
        int sinceCompact = 0;
        Exception? failure = null;
        progress.Run(() =>
        {
            try
            {
                queue.Drain(jobs, p =>
                {
                    SweepRow row = plan.Run(p, f => progress.Report(p, f));
                    store.AddPart(row);
                    Interlocked.Increment(ref ran);
                    progress.Finished(p);
                    if (Interlocked.Increment(ref sinceCompact) % CompactEvery == 0)
                    {
                        store.Compact();
                    }
                }, cancel);
            }
            catch (OperationCanceledException)
            {
                // the points already running finished and were recorded; the rest waits for the next run
            }
            catch (AggregateException ae)
            {
                failure = ae.InnerExceptions.FirstOrDefault(e => e is ZoneLabInputException) ?? ae.InnerExceptions[0];
            }
        });
        List<SweepRow> rows = store.Compact();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
        int have = shard is null ? rows.Count : rows.Count(r => shard.Owns(r.Point));
        return new Outcome(rows, owned, ran, have == owned);
    }
}
