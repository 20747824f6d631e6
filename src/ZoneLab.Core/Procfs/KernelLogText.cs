using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ZoneLab.Procfs;

/// <summary>One line of kernel log text with the decorations of its carrier removed, and where it came from.</summary>
/// <param name="Text">The printk text (no timestamp, syslog, dmesg or mail-quote prefix).</param>
/// <param name="Line">1-based line in the file where this text starts.</param>
public readonly record struct KernelLogLine(string Text, int Line);

/// <summary>
/// Turns a dmesg, a syslog file or a mail/bug-tracker paste into the lines printk wrote: mail quoting (<c>&gt; </c>,
/// <c>&gt;&gt;&gt;</c>), quoted-printable soft breaks and <c>=XX</c> escapes, rsyslog's <c>#012</c> for an embedded
/// newline, printk levels (<c>&lt;4&gt;</c>), timestamps (<c>[ 12.345678]</c>, <c>dmesg -T</c>), caller ids
/// (<c>[    T1]</c>), syslog and ISO-8601 prefixes with the host and <c>kernel:</c>, and <c>dmesg -x</c>'s
/// <c>kern  :warn  :</c>. Wrapped lines are not joined here: which line continues which is the reader's decision,
/// since only it knows when a record is complete.
/// </summary>
public static class KernelLogText
{
    // A timestamp in the middle of a line: a mail client joined two log lines.
    private static readonly Regex s_embeddedTimestamp = new(@"(?<=\S)\s+(?=\[\s*\d+\.\d{3,9}\](?:\[\s*[TC]\d+\])?\s)", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    private static readonly Regex s_quotePrefix = new(@"^(?:[ \t]{0,3}>[ \t]?)+", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    // Applied repeatedly: a line may carry several (syslog, then a timestamp, then a caller id).
    private static readonly Regex[] s_prefixes =
    [
        new(@"^<\d{1,2}>", RegexOptions.Compiled | RegexOptions.CultureInvariant),
        new(@"^\[[^\]\[]{0,80}\]", RegexOptions.Compiled | RegexOptions.CultureInvariant),
        new(@"^[A-Z][a-z]{2}[ \t]+\d{1,2}[ \t]+\d\d:\d\d:\d\d(?:\.\d+)?(?:[ \t]+\S+[ \t]+kernel:)?", RegexOptions.Compiled | RegexOptions.CultureInvariant),
        new(@"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S*(?:[ \t]+\S+[ \t]+kernel:)?", RegexOptions.Compiled | RegexOptions.CultureInvariant),
        new(@"^\d\d-\d\d \d\d:\d\d:\d\d\.\d+", RegexOptions.Compiled | RegexOptions.CultureInvariant),
        new(@"^kern[ \t]*:[ \t]*[a-z]+[ \t]*:", RegexOptions.Compiled | RegexOptions.CultureInvariant),
        new(@"^kernel:", RegexOptions.Compiled | RegexOptions.CultureInvariant),
        // /dev/kmsg records: "LEVEL,SEQ,USEC,FLAG[,caller=T1];text".
        new(@"^\d{1,3},\d+,\d+,[-c+][^;]{0,40};", RegexOptions.Compiled | RegexOptions.CultureInvariant),
    ];

    /// <summary>Splits <paramref name="text"/> into cleaned lines (empty lines are kept, as they end wrapped records).</summary>
    public static List<KernelLogLine> Clean(string text)
    {
        bool quotedPrintable = text.Contains("=3D", StringComparison.Ordinal)
            || text.Contains("quoted-printable", StringComparison.OrdinalIgnoreCase);
        string[] physical = text.Split('\n');
        var result = new List<KernelLogLine>(physical.Length);
        for (int i = 0; i < physical.Length; i++)
        {
            int lineNo = i + 1;
            string line = StripQuote(physical[i].TrimEnd('\r'));
            if (quotedPrintable)
            {
                // A soft line break ("=" at the end) joins the next physical line; its own quote prefix goes first.
                // Bounded by the file: each step consumes a line.
                var sb = new StringBuilder(line);
                while (sb.Length > 0 && sb[^1] == '=' && i + 1 < physical.Length)
                {
                    sb.Length--;
                    i++;
                    sb.Append(StripQuote(physical[i].TrimEnd('\r')));
                }
                line = DecodeQuotedPrintable(sb.ToString());
            }
            // rsyslog writes an embedded newline as "#012", /dev/kmsg as "\x0a".
            foreach (string part in line.Replace("\\x0a", "#012", StringComparison.Ordinal).Split("#012"))
            {
                string[] pieces = s_embeddedTimestamp.Split(part);
                foreach (string piece in pieces)
                {
                    string clean = StripPrefixes(piece);
                    // "host kernel:" before a split-off timestamp leaves nothing: not a blank line of the text.
                    if (clean.Length > 0 || pieces.Length == 1)
                    {
                        result.Add(new KernelLogLine(clean, lineNo));
                    }
                }
            }
        }
        return result;
    }

    /// <summary>Removes mail quote marks at the start of a line.</summary>
    public static string StripQuote(string line) => s_quotePrefix.Replace(line, "", 1);

    /// <summary>Removes log prefixes (levels, timestamps, syslog, caller ids) and surrounding blanks.</summary>
    public static string StripPrefixes(string line)
    {
        string s = line.Trim();
        // Each pass removes at least one character or stops, so the loop is bounded by the line's length.
        bool changed = true;
        while (changed && s.Length > 0)
        {
            changed = false;
            foreach (Regex r in s_prefixes)
            {
                Match m = r.Match(s);
                if (m.Success && m.Length > 0)
                {
                    s = s[m.Length..].TrimStart();
                    changed = true;
                }
            }
        }
        return s.TrimEnd();
    }

    private static string DecodeQuotedPrintable(string s)
    {
        if (s.IndexOf('=') < 0)
        {
            return s;
        }
        var bytes = new List<byte>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '=' && i + 2 < s.Length && IsHex(s[i + 1]) && IsHex(s[i + 2]))
            {
                bytes.Add(byte.Parse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsHex(char c) => c is (>= '0' and <= '9') or (>= 'A' and <= 'F');
}
