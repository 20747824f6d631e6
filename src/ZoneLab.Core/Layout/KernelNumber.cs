namespace ZoneLab.Layout;

/// <summary>
/// The kernel's number parsers, with their quirks kept: <c>simple_strtoull(s, &amp;end, 0)</c>
/// (base from prefix: <c>0x</c> hex, leading <c>0</c> octal) and <c>memparse()</c> (lib/cmdline.c:
/// a number followed by an optional K/M/G/T/P/E suffix, case-insensitive, each a shift by 10).
/// Like the kernel they stop at the first character they do not understand and report where.
/// </summary>
public static class KernelNumber
{
    /// <summary>mirrors simple_strtoull(cp, endp, 0) (lib/vsprintf.c): returns the value and advances <paramref name="pos"/>.</summary>
    public static ulong SimpleStrtoull(string s, ref int pos)
    {
        int i = pos;
        int radix = 10;
        if (i < s.Length && s[i] == '0')
        {
            if (i + 1 < s.Length && (s[i + 1] == 'x' || s[i + 1] == 'X') && i + 2 < s.Length && IsHexDigit(s[i + 2]))
            {
                radix = 16;
                i += 2;
            }
            else
            {
                radix = 8;
            }
        }

        ulong value = 0;
        while (i < s.Length)
        {
            int d = DigitValue(s[i]);
            if (d < 0 || d >= radix)
            {
                break;
            }
            value = unchecked(value * (ulong)radix + (ulong)d);
            i++;
        }
        pos = i;
        return value;
    }

    /// <summary>mirrors memparse() (lib/cmdline.c): number with optional K/M/G/T/P/E suffix.</summary>
    public static ulong Memparse(string s, ref int pos)
    {
        ulong ret = SimpleStrtoull(s, ref pos);
        if (pos < s.Length)
        {
            int shift = char.ToUpperInvariant(s[pos]) switch
            {
                'E' => 60,
                'P' => 50,
                'T' => 40,
                'G' => 30,
                'M' => 20,
                'K' => 10,
                _ => 0,
            };
            if (shift > 0)
            {
                ret = shift >= 64 ? 0 : unchecked(ret << shift);
                pos++;
            }
        }
        return ret;
    }

    /// <summary>
    /// Parses a whole size string the way ZoneLab's own options want it (<c>8G</c>, <c>512M</c>, <c>0x1000</c>,
    /// <c>1.5G</c> is rejected): unlike <see cref="Memparse"/> trailing garbage is an error.
    /// </summary>
    public static bool TryParseSize(string s, out ulong bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(s))
        {
            return false;
        }
        s = s.Trim();
        int pos = 0;
        if (!char.IsAsciiDigit(s[0]))
        {
            return false;
        }
        bytes = Memparse(s, ref pos);
        // Accept an optional "iB"/"B" after the suffix (e.g. 8GiB, 512MB) for user convenience.
        string rest = s[pos..];
        return rest.Length == 0 || rest.Equals("B", StringComparison.OrdinalIgnoreCase) || rest.Equals("iB", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Parses a size for an option, throwing a clear error naming the option.</summary>
    public static ulong ParseSize(string s, string what)
    {
        if (!TryParseSize(s, out ulong v))
        {
            throw new ZoneLabInputException(what, $"'{s}' is not a size; expected a number with an optional K/M/G/T suffix, e.g. 8G or 512M");
        }
        return v;
    }

    private static bool IsHexDigit(char c) => char.IsAsciiHexDigit(c);

    private static int DigitValue(char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        return -1;
    }

    /// <summary>Formats bytes as the kernel's <c>%#018Lx</c> does (0x + 16 hex digits).</summary>
    public static string Hex18(ulong v) => "0x" + v.ToString("x16");
}
