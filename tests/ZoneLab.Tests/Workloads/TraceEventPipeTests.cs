using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

public class TraceEventPipeTests
{
    private static FtraceReader Frees(int n)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < n; i++)
        {
            sb.Append("a-1 [000] 1.0: mm_page_free: page=x pfn=0x").Append(i.ToString("x")).Append(" order=0\n");
        }

        return FtraceReader.FromText(sb.ToString(), "p.txt");
    }

    [Fact]
    public void BatchesComeInTraceOrder()
    {
        // 50000 frees with pfn 0..49999: batches of 2048, the last holding 50000 - 24 * 2048 = 848.
        using FtraceReader r = Frees(50_000);
        using var pipe = new TraceEventPipe(r);
        long expect = 0;
        int batches = 0, last = 0;
        while (pipe.TryTake(out ReadOnlySpan<TraceEvent> batch))
        {
            foreach (ref readonly TraceEvent e in batch)
            {
                Assert.Equal(expect++, e.Pfn);
            }

            batches++;
            last = batch.Length;
        }

        Assert.Equal((50_000L, 25, 848), (expect, batches, last));
        Assert.False(pipe.TryTake(out _));
        Assert.Equal(50_000, r.Stats.Events);
    }

    [Fact]
    public async Task DisposingBeforeTheEndStopsTheReaderThread()
    {
        // The consumer stops after one batch (as when the engine throws): Dispose() must not wait forever for a
        // producer blocked on a full ring. A liveness check, not a speed one: 30 s is far beyond any normal run.
        FtraceReader r = Frees(100_000);
        Task t = Task.Run(() =>
        {
            using (r)
            using (var pipe = new TraceEventPipe(r))
            {
                Assert.True(pipe.TryTake(out ReadOnlySpan<TraceEvent> first));
                Assert.Equal(2048, first.Length);
            }
        });
        await t.WaitAsync(TimeSpan.FromSeconds(30)); // TimeoutException if Dispose() hangs
    }

    [Fact]
    public async Task AReaderBlockedOnAFullRingIsWokenByTheConsumer()
    {
        // 100000 frees = 48 full batches of 2048 + 1696: the consumer pauses after the first batch, long enough for
        // the reader to fill the 8-batch ring and block, then drains; every event must still arrive, in order. A
        // liveness check (a lost wake-up hangs), not a speed one: 30 s is far beyond any normal run.
        FtraceReader r = Frees(100_000);
        long seen = await Task.Run(() =>
        {
            using (r)
            using (var pipe = new TraceEventPipe(r))
            {
                long expect = 0;
                bool first = true;
                while (pipe.TryTake(out ReadOnlySpan<TraceEvent> batch))
                {
                    foreach (ref readonly TraceEvent e in batch)
                    {
                        Assert.Equal(expect++, e.Pfn);
                    }

                    if (first)
                    {
                        Thread.Sleep(200);
                        first = false;
                    }
                }

                return expect;
            }
        }).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(100_000, seen);
    }

    [Fact]
    public void AnEmptyTraceEndsAtOnce()
    {
        using FtraceReader r = FtraceReader.FromText("# tracer: nop\n", "e.txt");
        using var pipe = new TraceEventPipe(r);
        Assert.False(pipe.TryTake(out _));
        Assert.Equal("nop", r.Stats.Tracer);
    }
}
