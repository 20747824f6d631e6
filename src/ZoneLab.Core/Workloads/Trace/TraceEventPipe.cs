using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// Runs an <see cref="FtraceReader"/> on its own thread and hands its events over in batches, so parsing the text
/// (one core) overlaps with replaying it through the engine (the other). The batches are a fixed ring allocated
/// once; the events come out in trace order, so a pipelined replay gives exactly the sequential one's results. An
/// error of the reader (a malformed line) is rethrown by <see cref="TryTake"/> with its file:line message.
/// </summary>
/// <remarks>
/// The two sides meet through two counters, each on its own cache line, and block (never spin) when the ring is
/// empty or full: a spinning waiter burns the CPU that, on a loaded two-core host, the other side needs.
/// </remarks>
public sealed class TraceEventPipe : IDisposable
{
    private const int BatchSize = 2048;
    private const int Batches = 8;

    private readonly FtraceReader _reader;
    private readonly TraceEvent[][] _ring = new TraceEvent[Batches][];
    private readonly int[] _counts = new int[Batches];
    private readonly object _gate = new();
    private readonly Thread _thread;
    private PaddedCounter _filled; // batches the reader handed over; written by the reader thread only
    private PaddedCounter _drained; // batches the consumer is done with; written by the consumer only
    private int _consumerWaiting;
    private int _producerWaiting;
    private ExceptionDispatchInfo? _error;
    private volatile bool _cancelled;
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
            // The previous batch is done with.
            Publish(ref _drained.Value, ref _producerWaiting);
            _taken = false;
        }

        if (_ended)
        {
            events = default;
            return false;
        }

        long next = _drained.Value;
        if (Volatile.Read(ref _filled.Value) <= next)
        {
            lock (_gate)
            {
                Interlocked.Exchange(ref _consumerWaiting, 1); // a full fence: see Publish()
                while (Volatile.Read(ref _filled.Value) <= next)
                {
                    Monitor.Wait(_gate);
                }

                Volatile.Write(ref _consumerWaiting, 0);
            }
        }

        int slot = (int)(next % Batches);
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
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }

            _thread.Join();
        }
    }

    /// <summary>
    /// Advances one side's counter and wakes the other side if it is (about to be) blocked on it. The increment and
    /// the waiter's flag write are both full fences, so either the waiter sees the new count before it blocks or
    /// this sees its flag and pulses under the lock it waits with: no wake-up is lost.
    /// </summary>
    private void Publish(ref long counter, ref int otherWaiting)
    {
        Interlocked.Increment(ref counter);
        if (Volatile.Read(ref otherWaiting) != 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Blocks the reader thread until batch number <paramref name="batch"/> has a free slot; false when cancelled.</summary>
    private bool AwaitFreeSlot(long batch)
    {
        if (batch - Volatile.Read(ref _drained.Value) < Batches)
        {
            return !_cancelled;
        }

        lock (_gate)
        {
            Interlocked.Exchange(ref _producerWaiting, 1);
            while (!_cancelled && batch - Volatile.Read(ref _drained.Value) >= Batches)
            {
                Monitor.Wait(_gate);
            }

            Volatile.Write(ref _producerWaiting, 0);
        }

        return !_cancelled;
    }

    private void Produce()
    {
        long batchNo = 0;
        int slot = 0;
        try
        {
            while (true)
            {
                if (!AwaitFreeSlot(batchNo))
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
                batchNo++;
                slot = (int)(batchNo % Batches);
                Publish(ref _filled.Value, ref _consumerWaiting);
                if (n == batch.Length)
                {
                    continue;
                }

                if (n > 0)
                {
                    // A batch of 0 events marks the end.
                    if (!AwaitFreeSlot(batchNo))
                    {
                        return;
                    }

                    _counts[slot] = 0;
                    Publish(ref _filled.Value, ref _consumerWaiting);
                }

                return;
            }
        }
        catch (Exception e)
        {
            // After Dispose() nobody waits for the batches any more: an exception then must not escape the thread.
            if (!_cancelled)
            {
                _error = ExceptionDispatchInfo.Capture(e);
                _counts[slot] = -1;
                Publish(ref _filled.Value, ref _consumerWaiting);
            }
        }
    }

    /// <summary>A counter alone on its cache line (and the next, against adjacent-line prefetch): no false sharing.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct PaddedCounter
    {
        [FieldOffset(64)]
        public long Value;
    }
}
