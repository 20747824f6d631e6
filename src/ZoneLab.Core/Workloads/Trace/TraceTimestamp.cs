using System.Buffers.Text;
using System.Text;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// The timestamp of a trace line, <c>SECONDS.FRACTION</c> (<c>"%5lu.%06lu"</c> in <c>trace_print_context()</c>,
/// up to 9 fraction digits for the other clocks) or an integer (the counter clocks), as nanoseconds.
/// </summary>
internal static class TraceTimestamp
{
    /// <summary>Parses <paramref name="t"/>; a malformed timestamp is an error on the current line of <paramref name="lines"/>.</summary>
    public static long Parse(ReadOnlySpan<byte> t, TraceLineSource lines)
    {
        // The common case in one pass: SECONDS.FRACTION with 1-9 fraction digits (6 for the default clocks).
        long whole = 0;
        int k = 0;
        while (k < t.Length && k < 10 && (uint)(t[k] - (byte)'0') <= 9)
        {
            whole = (whole * 10) + (t[k] - '0');
            k++;
        }

        if (k > 0 && k < 10 && k < t.Length - 1 && t[k] == (byte)'.' && t.Length - k - 1 <= 9)
        {
            long frac = 0;
            int digits = 0;
            for (int j = k + 1; j < t.Length; j++)
            {
                uint d = (uint)(t[j] - '0');
                if (d > 9)
                {
                    return ParseSlow(t, lines);
                }

                frac = (frac * 10) + d;
                digits++;
            }

            for (; digits < 9; digits++)
            {
                frac *= 10;
            }

            return (whole * 1_000_000_000) + frac;
        }

        return ParseSlow(t, lines);
    }

    private static long ParseSlow(ReadOnlySpan<byte> t, TraceLineSource lines)
    {
        int dot = t.IndexOf((byte)'.');
        ReadOnlySpan<byte> whole = dot < 0 ? t : t[..dot];
        if (!Utf8Parser.TryParse(whole, out long secs, out int used) || used != whole.Length || secs < 0
            || (dot >= 0 && secs > long.MaxValue / 1_000_000_000 - 1))
        {
            throw lines.Error($"expected a timestamp SECONDS.FRACTION or an integer, found '{Encoding.UTF8.GetString(t)}'");
        }

        if (dot < 0)
        {
            return secs;
        }

        ReadOnlySpan<byte> frac = t[(dot + 1)..];
        if (frac.IsEmpty || frac.Length > 9 || frac.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            throw lines.Error($"expected a timestamp SECONDS.FRACTION (up to 9 fraction digits), found '{Encoding.UTF8.GetString(t)}'");
        }

        long ns = 0;
        for (int k = 0; k < 9; k++)
        {
            ns = (ns * 10) + (k < frac.Length ? frac[k] - '0' : 0);
        }

        return (secs * 1_000_000_000) + ns;
    }
}
