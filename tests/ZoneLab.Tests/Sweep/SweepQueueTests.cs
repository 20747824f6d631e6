using System.Collections.Concurrent;
using ZoneLab.Cli.Sweep;

namespace ZoneLab.Tests.Sweep;

/// <summary>The order a sweep's workers take points in (<see cref="SweepQueue"/>): each design probed once, then the longest first.</summary>
public class SweepQueueTests
{
    // Two workers, points 0-5 of a design taking 1 s and points 6-8 (the end of the grid) of one taking 6 s, simulated
    // with a clock. Derived by hand: at t=0 worker 1 takes 0 (the earliest design not yet probed), worker 2 takes 6 (the
    // other unprobed design); at t=1 worker 1 finishes 0 (fast: 1 s) and takes 7 (slow has a point running and none
    // finished: its estimate is still to come, counted the longest); at t=6 worker 2 finishes 6 (slow: 6 s) and takes 8;
    // at t=7 worker 1 finishes 7 and takes 1, then 2-5 one second apart (t=8..11), finishing at 12; worker 2 finishes 8
    // at 12. Makespan 12 = 24 s of work / 2. In grid order the slow points start at t=3 on both workers and the last one
    // runs alone from 9 to 15.
    [Fact]
    public void TheSlowDesignIsProbedThenRunFirstSoTheTailIsShort()
    {
        string Design(int p) => p < 6 ? "fast" : "slow";
        (List<int> order, double makespan) = new SweepQueue(Enumerable.Range(0, 9), Design).Simulate(p => p < 6 ? 1 : 6, 2);
        Assert.Equal([0, 6, 7, 8, 1, 2, 3, 4, 5], order);
        Assert.Equal(12, makespan);
    }

    [Fact]
    public void ADesignSeenOnceIsNotProbedAgainAndPointsOfADesignKeepGridOrder()
    {
        // one worker, designs a (2 s) b (5 s) c (1 s), grid order a0 b1 c2 a3 b4 c5 a6 b7 c8: probes in grid order
        // (0, 1, 2), then b (5 s) 4, 7, then a (2 s) 3, 6, then c 5, 8
        string[] designs = ["a", "b", "c"];
        double[] cost = [2, 5, 1];
        (List<int> order, double makespan) = new SweepQueue(Enumerable.Range(0, 9), p => designs[p % 3]).Simulate(p => cost[p % 3], 1);
        Assert.Equal([0, 1, 2, 4, 7, 3, 6, 5, 8], order);
        Assert.Equal(24, makespan);
    }

    [Fact]
    public void DrainRunsEveryPointOnceOnTwoThreads()
    {
        var ran = new ConcurrentBag<int>();
        var threads = new ConcurrentDictionary<int, bool>();
        new SweepQueue(Enumerable.Range(0, 40), p => (p % 4).ToString(System.Globalization.CultureInfo.InvariantCulture)).Drain(2, p =>
        {
            threads[Environment.CurrentManagedThreadId] = true;
            Thread.Sleep(p % 3);
            ran.Add(p);
        });
        Assert.Equal(Enumerable.Range(0, 40), ran.Order());
    }

    [Fact]
    public void AFailureStopsNewPointsAndIsThrown()
    {
        var ran = new ConcurrentBag<int>();
        var e = Assert.Throws<AggregateException>(() => new SweepQueue(Enumerable.Range(0, 20), _ => "d").Drain(1, p =>
        {
            ran.Add(p);
            if (p == 3)
            {
                throw new InvalidOperationException("point 3");
            }
        }));
        Assert.Equal("point 3", Assert.Single(e.InnerExceptions).Message);
        Assert.Equal([0, 1, 2, 3], ran.Order());
    }

    [Fact]
    public void ACancelStartsNoNewPointAndThrowsCanceled()
    {
        using var cts = new CancellationTokenSource();
        var ran = new ConcurrentBag<int>();
        Assert.Throws<OperationCanceledException>(() => new SweepQueue(Enumerable.Range(0, 20), _ => "d").Drain(1, p =>
        {
            ran.Add(p);
            if (p == 4)
            {
                cts.Cancel();
            }
        }, cts.Token));
        Assert.Equal([0, 1, 2, 3, 4], ran.Order());
    }

    [Fact]
    public void ACancelDuringTheLastPointIsNotAnInterruption()
    {
        using var cts = new CancellationTokenSource();
        var ran = new ConcurrentBag<int>();
        new SweepQueue(Enumerable.Range(0, 5), _ => "d").Drain(1, p =>
        {
            ran.Add(p);
            if (p == 4)
            {
                cts.Cancel();
            }
        }, cts.Token);
        Assert.Equal([0, 1, 2, 3, 4], ran.Order());
    }

    [Fact]
    public void TheTimeLeftCountsEachPendingPointAtItsDesignsMean()
    {
        // points 0-5 design a, 6-8 design b, one worker: nothing finished = unknown; after a's 0 took 2 s, every
        // pending point counts 2 s (b's at the mean of all): 5 x 2 (a) + 2 x 2 (b) + 2 for 6 (b's first, running) = 16 s,
        // less what 6 has run; after 6 took 8 s: 5 x 2 + 2 x 8 = 26 s
        var q = new SweepQueue(Enumerable.Range(0, 9), p => p < 6 ? "a" : "b");
        Assert.Null(q.SecondsLeft());
        Assert.True(q.TryTake(out int p0) && p0 == 0);
        q.Finished(0, 2);
        Assert.True(q.TryTake(out int p1) && p1 == 6);
        Assert.InRange(q.SecondsLeft()!.Value, 15.9, 16);
        q.Finished(6, 8);
        Assert.Equal(26, q.SecondsLeft()!.Value, 6);
    }
}
