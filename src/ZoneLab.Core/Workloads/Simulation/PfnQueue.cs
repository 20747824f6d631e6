namespace ZoneLab.Workloads.Simulation;

/// <summary>
/// A first-in first-out queue of pfns kept in fixed-size chunks (a page-cache actor's pages in allocation order).
/// A <see cref="Queue{T}"/> doubles one array: an actor without a limit keeps every page it ever read, so the array
/// reached about a million entries per android-camera run and its growth (copying plus fresh large-object memory)
/// was ~3 % of the run. Here a chunk is never copied; an emptied chunk is kept for reuse.
/// </summary>
internal sealed class PfnQueue
{
    private const int ChunkShift = 12;
    private const int ChunkSize = 1 << ChunkShift;

    // chunks in queue order: the head entry is at _head of the first chunk, the next free slot at _tail of the last
    private readonly Queue<ulong[]> _chunks = new();
    private ulong[]? _spare;
    private ulong[]? _last;
    private int _head;
    private int _tail;

    /// <summary>Entries in the queue.</summary>
    public int Count { get; private set; }

    /// <summary>Adds <paramref name="pfn"/> at the tail.</summary>
    public void Enqueue(ulong pfn)
    {
        if (_last == null || _tail == ChunkSize)
        {
            _last = _spare ?? TakeChunk();
            _spare = null;
            _chunks.Enqueue(_last);
            _tail = 0;
        }
        _last[_tail++] = pfn;
        Count++;
    }

    /// <summary>Removes and returns the entry at the head.</summary>
    public ulong Dequeue()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("the queue is empty");
        }
        ulong[] first = _chunks.Peek();
        ulong pfn = first[_head++];
        Count--;
        if (Count == 0)
        {
            // one chunk left and now empty: start it over
            _head = 0;
            _tail = 0;
        }
        else if (_head == ChunkSize)
        {
            _spare = _chunks.Dequeue();
            _head = 0;
        }
        return pfn;
    }

    /// <summary>
    /// Empties the queue and keeps its chunks for later queues (a run's page-cache queues hold about a million pfns,
    /// 8 MiB of chunks, until the run ends): at most <see cref="MaxPooledChunks"/> chunks are kept, shared by all
    /// threads under a lock. The queue stays usable (it starts over empty).
    /// </summary>
    public void GiveBack()
    {
        lock (s_lock)
        {
            foreach (ulong[] c in _chunks)
            {
                if (s_chunks.Count < MaxPooledChunks)
                {
                    s_chunks.Push(c);
                }
            }
            if (_spare != null && s_chunks.Count < MaxPooledChunks)
            {
                s_chunks.Push(_spare);
            }
        }
        _chunks.Clear();
        _spare = null;
        _last = null;
        _head = 0;
        _tail = 0;
        Count = 0;
    }

    /// <summary>The most chunks kept for reuse: 16 MiB of pfns, two runs' page cache of android-camera.</summary>
    public const int MaxPooledChunks = 512;

    private static readonly Stack<ulong[]> s_chunks = new();
    private static readonly Lock s_lock = new();

    private static ulong[] TakeChunk()
    {
        lock (s_lock)
        {
            if (s_chunks.TryPop(out ulong[]? c))
            {
                return c;
            }
        }
        return new ulong[ChunkSize];
    }

    /// <summary>The entries from head to tail.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Walks the entries from head to tail without allocating.</summary>
    public struct Enumerator
    {
        private readonly PfnQueue _q;
        private Queue<ulong[]>.Enumerator _chunks;
        private ulong[]? _chunk;
        private int _index;
        private int _left;

        internal Enumerator(PfnQueue q)
        {
            _q = q;
            _chunks = q._chunks.GetEnumerator();
            _chunk = null;
            _index = q._head;
            _left = q.Count;
            Current = 0;
        }

        /// <summary>The current entry.</summary>
        public ulong Current { get; private set; }

        /// <summary>Moves to the next entry.</summary>
        public bool MoveNext()
        {
            if (_left == 0)
            {
                return false;
            }
            if (_chunk == null || _index == ChunkSize)
            {
                _chunks.MoveNext();
                if (_chunk != null)
                {
                    _index = 0;
                }
                _chunk = _chunks.Current;
            }
            Current = _chunk[_index++];
            _left--;
            return true;
        }
    }
}
