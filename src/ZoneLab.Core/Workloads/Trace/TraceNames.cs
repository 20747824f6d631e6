using System.Text;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// The task and CMA area names of a trace as strings, each made once: a line costs no allocation for a name seen
/// before. Consecutive lines are mostly of the same task, so the last task is compared before hashing.
/// </summary>
internal sealed class TraceNames
{
    private readonly Utf8Cache<string> _tasks = new();
    private readonly Utf8Cache<string> _cmaNames = new();
    private string? _lastTask;
    private byte[] _lastTaskBytes = new byte[64];
    private int _lastTaskLength;

    /// <summary>The task name (comm) of <paramref name="bytes"/>.</summary>
    public string Task(ReadOnlySpan<byte> bytes)
    {
        // Consecutive lines are mostly of the same task: compare with the last one before hashing.
        if (_lastTask is not null && bytes.SequenceEqual(_lastTaskBytes.AsSpan(0, _lastTaskLength)))
        {
            return _lastTask;
        }

        string s = Intern(_tasks, bytes);
        if (bytes.Length > _lastTaskBytes.Length)
        {
            _lastTaskBytes = new byte[Math.Max(64, bytes.Length)];
        }

        bytes.CopyTo(_lastTaskBytes);
        _lastTaskLength = bytes.Length;
        _lastTask = s;
        return s;
    }

    /// <summary>The CMA area name of <paramref name="bytes"/> (<c>name=</c> of the cma events).</summary>
    public string CmaName(ReadOnlySpan<byte> bytes) => Intern(_cmaNames, bytes);

    private static string Intern(Utf8Cache<string> cache, ReadOnlySpan<byte> bytes)
    {
        if (!cache.TryGetValue(bytes, out string? s))
        {
            s = Encoding.UTF8.GetString(bytes);
            cache.Add(bytes, s);
        }

        return s;
    }
}
