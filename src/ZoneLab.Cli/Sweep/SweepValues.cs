using System.Globalization;
using ZoneLab.Workloads;

namespace ZoneLab.Cli.Sweep;

/// <summary>Sizes in axis values and command lines: read as the kernel's <c>memparse</c> would take them, printed back short.</summary>
internal static class SweepValues
{
    /// <summary>A size such as <c>128M</c>, <c>1G</c>, <c>1.5G</c>, <c>4096</c> (a plain <c>size@base</c> entry is not a size).</summary>
    public static bool TryBytes(string text, out ulong bytes)
    {
        bytes = 0;
        if (text.Length == 0 || !char.IsAsciiDigit(text[0]) || text.Contains('@') || text.Contains(','))
        {
            return false;
        }
        if (!Quantities.TryParse(text, QuantityUnit.Bytes, out double v, out _) || v < 0 || v > ulong.MaxValue / 2)
        {
            return false;
        }
        bytes = (ulong)v;
        return true;
    }

    /// <summary>
    /// A size in the kernel's suffix notation (<c>memparse</c>: K, M, G, T are powers of 1024): the largest unit that
    /// divides it (<c>1G</c>, <c>640M</c>, <c>4096K</c>), so the text is both a grid value and a command-line value.
    /// </summary>
    public static string Format(ulong bytes)
    {
        foreach ((string s, int shift) in new[] { ("T", 40), ("G", 30), ("M", 20), ("K", 10) })
        {
            ulong unit = 1UL << shift;
            if (bytes >= unit && bytes % unit == 0)
            {
                return (bytes / unit).ToString(CultureInfo.InvariantCulture) + s;
            }
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
