using System.Runtime.ExceptionServices;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// Runs an <see cref="FtraceReader"/> on its own thread and hands its events over in batches, so parsing the text
/// (one core) overlaps with replaying it through the engine (the other). The batches are a fixed ring allocated
/// once; the events come out in trace order, so a pipelined replay gives exactly the sequential one's results. An
/// error of the reader (a malformed line) is rethrown by <see cref="TryTake"/> with its file:line message.
/// </summary>
public sealed class TraceEventPipe : IDisposable
{
    private const int BatchSize = 2048;
    private const int Batches = 8;

    private readonly FtraceReader _reader;
    private readonly TraceEvent[][] _ring = new TraceEvent[Batches][];
    private readonly int[] _counts = new int[Batches];
    private readonly SemaphoreSlim _free = new(Batches, Batches);
    private readonly SemaphoreSlim _full = new(0, Batches);
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _error;
    private volatile bool _cancelled;
    private int _next;
    private bool _ended;
    private bool _taken;

    /// <summary>Starts reading <paramref name="reader"/> on a background thread.</summary>
    public TraceEventPipe(FtraceReader reader)
    {
        _reader = reader;
        for (int i = 0; i < Batches; i++)
        {
            _ring[i] = new TraceEvent[BatchSize];
        }

        _thread = new Thread(Produce) { IsBackground = true, Name = "ftrace reader" };
        _thread.Start();
    }

    /// <summary>
    /// The next batch of events in trace order, valid until the next call; false at the end of the trace. The
    /// reader's <see cref="FtraceReader.Stats"/> are final once this returned false.
    /// </summary>
    public bool TryTake(out ReadOnlySpan<TraceEvent> events)
    {
        if (_taken)
        {
            _free.Release(); // the previous batch is done with
            _taken = false;
        }

        if (_ended)
        {
            events = default;
            return false;
        }

        _full.Wait();
        int slot = _next;
        _next = (_next + 1) % Batches;
        int n = _counts[slot];
        if (n <= 0)
        {
            _ended = true;
            _thread.Join();
            _error?.Throw();
            events = default;
            return false;
        }

        _taken = true;
        events = _ring[slot].AsSpan(0, n);
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _cancelled = true;
        if (!_ended)
        {
            // A producer waiting for a free batch wakes up, sees the cancellation and stops.
            try
            {
                _free.Release();
            }
            catch (SemaphoreFullException)
            {
            }

            _thread.Join();
        }

        _free.Dispose();
        _full.Dispose();
    }

    private void Produce()
    {
        int slot = 0;
        try
        {
            while (true)
            {
                _free.Wait();
                if (_cancelled)
                {
                    return;
                }

                TraceEvent[] batch = _ring[slot];
                int n = _reader.ReadBatch(batch);

                if (_cancelled)
                {
                    return;
                }

                _counts[slot] = n;
                slot = (slot + 1) % Batches;
                _full.Release();
                if (n == batch.Length)
                {
                    continue;
                }

                if (n > 0)
                {
                    // A batch of 0 events marks the end.
                    _free.Wait();
                    if (_cancelled)
                    {
                        return;
                    }

                    _counts[slot] = 0;
                    _full.Release();
                }

                return;
            }
        }
        catch (Exception e)
        {
            // After Dispose() nobody waits for the batches any more; an exception then (the extra free token
            // Dispose() hands out can overfill _full) must not escape the thread.
            if (!_cancelled)
            {
                _error = ExceptionDispatchInfo.Capture(e);
                _counts[slot] = -1;
                _full.Release();
            }
        }
    }
}
