using System.Runtime.CompilerServices;

namespace ZoneLab.Workloads.Simulation;

/// <summary>
/// The sequence <c>new Random(seed)</c> gives (the legacy seeded generator: Knuth's subtractive method as .NET has
/// always seeded it), every member drawing from it as <see cref="Random"/> does for a seed. Every result of the
/// simulation depends on these draws, so they must not change; what changes is the cost. A seeded
/// <see cref="Random"/> forwards each call through two virtual calls to its generator, and the workload draws once per
/// anonymous and page-cache page (millions a run); this class is sealed, so a caller that knows the type calls the
/// draw directly and the JIT inlines it.
/// </summary>
internal sealed class SeededRandom : Random
{
    // state of the subtractive generator: 55 lagged values in [1, 55] (slot 0 is never used), two cursors 21 apart
    private readonly int[] _lag = new int[56];
    private int _i;
    private int _j = 21;

    /// <summary>The generator <c>new Random(seed)</c> starts with.</summary>
    public SeededRandom(int seed)
        : base(seed)
    {
        int mj = 161803398 - (seed == int.MinValue ? int.MaxValue : Math.Abs(seed));
        _lag[55] = mj;
        int mk = 1;
        // fill the lags in the order 21, 42, 8, 29, ... (21·k mod 55) with a Fibonacci-like sequence mod int.MaxValue
        for (int k = 1, slot = 0; k < 55; k++)
        {
            slot = (slot + 21) % 55;
            _lag[slot] = mk;
            mk = mj - mk;
            if (mk < 0)
            {
                mk += int.MaxValue;
            }

            mj = _lag[slot];
        }

        // four warm-up rounds: each lag minus the one 31 places on (cyclically over 1..55)
        for (int round = 0; round < 4; round++)
        {
            for (int k = 1; k <= 55; k++)
            {
                int v = _lag[k] - _lag[1 + ((k + 30) % 55)];
                _lag[k] = v < 0 ? v + int.MaxValue : v;
            }
        }
    }

    /// <summary>The next raw value, in [0, int.MaxValue).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Draw()
    {
        int i = _i == 55 ? 1 : _i + 1;
        int j = _j == 55 ? 1 : _j + 1;
        int v = _lag[i] - _lag[j];
        if (v == int.MaxValue)
        {
            v--;
        }

        if (v < 0)
        {
            v += int.MaxValue;
        }

        _lag[i] = v;
        _i = i;
        _j = j;
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Unit() => Draw() * (1.0 / int.MaxValue);

    /// <inheritdoc/>
    public override double NextDouble() => Unit();

    /// <inheritdoc/>
    public override float NextSingle() => (float)Unit();

    /// <inheritdoc/>
    public override int Next() => Draw();

    /// <inheritdoc/>
    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)(Unit() * maxValue);
    }

    /// <inheritdoc/>
    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        long range = (long)maxValue - minValue;
        if (range <= int.MaxValue)
        {
            return (int)(Unit() * range) + minValue;
        }

        // a range wider than int.MaxValue: a signed draw (the sign from a second draw) spread over [0, 1)
        int r = Draw();
        if (Draw() % 2 == 0)
        {
            r = -r;
        }

        double d = (r + (int.MaxValue - 1.0)) / ((2.0 * int.MaxValue) - 1);
        return (int)((long)(d * range) + minValue);
    }

    // The simulation draws only doubles and ints; the 64-bit and byte members are refused rather than guessed, so
    // a caller that needs them fails here instead of drawing a sequence Random(seed) would not give.

    /// <inheritdoc/>
    public override long NextInt64() => throw Unsupported();

    /// <inheritdoc/>
    public override long NextInt64(long maxValue) => throw Unsupported();

    /// <inheritdoc/>
    public override long NextInt64(long minValue, long maxValue) => throw Unsupported();

    /// <inheritdoc/>
    public override void NextBytes(byte[] buffer) => throw Unsupported();

    /// <inheritdoc/>
    public override void NextBytes(Span<byte> buffer) => throw Unsupported();

    /// <inheritdoc/>
    protected override double Sample() => Unit();

    private static NotSupportedException Unsupported()
        => new("SeededRandom draws doubles and ints only (64-bit and byte draws are not part of the simulation's streams)");
}
