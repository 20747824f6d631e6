namespace ZoneLab.Workloads.Trace;

/// <summary>
/// A small open-addressing map from UTF-8 byte strings to values, looked up by span so that a value seen before
/// (a task name, a <c>gfp_flags=</c> string) costs no allocation. Keys are copied once, on insertion.
/// </summary>
internal sealed class Utf8Cache<TValue>
{
    private byte[]?[] _keys = new byte[]?[256];
    private TValue[] _values = new TValue[256];
    private int[] _hashes = new int[256];
    private int _count;

    public int Count => _count;

    public bool TryGetValue(ReadOnlySpan<byte> key, out TValue value)
    {
        int hash = Hash(key);
        int mask = _keys.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            byte[]? k = _keys[i];
            if (k is null)
            {
                value = default!;
                return false;
            }

            if (_hashes[i] == hash && key.SequenceEqual(k))
            {
                value = _values[i];
                return true;
            }
        }
    }

    public void Add(ReadOnlySpan<byte> key, TValue value)
    {
        if ((_count + 1) * 2 > _keys.Length)
        {
            Grow();
        }

        Insert(key.ToArray(), Hash(key), value);
        _count++;
    }

    /// <summary>All entries, in no particular order.</summary>
    public IEnumerable<(byte[] Key, TValue Value)> Entries()
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] is byte[] k)
            {
                yield return (k, _values[i]);
            }
        }
    }

    private static int Hash(ReadOnlySpan<byte> key)
    {
        var h = default(HashCode);
        h.AddBytes(key);
        return h.ToHashCode();
    }

    private void Insert(byte[] key, int hash, TValue value)
    {
        int mask = _keys.Length - 1;
        int i = hash & mask;
        while (_keys[i] is not null)
        {
            i = (i + 1) & mask;
        }

        _keys[i] = key;
        _hashes[i] = hash;
        _values[i] = value;
    }

    private void Grow()
    {
        byte[]?[] keys = _keys;
        TValue[] values = _values;
        int[] hashes = _hashes;
        _keys = new byte[]?[keys.Length * 2];
        _values = new TValue[keys.Length * 2];
        _hashes = new int[keys.Length * 2];
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] is byte[] k)
            {
                Insert(k, hashes[i], values[i]);
            }
        }
    }
}
