using System.Globalization;

namespace ZoneLab.Workloads;

/// <summary>What a scenario quantity measures, and how its text is read.</summary>
public enum QuantityUnit
{
    /// <summary>Bytes: <c>4096</c>, <c>4K</c>, <c>32M</c>, <c>1.5G</c>, <c>512MiB</c> (binary multiples, as <c>memparse()</c>).</summary>
    Bytes,

    /// <summary>Seconds: <c>250us</c>, <c>100ms</c>, <c>10s</c>, <c>5min</c>, <c>2h</c>; a bare number is seconds.</summary>
    Seconds,

    /// <summary>A plain non-negative number.</summary>
    Count,

    /// <summary>A fraction 0..1, or a percentage <c>5%</c>.</summary>
    Fraction,

    /// <summary>Bytes per second: <c>64MiB/s</c> or <c>64M/s</c> (binary), <c>12.8GB/s</c> or <c>800MB/s</c> (decimal).</summary>
    BytesPerSecond,

    /// <summary>Events per second: <c>100/s</c>, <c>30/min</c>, or a bare number.</summary>
    PerSecond,
}

/// <summary>Reads and prints quantities of a <see cref="QuantityUnit"/>.</summary>
public static class Quantities
{
    /// <summary>Parses <paramref name="text"/>; false with a message saying what was expected.</summary>
    public static bool TryParse(string text, QuantityUnit unit, out double value, out string expected)
    {
        string t = text.Trim();
        expected = Expected(unit);
        value = 0;
        switch (unit)
        {
            case QuantityUnit.Bytes:
                return TryBytes(t, out value);
            case QuantityUnit.Seconds:
                return TrySeconds(t, out value);
            case QuantityUnit.Count:
                return TryNumber(t, out value) && value >= 0;
            case QuantityUnit.Fraction:
                if (t.EndsWith('%'))
                {
                    bool ok = TryNumber(t[..^1], out value) && value >= 0 && value <= 100;
                    value /= 100;
                    return ok;
                }

                return TryNumber(t, out value) && value >= 0 && value <= 1;
            case QuantityUnit.BytesPerSecond:
                {
                    if (!t.EndsWith("/s", StringComparison.Ordinal))
                    {
                        return false;
                    }

                    string b = t[..^2];
                    foreach ((string suffix, double mul) in s_decimal)
                    {
                        if (b.EndsWith(suffix, StringComparison.Ordinal) && TryNumber(b[..^suffix.Length], out value) && value >= 0)
                        {
                            value *= mul;
                            return true;
                        }
                    }

                    return TryBytes(b, out value, allowFraction: true);
                }

            case QuantityUnit.PerSecond:
                foreach ((string suffix, double div) in s_per)
                {
                    if (t.EndsWith(suffix, StringComparison.Ordinal))
                    {
                        bool ok = TryNumber(t[..^suffix.Length], out value) && value >= 0;
                        value /= div;
                        return ok;
                    }
                }

                return TryNumber(t, out value) && value >= 0;
            default:
                throw new ArgumentOutOfRangeException(nameof(unit));
        }
    }

    /// <summary>A short description of the accepted forms.</summary>
    public static string Expected(QuantityUnit unit) => unit switch
    {
        QuantityUnit.Bytes => "a size such as 4096, 4K, 32M, 1.5G or 512MiB",
        QuantityUnit.Seconds => "a time such as 250us, 100ms, 10s, 5min or 2h",
        QuantityUnit.Count => "a non-negative number",
        QuantityUnit.Fraction => "a fraction 0..1 or a percentage such as 5%",
        QuantityUnit.BytesPerSecond => "a rate such as 64MiB/s, 64M/s or 12.8GB/s",
        QuantityUnit.PerSecond => "a rate such as 100/s or 30/min",
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };

    /// <summary>Prints <paramref name="value"/> in a form <see cref="TryParse"/> reads back exactly.</summary>
    public static string Format(double value, QuantityUnit unit)
    {
        string n = value.ToString("R", CultureInfo.InvariantCulture);
        return unit switch
        {
            QuantityUnit.Bytes => FormatBytes(value),
            QuantityUnit.Seconds => n + "s",
            QuantityUnit.BytesPerSecond => FormatBytes(value) + "/s",
            QuantityUnit.PerSecond => n + "/s",
            _ => n,
        };
    }

    private static readonly (string Suffix, double Mul)[] s_binary =
    [
        ("KiB", 1024.0), ("MiB", 1024.0 * 1024), ("GiB", 1024.0 * 1024 * 1024), ("TiB", 1024.0 * 1024 * 1024 * 1024),
        ("K", 1024.0), ("M", 1024.0 * 1024), ("G", 1024.0 * 1024 * 1024), ("T", 1024.0 * 1024 * 1024 * 1024),
        ("k", 1024.0), ("m", 1024.0 * 1024), ("g", 1024.0 * 1024 * 1024), ("t", 1024.0 * 1024 * 1024 * 1024),
    ];

    private static readonly (string Suffix, double Mul)[] s_decimal = [("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12)];

    private static readonly (string Suffix, double Div)[] s_per = [("/s", 1), ("/min", 60), ("/h", 3600)];

    private static readonly (string Suffix, double Mul)[] s_time = [("us", 1e-6), ("ms", 1e-3), ("min", 60), ("s", 1), ("h", 3600)];

    private static string FormatBytes(double value)
    {
        foreach ((string suffix, double mul) in new[] { ("G", 1024.0 * 1024 * 1024), ("M", 1024.0 * 1024), ("K", 1024.0) })
        {
            if (value >= mul && value % mul == 0)
            {
                return (value / mul).ToString("R", CultureInfo.InvariantCulture) + suffix;
            }
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static bool TryBytes(string t, out double value, bool allowFraction = false)
    {
        foreach ((string suffix, double mul) in s_binary)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                bool ok = TryNumber(t[..^suffix.Length], out value) && value >= 0;
                value = allowFraction ? value * mul : Math.Round(value * mul);
                return ok;
            }
        }

        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            bool ok = ulong.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong hex);
            value = hex;
            return ok;
        }

        return TryNumber(t, out value) && value >= 0 && (allowFraction || value == Math.Floor(value));
    }

    private static bool TrySeconds(string t, out double value)
    {
        foreach ((string suffix, double mul) in s_time)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                bool ok = TryNumber(t[..^suffix.Length], out value) && value >= 0;
                value *= mul;
                return ok;
            }
        }

        return TryNumber(t, out value) && value >= 0;
    }

    private static bool TryNumber(string t, out double value) =>
        double.TryParse(t, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value)
        && double.IsFinite(value);
}
